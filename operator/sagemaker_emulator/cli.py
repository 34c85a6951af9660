"""``sagemaker-emulator``: run the local SageMaker emulator until interrupted."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from sagemaker_emulator.state import PACKAGE_STATUSES, Durations, EventsTarget, Settings

DEFAULT_PORT = 0


def _parser() -> argparse.ArgumentParser:
    defaults = Durations()
    parser = argparse.ArgumentParser(
        prog="sagemaker-emulator",
        description="Local SageMaker, SageMaker Runtime and Application Auto Scaling "
        "emulator (other AWS services by moto), for development and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port to listen on; 0 picks a free port"
    )
    parser.add_argument(
        "--creating-seconds",
        type=float,
        default=defaults.creating,
        help="how long an endpoint stays Creating",
    )
    parser.add_argument(
        "--updating-seconds",
        type=float,
        default=defaults.updating,
        help="how long an endpoint stays Updating",
    )
    parser.add_argument(
        "--deleting-seconds",
        type=float,
        default=defaults.deleting,
        help="how long an endpoint stays Deleting",
    )
    parser.add_argument(
        "--async-inference-seconds",
        type=float,
        default=defaults.async_inference,
        help="how long an asynchronous invocation waits before its result is written",
    )
    parser.add_argument(
        "--traffic-shift-seconds",
        type=float,
        default=defaults.traffic_shift,
        help="how long each traffic step of an endpoint deployment stays ActivatingTraffic",
    )
    parser.add_argument(
        "--initial-package-status",
        choices=PACKAGE_STATUSES,
        default="Completed",
        help="ModelPackageStatus of newly created model packages",
    )
    parser.add_argument(
        "--events-queue-url",
        help="SQS queue URL (on this emulator) that receives model package state-change events",
    )
    parser.add_argument("--log-level", default="WARNING", help="Python logging level")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    settings = Settings(
        durations=Durations(
            args.creating_seconds,
            args.updating_seconds,
            args.deleting_seconds,
            args.async_inference_seconds,
            args.traffic_shift_seconds,
        ),
        initial_package_status=args.initial_package_status,
        events_target=EventsTarget(args.events_queue_url) if args.events_queue_url else None,
    )
    # Imported here so that --help stays fast: moto and the service models load slowly.
    from sagemaker_emulator.server import EmulatorServer  # noqa: PLC0415

    server = EmulatorServer(args.host, args.port, settings)
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        if not stopping.is_set():
            stopping.set()
            # shutdown() waits for serve_forever to return, so it cannot run on its thread.
            threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"sagemaker-emulator ready at {server.url}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
