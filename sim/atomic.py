"""Atomic writes: every output appears whole or not at all (a killed run leaves no half file)."""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed onto it only if the block succeeds."""
    path = Path(path)  # a unique name, created by the writer (so with the usual permissions)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:   # name the file being written (a failed write() names none)
        if exc.filename in (None, str(tmp), tmp) and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """`data` as indented JSON (what JSON cannot hold, as text), written whole or not at all."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
