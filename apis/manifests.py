"""`python -m apis.manifests`: regenerate everything derived from apis/, deterministically.

Writes the generated models (apis/generated/), CRDs, RBAC and manager YAML (config/),
release files (release/) and Helm charts (helm/). `expected_files()` is what the
staleness test compares against the committed tree.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

from apis import codegen

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"
RELEASE = ROOT / "release" / "rolebased"
HELM = ROOT / "helm"
PLACEHOLDER_NAMESPACE = "PLACEHOLDER-NAMESPACE"
_RERUN = "APIS_MANIFESTS_RERUN"


def config_and_release_files() -> Iterator[tuple[Path, str]]:
    """CRDs, RBAC, manager and release YAMLs (imports the models, so run after codegen)."""
    from apis import charts, install
    from apis.crd import custom_resource_definition
    from apis.kinds import ALL_KINDS

    dump = charts.dump_all
    crds = [custom_resource_definition(info) for info in ALL_KINDS]
    for info, crd in zip(ALL_KINDS, crds, strict=True):
        yield CONFIG / "crd" / "bases" / f"sagemaker.aws.amazon.com_{info.plural}.yaml", dump([crd])

    cluster = install.InstallOptions()
    namespaced = install.InstallOptions(namespaced=True)
    cluster_rbac = install.rbac(cluster)
    roles = {obj["metadata"]["name"]: obj for obj in cluster_rbac}
    bindings = {obj["roleRef"]["name"]: obj for obj in cluster_rbac if "roleRef" in obj}

    def role_and_binding(name: str) -> list[dict[str, object]]:
        return [roles[name], *([bindings[name]] if name in bindings else [])]

    rbac_dir = CONFIG / "rbac"
    yield rbac_dir / "service_account.yaml", dump([install.service_account(cluster)])
    yield rbac_dir / "role.yaml", dump(role_and_binding(install.MANAGER_ROLE))
    yield rbac_dir / "namespaced_role.yaml", dump(install.rbac(namespaced)[:2])
    leader_election = role_and_binding(install.LEADER_ELECTION_ROLE)
    yield rbac_dir / "leader_election_role.yaml", dump(leader_election)
    yield rbac_dir / "metrics_auth_role.yaml", dump(role_and_binding(install.METRICS_AUTH_ROLE))
    yield rbac_dir / "metrics_reader_role.yaml", dump(role_and_binding(install.METRICS_READER_ROLE))
    yield (
        CONFIG / "manager" / "manager.yaml",
        dump([install.namespace(cluster), install.deployment(cluster)]),
    )
    yield CONFIG / "manager" / "metrics_service.yaml", dump([install.metrics_service(cluster)])

    yield (
        RELEASE / "installer.yaml",
        dump([install.namespace(cluster), *crds, *install.operator_objects(cluster)]),
    )
    yield RELEASE / "namespaced" / "crd.yaml", dump(crds)
    placeholder = install.InstallOptions(namespace=PLACEHOLDER_NAMESPACE, namespaced=True)
    yield RELEASE / "namespaced" / "operator.yaml", dump(install.operator_objects(placeholder))
    yield from charts.rendered_files(HELM)


def expected_files() -> dict[Path, str]:
    """Every generated file and the text it should have."""
    return dict([*codegen.rendered_files(), *config_and_release_files()])


def _write(files: Iterator[tuple[Path, str]]) -> bool:
    changed = False
    for path, text in files:
        if path.exists() and path.read_text() == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
        changed = True
    return changed


def main() -> int:
    if _write(codegen.rendered_files()) and not os.environ.get(_RERUN):
        # The models just changed on disk; render the YAML from the new ones, not the
        # ones already imported into this process.
        os.environ[_RERUN] = "1"
        os.execv(sys.executable, [sys.executable, "-m", "apis.manifests"])
    _write(config_and_release_files())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
