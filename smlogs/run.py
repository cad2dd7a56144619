"""One ``kubectl smlogs <kind> NAME``: find the job, print its logs, follow them if asked.

Following polls at a bounded rate: every round reads each stream once from its cursor
(one GetLogEvents per stream when nothing is new), looks for new streams only now and
then, and waits longer while the job is quiet or CloudWatch throttles.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

import structlog

from smlogs.cli import Options
from smlogs.cloudwatch import LogsClient, logs_client
from smlogs.errors import Unavailable, UserError
from smlogs.job import JobView
from smlogs.kinds import (
    HYPERPARAMETER_TUNING_JOB,
    TRAINING_JOB,
    TUNING_JOB_LABEL,
    TUNING_JOB_UID_LABEL,
)
from smlogs.kube import JobResources, KubeTarget, job_resources
from smlogs.output import LineFormat, LogLine
from smlogs.reader import JobLogReader

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class PollPolicy:
    """How often following looks for new lines (seconds)."""

    fastest: float = 1.0
    # While nothing new arrives the wait doubles up to this.
    idle: float = 5.0
    # After a throttled call the wait doubles up to this.
    throttled: float = 30.0
    # New streams (instances) are looked for at least this often once some are known.
    discovery: float = 30.0
    # Reads of the resource tried in a row (waits doubling to ``throttled``) before an
    # unreachable API server ends a follow.
    unavailable_rounds: int = 8

    def next_wait(self, wait: float, printed: int, throttled: bool) -> float:
        if throttled:
            return min(self.throttled, max(wait, self.fastest) * 2)
        if printed:
            return self.fastest
        return min(self.idle, wait * 2)


class Printer:
    def __init__(self, options: Options, out: TextIO) -> None:
        self._format = LineFormat(not options.hide_stream, options.timestamps)
        self._out = out
        self.lines = 0

    def print(self, lines: list[LogLine]) -> None:
        if lines:
            self._out.write(self._format.render(lines))
            self.lines += len(lines)

    def flush(self) -> None:
        self._out.flush()


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def tuning_answer(resources: JobResources, options: Options) -> UserError:
    """A tuning job has no logs of its own: name its training jobs and how to list them."""
    resource = await resources.get(HYPERPARAMETER_TUNING_JOB, options.name)
    meta = resource["metadata"]
    selector = (
        f"{TUNING_JOB_LABEL}={meta['name']}"
        if len(meta["name"]) <= 63
        else f"{TUNING_JOB_UID_LABEL}={meta['uid']}"
    )
    children = await resources.list(TRAINING_JOB, selector)
    names = sorted(str(child["metadata"]["name"]) for child in children)
    listing = (
        f" It has launched {len(names)}: {', '.join(names)}."
        if names
        else " It has launched none yet."
    )
    return UserError(
        f'"{options.name}" is a HyperparameterTuningJob: its logs are those of the training '
        f"jobs it launched.{listing} List them with:\n"
        f"  kubectl get trainingjobs -n {resources.namespace} -l {selector}\n"
        f"and read one with: kubectl smlogs trainingjob <name> -n {resources.namespace}"
    )


class Session:
    def __init__(
        self,
        options: Options,
        resources: JobResources,
        out: TextIO,
        policy: PollPolicy,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.options = options
        self.resources = resources
        self.printer = Printer(options, out)
        self.policy = policy
        self._sleep = sleep
        self._rng = random.Random()
        self._log = log.bind(
            kind=options.kind.kind, name=options.name, namespace=resources.namespace
        )

    async def view(self) -> JobView:
        return JobView.of(
            self.options.kind, await self.resources.get(self.options.kind, self.options.name)
        )

    async def view_while_following(self) -> JobView:
        """The resource again, retried with backoff while the API server is away.

        An apiserver restart must not end a long follow; one gone for good still does.
        """
        wait = self.policy.fastest
        for attempt in range(1, self.policy.unavailable_rounds):
            try:
                return await self.view()
            except Unavailable as error:
                self._log.warning("smlogs.kube_unavailable", error=error.message, attempt=attempt)
                wait = min(self.policy.throttled, wait * 2)
                await self.pause(wait)
        return await self.view()

    async def pause(self, wait: float) -> None:
        # Jitter keeps many followers of one account from polling in step.
        await self._sleep(wait * self._rng.uniform(0.9, 1.1))

    async def wait_for_job_name(self, job: JobView) -> JobView:
        kind = self.options.kind
        if job.job_name is not None:
            return job
        not_started = (
            f'"{job.name}" has no SageMaker {kind.sagemaker_noun} yet ({job.state()}): the '
            "operator has not created the SageMaker job"
        )
        if job.terminal or not self.options.follow:
            hint = "" if job.terminal else ". Is the operator running? Use -f to wait for it"
            raise UserError(not_started + hint)
        say(not_started + "; waiting for it (Ctrl-C stops)")
        wait = self.policy.fastest
        while job.job_name is None:
            await self.pause(wait)
            wait = self.policy.next_wait(wait, 0, False)
            job = await self.view_while_following()
            if job.job_name is None and job.terminal:
                raise UserError(not_started)
        return job

    async def run(self) -> int:
        job = await self.wait_for_job_name(await self.view())
        say(job.header())
        kind = self.options.kind
        assert kind.log_group is not None
        assert job.job_name is not None
        if not job.region:
            raise UserError(f'"{job.name}" has no spec.region: cannot tell where its logs are')
        prefix = f"{job.job_name}/{self.options.prefix}"
        start_time = int((time.time() - self.options.since) * 1000) if self.options.since else None
        async with logs_client(job.region, kind.log_group, job.endpoint) as client:
            reader = JobLogReader(client, prefix, start_time)
            return await self._read(job, client, reader)

    def _no_streams(self, job: JobView, group_exists: bool) -> str:
        where = f'log streams "{self.prefix_text(job)}*" in {self.options.kind.log_group}'
        if job.terminal:
            text = f"no {where}: the job ended ({job.state()}) without writing any"
        else:
            text = f"no {where} yet ({job.state()}): its instances have not started writing"
        if not group_exists:
            text += f" (the log group does not exist in {job.region} yet)"
        return text

    def prefix_text(self, job: JobView) -> str:
        return f"{job.job_name}/{self.options.prefix}"

    async def _read(self, job: JobView, client: LogsClient, reader: JobLogReader) -> int:
        options, printer = self.options, self.printer
        group_exists = await reader.discover()
        if not reader.cursors and not options.follow:
            hint = "" if job.terminal else "; run again later, or use -f to wait"
            raise UserError(self._no_streams(job, group_exists) + hint)
        if not options.follow:
            await self._print_once(reader)
            return 0
        discovered = time.monotonic()
        if not reader.cursors:
            say(self._no_streams(job, group_exists) + "; waiting (Ctrl-C stops)")
        tail_pending = options.tail is not None
        wait, ended_rounds = self.policy.fastest, 0
        while True:
            if job.terminal:
                ended_rounds += 1
            if (
                job.terminal
                or not reader.cursors
                or (time.monotonic() - discovered >= self.policy.discovery)
            ):
                # Streams found after the tail was read are new: they are printed whole.
                group_exists = await reader.discover()
                discovered = time.monotonic()
            throttled_before = client.stats.throttled
            printed_before = printer.lines
            if tail_pending and reader.cursors:
                printer.print(await reader.tail(options.tail or 0))
                tail_pending = False
            async for batch in reader.drain():
                printer.print(batch)
            printer.flush()
            printed = printer.lines - printed_before
            if job.terminal and not reader.cursors:
                raise UserError(self._no_streams(job, group_exists))
            # Done once a full drain that began after the job had ended found nothing more,
            # or a second one ran: lines CloudWatch ingests late still get a round.
            if ended_rounds >= 2 or (ended_rounds == 1 and printed == 0):
                return 0
            wait = self.policy.next_wait(wait, printed, client.stats.throttled > throttled_before)
            self._log.debug("smlogs.round", printed=printed, wait=wait, calls=client.stats.calls)
            await self.pause(wait)
            job = await self.view_while_following()

    async def _print_once(self, reader: JobLogReader) -> None:
        if self.options.tail is not None:
            self.printer.print(await reader.tail(self.options.tail))
        else:
            async for batch in reader.drain():
                self.printer.print(batch)
        self.printer.flush()


async def run(options: Options, out: TextIO, policy: PollPolicy | None = None) -> int:
    target = KubeTarget(options.kubeconfig, options.context, options.namespace)
    async with job_resources(target) as resources:
        if options.kind is HYPERPARAMETER_TUNING_JOB:
            raise await tuning_answer(resources, options)
        return await Session(options, resources, out, policy or PollPolicy()).run()
