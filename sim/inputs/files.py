"""Reading an input file safely: ordinary files only, and only up to a size limit.

A named pipe (FIFO) blocks for ever waiting for a writer, a device such as
/dev/zero never ends, and a mistaken multi-gigabyte file exhausts memory; each is
refused with a clear message before anything is read.  The file is opened without
blocking and checked through the open handle, so it cannot be swapped between the
check and the read.
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from sim.errors import InputError

MB = 1_000_000

# what a path that is not an ordinary file turned out to be
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_regular_file(path: Path, what: str, limit: int,
                      error: type[InputError] = InputError) -> bytes:
    """The bytes of an ordinary file of at most limit bytes, or error saying why not.

    Args:
        path: the file.
        what: what the file should be, for messages ('population file').
        limit: largest size accepted, in bytes.
        error: the InputError subclass to raise.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a {what}") from None
    except OSError as exc:
        raise error(f"{path}: {what} cannot be opened ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
            raise error(f"{path}: is {kind}, not a {what}; give the path of an ordinary file")
        if info.st_size > limit:
            raise error(_too_large(path, what, limit))
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: {what} cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # files whose size the system does not report, as in /proc
        raise error(_too_large(path, what, limit))
    return data


def _too_large(path: Path, what: str, limit: int) -> str:
    return (f"{path}: too large for a {what} (more than {limit / MB:g} MB, the limit that keeps "
            "a wrong file from exhausting memory)")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (identifies an input for --resume)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
