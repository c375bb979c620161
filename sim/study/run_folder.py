"""A results folder: replaced only if this tool made it, written by one process at a time.

A folder is ours when it holds our marker file and nothing but what a run writes; anything
else (a thesis, another program's files, the project checkout) is refused, never deleted.
The lock is an advisory `flock` on a file inside the folder: the kernel drops it when the
holder exits, however it exits, so a lock left by a killed run is never stale.
"""
from __future__ import annotations

import fcntl
import fnmatch
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import InputError
from sim.scratch import alive

MARKER = ".ras-sim-run"
LOCK = ".lock"
# What a run writes at the top of its folder (files, then folders with their contents).
OUR_FILES = ("manifest.json", "run.json", "aggregates.npz", "aggregates.json", "checksums.json",
             "*.csv", "report.html", "results.xlsx", "eia.docx", MARKER, LOCK,
             ".*.tmp")
OUR_FOLDERS = {"figures": ("*.png", ".*.tmp"),
               "checkpoints": ("chunk_*", "index.json", "*.pkl", ".*.tmp"),
               # a probabilistic run's events-only companion (sim.study.runner)
               "events_only": ("aggregates.npz", "aggregates.json", "checksums.json", ".*.tmp"),
               "events_only_checkpoints": ("chunk_*", "index.json", ".*.tmp")}


class RunFolderError(InputError):
    """The results folder cannot be used as asked (exists, not ours, busy, not a folder)."""


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def foreign_entries(folder: Path, files: tuple[str, ...] = OUR_FILES,
                    folders: dict[str, tuple[str, ...]] | None = None,
                    runs: tuple[str, ...] = ()) -> list[str]:
    """Entries of `folder` that this tool would not have written: top-level `files`,
    `folders` with their contents (default: a run's), and `runs`, sub-folders holding a run
    of their own (an options search's confirmation)."""
    folders = OUR_FOLDERS if folders is None else folders
    bad = []
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            bad.append(entry.name)
        elif entry.is_dir() and entry.name in runs:
            bad += [f"{entry.name}/{e}" for e in foreign_entries(entry)]
        elif entry.is_dir():
            inner = folders.get(entry.name)
            if inner is None:
                bad.append(entry.name + "/")
            else:
                bad += [f"{entry.name}/{e.name}" for e in sorted(entry.iterdir())
                        if e.is_symlink() or not e.is_file() or not _matches(e.name, inner)]
        elif not _matches(entry.name, files):
            bad.append(entry.name)
    return bad


def check_usable(folder: Path) -> None:
    """Refuse a path that is not a folder we may write in (before anything is written)."""
    if folder.is_symlink():
        raise RunFolderError(f"{folder}: is a symbolic link; give the real folder as --out")
    if folder.exists() and not folder.is_dir():
        raise RunFolderError(f"{folder}: exists and is not a folder; choose another --out")


def links_inside(folder: Path) -> list[str]:
    """Symbolic links anywhere inside `folder` (never followed), relative to it."""
    found = []
    for root, dirs, files in os.walk(folder):  # os.walk does not descend into linked folders
        found += [(Path(root) / n).relative_to(folder).as_posix() for n in dirs + files
                  if (Path(root) / n).is_symlink()]
    return sorted(found)


def check_no_links(folder: Path) -> None:
    """Refuse a folder holding a symbolic link anywhere: a file written through it would land
    outside the folder (another folder's files overwritten)."""
    links = links_inside(folder)
    if links:
        shown = ", ".join(links[:5]) + (f" and {len(links) - 5} more" if len(links) > 5 else "")
        raise RunFolderError(f"{folder}: holds symbolic links ({shown}); run-sim never writes "
                             "through a link: replace them by the real files or folders")


def is_ours(folder: Path) -> bool:
    return (folder / MARKER).is_file() and not foreign_entries(folder)


def clear(folder: Path) -> None:
    """Delete a job's outputs (checked ours by sim.study.lifecycle), keeping the lock held."""
    for entry in folder.iterdir():
        if entry.name == LOCK:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def remove_temporaries(folder: Path, folders: dict[str, tuple[str, ...]] | None = None) -> None:
    """Half-written files left by a killed process (atomic writes use '.NAME.PID.X.tmp') at
    the top of `folder` and in its `folders` (default: a run's): only those whose process is
    no longer running."""
    for sub in (folder, *(folder / n for n in (OUR_FOLDERS if folders is None else folders))):
        if sub.is_dir() and not sub.is_symlink():
            for tmp in sub.glob(".*.tmp"):
                if not _writer_alive(tmp.name):
                    tmp.unlink(missing_ok=True)


def _writer_alive(name: str) -> bool:
    """Whether the process named in a temporary file's name ('.NAME.PID.X.tmp') still runs."""
    parts = name.split(".")
    pid = parts[-3] if len(parts) >= 4 else ""
    return pid.isdigit() and alive(int(pid))


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the folder's exclusive lock for the block; refuse if another process holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise RunFolderError(f"{folder}: another run (process {holder}) is writing this folder; "
                             "wait for it to finish or choose another --out") from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
