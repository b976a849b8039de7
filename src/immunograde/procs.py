"""Worker processes that end with their parent.

A process started by :class:`concurrent.futures.ProcessPoolExecutor` outlives a parent killed with
``kill -9`` (it is re-parented and goes on computing for nobody, holding pipes and memory).  Pass
:func:`die_with_parent` as the pool's ``initializer`` (with the parent's pid): on Linux the kernel
then sends the worker SIGKILL when the parent exits (``PR_SET_PDEATHSIG``); a worker whose parent is
already gone by the time it starts exits at once.
"""

from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Ask the kernel to kill this process when its parent exits; exit now if it already has.

    ``parent`` is the pid of the process that started this one (``os.getpid()`` there); without it,
    re-parenting to init (pid 1) is taken as the sign that the parent is gone.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1 or (parent is not None and os.getppid() != parent):
        os._exit(1)
