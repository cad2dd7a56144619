"""``local-cluster``: build the pinned servers and tools, or run a local control plane.

local-cluster build            build whatever is not cached yet
local-cluster start            run etcd + kube-apiserver until Ctrl-C
local-cluster node --image A   run a control plane and one real node until Ctrl-C (root)
local-cluster path TOOL        print the cached binary's path (building it if needed)
local-cluster versions         print the pinned versions
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from local_cluster.build import ensure_built, say
from local_cluster.control_plane import ControlPlane
from local_cluster.node import NODE_IP, NODE_NAME, NodeCluster
from local_cluster.versions import ALL_PINNED, PINNED, binary_path


async def _serve() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with ControlPlane() as plane:
        print(f"KUBECONFIG={plane.kubeconfig}", flush=True)
        say(f"kube-apiserver is ready at {plane.url}; press Ctrl-C to stop")
        await stop.wait()
        say("stopping kube-apiserver and etcd")
    say("stopped; temporary folder removed")


async def _serve_node(images: list[Path]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with NodeCluster(images=images) as cluster:
        print(f"KUBECONFIG={cluster.kubeconfig}", flush=True)
        say(f"node {NODE_NAME} is Ready (node IP {NODE_IP}); press Ctrl-C to stop")
        await stop.wait()
        say("stopping the node and the control plane")
    say("stopped; the host is as it was")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="local-cluster",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the pinned binaries that are missing")
    build.add_argument(
        "tools",
        nargs="*",
        metavar="TOOL",
        help=f"any of {', '.join(ALL_PINNED)} (default: the control plane's)",
    )
    commands.add_parser("start", help="run a control plane in the foreground until Ctrl-C")
    node = commands.add_parser("node", help="run a control plane and a real node (root)")
    node.add_argument(
        "--image",
        action="append",
        type=Path,
        default=[],
        help="an image archive to import into containerd (repeat; `make image` writes them)",
    )
    path = commands.add_parser("path", help="print a tool's cached binary, building it if needed")
    path.add_argument("tool", choices=list(ALL_PINNED))
    commands.add_parser("versions", help="print the pinned versions")
    args = parser.parse_args(argv)

    if args.command == "build":
        unknown = sorted(set(args.tools) - set(ALL_PINNED))
        if unknown:
            parser.error(
                f"unknown tool(s) {', '.join(unknown)}; choose from {', '.join(ALL_PINNED)}"
            )
        built = asyncio.run(ensure_built(args.tools or list(PINNED)))
        for tool, where in built.items():
            print(f"{tool} {ALL_PINNED[tool].version} {where}")
    elif args.command == "start":
        asyncio.run(_serve())
    elif args.command == "node":
        asyncio.run(_serve_node(args.image))
    elif args.command == "path":
        asyncio.run(ensure_built([args.tool]))
        print(binary_path(args.tool))
    else:
        for tool, pinned in ALL_PINNED.items():
            print(f"{tool} {pinned.module}@{pinned.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
