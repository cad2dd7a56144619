"""``sagemaker-emulator``: run the emulator in the foreground until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import signal

from sagemaker_emulator.server import EmulatorServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sagemaker-emulator",
        description="A local SageMaker, CloudWatch Logs and Application Auto Scaling emulator.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="emulated seconds per real second (60 turns a 4-minute job into 4 seconds)",
    )
    parser.add_argument(
        "--manual-clock",
        action="store_true",
        help="time moves only through POST /_emulator/clock/advance",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for fault injection")
    parser.add_argument(
        "--check-responses",
        action="store_true",
        help="refuse (HTTP 500) any response that does not fit the service model",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    server = EmulatorServer(
        host=args.host,
        port=args.port,
        time_scale=args.time_scale,
        manual_clock=args.manual_clock,
        seed=args.seed,
        check_responses=args.check_responses,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        # The one line a wrapper script parses to learn the port.
        print(f"sagemaker-emulator listening on {server.url}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
