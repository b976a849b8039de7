"""Heavy work off the request loop: workbench fits and chart rendering run in worker processes.

A fit of a 2,000-row upload or a chart rendered to SVG/PNG holds a CPU for seconds; run in the server
process it stalls every other request (pages waited 9 s behind one upload; vl-convert also holds
Python's GIL while it draws, so even a thread of the server would stop the event loop).  Here each job
takes one of :data:`SLOTS` single-process pools.  The workers run at a lower CPU priority
(:data:`NICE`): on a machine with as many cores as workers, page serving wins the CPU and the heavy
jobs take what is left, instead of the two sharing it equally.  A job waits for a free worker up to
:data:`WAIT_SECONDS` (uploads queue rather than fail); at most :data:`QUEUE` jobs wait at once, and a
job beyond that, or one whose wait runs out, is refused with :class:`Overloaded` (the app answers 503
and asks to retry).  A job past its time limit is stopped, not left running: its worker process is
killed and a fresh one started for the next job.  Workers die with the server
(:func:`immunograde.procs.die_with_parent`).

Memory is bounded by design: :data:`SLOTS` workers, each recycled after :data:`JOBS_PER_WORKER` jobs
(vl-convert's JavaScript heap and the allocator's arenas otherwise only grow), and :data:`QUEUE`
waiting jobs, each holding at most its request (the workbench's 512 KiB of CSV).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from immunograde.errors import Msg
from immunograde.procs import die_with_parent

T = TypeVar("T")
SLOTS = 2  #: worker processes (jobs computed at once)
QUEUE = 64  #: jobs that may wait for a free worker; more are refused with 503
WAIT_SECONDS = 45.0  #: longest wait for a free worker before a job is refused with 503
NICE = 10  #: added to the workers' niceness: the server's own threads come first
JOBS_PER_WORKER = 500  #: a worker is replaced (between jobs) after this many
STARTUP_SECONDS = 180.0  #: a new worker's imports (not counted in a job's time limit)
PRELOAD = ("immunograde.web.workbench",)  #: imported by each worker as it starts


def _start_worker(parent: int, modules: tuple[str, ...]) -> None:
    """Initializer of a worker process: die with the server, import ``modules`` (at the server's
    priority: a start is not starved by a busy machine), then yield the CPU to the server and start
    the chart engine."""
    die_with_parent(parent)
    for name in modules:
        importlib.import_module(name)
    with contextlib.suppress(OSError):  # not permitted: the worker runs at the server's priority
        os.nice(NICE)
    from immunograde.plots.render import warm

    warm()  # the chart engine's start (1-4 s) at the worker's lower priority, not in the first job


def _started() -> int:
    return os.getpid()


class Overloaded(RuntimeError):
    """Every worker is busy and the queue is full (HTTP 503)."""


class HeavyPool:
    """:data:`SLOTS` worker processes behind a bounded queue (see the module's text)."""

    def __init__(self, slots: int = SLOTS, queue: int = QUEUE, wait: float = WAIT_SECONDS) -> None:
        self.slots, self.queue, self.wait = slots, queue, wait
        self._jobs = [0] * slots
        self._executors: list[ProcessPoolExecutor | None] = [None] * slots
        self._starting: dict[int, Future[int]] = {}
        self._free: asyncio.Queue[int] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight = 0

    def _slot_queue(self) -> asyncio.Queue[int]:
        loop = asyncio.get_running_loop()
        if self._free is None or self._loop is not loop:  # a new event loop (tests start several)
            self._free, self._loop = asyncio.Queue(), loop
            for i in range(self.slots):
                self._free.put_nowait(i)
        return self._free

    def _executor(self, slot: int) -> ProcessPoolExecutor:
        ex = self._executors[slot]
        if ex is None:
            ctx = multiprocessing.get_context("spawn")  # no DuckDB handle or lock crosses a fork
            ex = ProcessPoolExecutor(1, ctx, _start_worker, (os.getpid(), PRELOAD))
            self._executors[slot], self._jobs[slot] = ex, 0
            self._starting[slot] = ex.submit(_started)
        return ex

    def _kill(self, slot: int) -> None:
        ex, self._executors[slot] = self._executors[slot], None
        self._starting.pop(slot, None)
        if ex is None:
            return
        for proc in list(getattr(ex, "_processes", {}).values()):
            proc.kill()
        ex.shutdown(wait=False, cancel_futures=True)

    def start(self) -> None:
        """Start the workers now (each takes a few seconds to import), not at the first upload."""
        for slot in range(self.slots):
            self._executor(slot)

    def close(self) -> None:
        for slot in range(self.slots):
            self._kill(slot)

    async def run(self, seconds: float, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker: :class:`Overloaded` at once when the queue is full, or when no
        worker frees up within :attr:`wait` seconds; :class:`TimeoutError` (worker killed) when it runs
        longer than ``seconds``."""
        if self._inflight >= self.slots + self.queue:
            raise Overloaded(
                Msg(
                    "the server is busy with %(n)s analyses; try again in a few seconds",
                    n=self._inflight,
                )
            )
        self._inflight += 1
        try:
            free = self._slot_queue()
            try:
                slot = await asyncio.wait_for(free.get(), self.wait)
            except TimeoutError:
                raise Overloaded(Msg("the server is busy; try again in a few seconds")) from None
            try:
                return await self._run_in(slot, seconds, fn, *args)
            finally:
                free.put_nowait(slot)
        finally:
            self._inflight -= 1

    async def _run_in(
        self, slot: int, seconds: float, fn: Callable[..., T], *args: Any, retried: bool = False
    ) -> T:
        if self._jobs[slot] >= JOBS_PER_WORKER:  # recycled between jobs: its memory is returned
            self._kill(slot)
        ex = self._executor(slot)
        self._jobs[slot] += 1
        starting = self._starting.pop(slot, None)
        if starting is not None:  # a new worker: its imports do not count against the job's time
            try:
                await asyncio.wait_for(asyncio.wrap_future(starting), STARTUP_SECONDS)
            except (TimeoutError, BrokenProcessPool):
                self._kill(slot)
                raise Overloaded("the analysis worker did not start; try again") from None
        try:
            future = asyncio.wrap_future(ex.submit(fn, *args))
        except (
            BrokenProcessPool
        ):  # the worker died while idle (killed, or its parent thread ended: the
            self._kill(
                slot
            )  # kernel's parent-death signal follows the thread that started it): a new one
            if retried:
                raise Overloaded("the analysis worker did not start; try again") from None
            return await self._run_in(slot, seconds, fn, *args, retried=True)
        try:
            return await asyncio.wait_for(future, seconds)
        except (TimeoutError, asyncio.CancelledError):
            self._kill(slot)  # stop the computation, not only the wait for it
            raise
        except BrokenProcessPool:  # the worker died: before our job reached it (see above) or in it
            self._kill(slot)
            if retried:
                raise Overloaded("the analysis stopped unexpectedly; try again") from None
            return await self._run_in(slot, seconds, fn, *args, retried=True)
