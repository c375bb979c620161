"""Worker processes that never outlive their run.

A run killed outright (SIGKILL, out-of-memory killer) cannot tidy up, and loky's
workers would otherwise wait idle for minutes.  On Linux each worker asks the kernel
to kill it when the process that started it dies.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)


def die_with_parent(parent: int) -> None:
    """Worker initializer: SIGKILL this worker when its parent dies (Linux; no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def release_workers() -> None:
    """Stop this machine's idle workers once a run's replicates are done: loky keeps them for
    the next task, holding their memory while the tables and report are built.  (loky names
    no public handle on the executor joblib made; without one there is nothing to stop.)"""
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)


_LIBC: ctypes.CDLL | None = None


def return_free_memory() -> None:
    """Hand the allocator's free pages back to the system.  glibc keeps the pages of freed
    arrays in its heap, so a long run's resident memory followed its busiest moment, not
    what it holds (about 160 MB of a 1,000-replicate run's main process); no-op off glibc.
    Not for the workers: each block would fault its pages in again (a tenth of their CPU,
    as system time, for ~20 MB less at the peak)."""
    global _LIBC
    if not sys.platform.startswith("linux"):
        return
    try:
        _LIBC = _LIBC or ctypes.CDLL("libc.so.6")
        _LIBC.malloc_trim(0)
    except (OSError, AttributeError):
        return
