"""Emulator throughput: DescribeEndpoint calls per second with many endpoints.

Prints numbers, asserts nothing. The operator benchmark and the end-to-end tests put the
emulator on the other side of every AWS call, so it must answer far faster than a thousand
endpoints polled every minute (about 17 DescribeEndpoint calls per second) ever need.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from devstack.emulator import EmulatorProcess

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bench:1"
STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


def sagemaker_client(url: str) -> Any:
    return boto3.client(
        "sagemaker",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - the emulator takes any key
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def create_endpoints(url: str, count: int) -> list[str]:
    sm = sagemaker_client(url)
    sm.create_model(ModelName="bench", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    sm.create_endpoint_config(
        EndpointConfigName="bench",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "bench",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    names = [f"bench-{index:05d}" for index in range(count)]
    for index, name in enumerate(names, start=1):
        sm.create_endpoint(EndpointName=name, EndpointConfigName="bench")
        if index % 250 == 0 or index == count:
            progress(f"created {index}/{count} endpoints")
    return names


def describe_for(
    url: str, names: list[str], offset: int, stop_at: float, latencies: list[float]
) -> None:
    sm = sagemaker_client(url)
    index = offset
    while time.monotonic() < stop_at:
        began = time.perf_counter()
        sm.describe_endpoint(EndpointName=names[index % len(names)])
        latencies.append(time.perf_counter() - began)
        index += 1


def main() -> int:
    parser = argparse.ArgumentParser(description="Emulator DescribeEndpoint throughput.")
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mdo-emulator-bench-"))
    progress("starting the SageMaker emulator (endpoints become InService at once)")
    arguments = ("--creating-seconds", "0", "--updating-seconds", "0", "--deleting-seconds", "0")
    with EmulatorProcess(log_file=work / "emulator.log", arguments=arguments) as emulator:
        names = create_endpoints(emulator.url, args.endpoints)
        emulator.control.reset_calls()
        progress(f"{args.threads} client threads call DescribeEndpoint for {args.seconds:g}s")
        per_thread: list[list[float]] = [[] for _ in range(args.threads)]
        stop_at = time.monotonic() + args.seconds
        began = time.monotonic()
        threads = [
            threading.Thread(
                target=describe_for,
                args=(emulator.url, names, n * len(names) // args.threads, stop_at, per_thread[n]),
            )
            for n in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        served = emulator.control.call_count("sagemaker.DescribeEndpoint")

    latencies = sorted(value for samples in per_thread for value in samples)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print("\nsagemaker-emulator throughput")
    print(f"  endpoints:                 {args.endpoints}")
    print(f"  client threads:            {args.threads}")
    print(f"  DescribeEndpoint calls:    {served} in {elapsed:.1f}s")
    print(f"  throughput:                {served / elapsed:.0f} calls/s")
    print(
        f"  latency:                   p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms"
    )
    needed = args.endpoints / 60
    print(f"  needed by {args.endpoints} endpoints polled every 60s: {needed:.0f} calls/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
