"""Build the krew archive of ``kubectl smlogs`` and write its ``uri`` and ``sha256`` into
the manifest (``make plugin-archive``).

The archive holds the launcher ``plugins/kubectl-smlogs`` and the project's wheel, flat, as
``plugins/smlogs.yaml`` lists them. A release uploads it at the manifest's ``uri``.

The wheel is built from a copy of the files git knows (tracked, and untracked but not
ignored): an in-tree build would pick up a stale ``build/`` and collide with another build
in the same working tree. Every timestamp is fixed (SOURCE_DATE_EPOCH for the wheel), so the
archive's bytes, and its ``sha256``, depend only on the sources: committing the manifest
does not change what a rebuild at that commit gives.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "plugins" / "smlogs.yaml"
LAUNCHER = ROOT / "plugins" / "kubectl-smlogs"
# The project's release page: the manifest's homepage, releases/download/<tag>/<file>.
RELEASE_URI = "{homepage}/releases/download/{version}/kubectl-smlogs-{version}.tar.gz"
# 1980-01-01, the earliest time a zip entry (the wheel's) can carry.
EPOCH = 315532800
_WHEEL_TIMEOUT_SECONDS = 600.0
_GIT_TIMEOUT_SECONDS = 60.0


class ArchiveError(RuntimeError):
    """The archive cannot be built; the message says what to do."""


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=_GIT_TIMEOUT_SECONDS,
    ).stdout


def _copy_source(into: Path) -> None:
    known = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, known):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def build_wheel(into: Path, epoch: int) -> Path:
    """The project's wheel, built with build isolation (setuptools and wheel from PyPI)."""
    with tempfile.TemporaryDirectory(prefix="smlogs-source-") as source:
        _copy_source(Path(source))
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"]
        command += ["--disable-pip-version-check", "-w", str(into), source]
        ran = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=_WHEEL_TIMEOUT_SECONDS
        )
    if ran.returncode != 0:
        raise ArchiveError(f"`pip wheel` failed (exit {ran.returncode}):\n{ran.stderr[-3000:]}")
    wheels = sorted(into.glob("*.whl"))
    if len(wheels) != 1:
        raise ArchiveError(f"expected one wheel in {into}, found {[w.name for w in wheels]}")
    return wheels[0]


def _add(archive: tarfile.TarFile, name: str, data: bytes, mode: int, epoch: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = epoch
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    archive.addfile(info, io.BytesIO(data))


def pack(target: Path, wheel: Path, epoch: int) -> None:
    """A gzipped tar with fixed owners, modes and times, so its bytes depend only on content."""
    members = [("kubectl-smlogs", LAUNCHER, 0o755), (wheel.name, wheel, 0o644)]
    license_file = ROOT / "LICENSE"
    if license_file.is_file():
        members.append(("LICENSE", license_file, 0o644))
    partial = target.with_name(target.name + ".partial")
    with (
        partial.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.USTAR_FORMAT) as archive,
    ):
        for name, path, mode in sorted(members):
            _add(archive, name, path.read_bytes(), mode, epoch)
    partial.replace(target)


def write_manifest(manifest: Path, into: Path, uri: str, sha256: str) -> None:
    """Replace only the ``uri`` and ``sha256`` lines: the comments and layout stay."""
    text = manifest.read_text()
    text, uris = re.subn(r"^(\s*)uri: .*$", rf"\g<1>uri: {uri}", text, flags=re.MULTILINE)
    text, sums = re.subn(
        r"^(\s*)sha256: .*$", rf'\g<1>sha256: "{sha256}"', text, flags=re.MULTILINE
    )
    if uris != 1 or sums != 1:
        raise ArchiveError(
            f"{manifest} has {uris} uri and {sums} sha256 lines; keep one platform with one of each"
        )
    into.write_text(text)


def build(dist: Path, manifest_out: Path) -> tuple[Path, str]:
    spec = yaml.safe_load(MANIFEST.read_text())["spec"]
    version = spec["version"]
    dist.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="smlogs-wheel-") as wheels:
        wheel = build_wheel(Path(wheels), EPOCH)
        project_version = wheel.name.split("-")[1]
        if version != f"v{project_version}":
            raise ArchiveError(
                f"{MANIFEST.relative_to(ROOT)} spec.version is {version} but the project's "
                f"version (pyproject.toml) is {project_version}: set spec.version to "
                f"v{project_version}"
            )
        archive = dist / f"kubectl-smlogs-{version}.tar.gz"
        pack(archive, wheel, EPOCH)
    sha256 = hashlib.sha256(archive.read_bytes()).hexdigest()
    uri = RELEASE_URI.format(homepage=spec["homepage"], version=version)
    write_manifest(MANIFEST, manifest_out, uri, sha256)
    return archive, sha256


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the archive goes")
    parser.add_argument(
        "--manifest-out",
        type=Path,
        default=MANIFEST,
        help="where the manifest with the archive's uri and sha256 goes (default: in place)",
    )
    args = parser.parse_args(argv)
    try:
        archive, sha256 = build(args.dist, args.manifest_out)
    except (ArchiveError, subprocess.SubprocessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{archive} {archive.stat().st_size} bytes sha256 {sha256}")
    print(f"{args.manifest_out}: uri and sha256 written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
