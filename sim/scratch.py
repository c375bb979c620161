"""Scratch space of one run-sim process, and what killed ones left behind.

Libraries write temporary files outside the results folder: joblib memory-maps large
arguments under /dev/shm (JOBLIB_TEMP_FOLDER), XlsxWriter writes each part of results.xlsx
to a temporary file (the tempfile module).  A process killed with SIGKILL cannot remove them.  So each
run-sim process keeps them in folders named for it (run-sim-scratch-<pid>), removes them when
it ends, and the next start removes those of our user's processes that are no longer running
(never another user's, never a running process's, never anything else).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "run-sim-scratch-"
SHM = Path("/dev/shm")


def alive(pid: int) -> bool:
    """Whether a process with this id is running (another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True
    return True


def roots() -> list[Path]:
    """Where scratch folders are made: shared memory (joblib's default) and the temp folder."""
    base = Path(tempfile.gettempdir())
    shm = [SHM] if SHM.is_dir() and os.access(SHM, os.W_OK) else []
    return [*shm, base]


def remove_dead(where: list[Path] | None = None) -> list[Path]:
    """Remove the scratch folders of our user's run-sim processes that are no longer running."""
    removed = []
    for root in roots() if where is None else where:
        for folder in root.glob(f"{PREFIX}*"):
            pid = folder.name[len(PREFIX):]
            try:
                ours = folder.is_dir() and not folder.is_symlink() \
                    and folder.stat().st_uid == os.getuid()
            except OSError:
                continue
            if ours and pid.isdigit() and not alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


@contextmanager
def scratch() -> Iterator[list[Path]]:
    """This process's scratch folders for the block (joblib's and tempfile's), removed after;
    dead processes' ones removed first."""
    remove_dead()
    made = []
    for root in roots():
        folder = root / f"{PREFIX}{os.getpid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        made.append(folder)
    old_env, old_tempdir = os.environ.get("JOBLIB_TEMP_FOLDER"), tempfile.tempdir
    os.environ["JOBLIB_TEMP_FOLDER"] = str(made[0])
    tempfile.tempdir = str(made[-1])
    try:
        yield made
    finally:
        tempfile.tempdir = old_tempdir
        if old_env is None:
            os.environ.pop("JOBLIB_TEMP_FOLDER", None)
        else:
            os.environ["JOBLIB_TEMP_FOLDER"] = old_env
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)
