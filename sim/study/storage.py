"""Run-folder files that are read back without running code and are proved whole.

Arrays are .npz written and read with allow_pickle=False; small metadata is JSON.
Every such file's SHA-256 is recorded when it is written and checked before it is
read, so a damaged or edited file is reported (or recomputed) rather than used.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from sim.atomic import atomic_path, write_json_atomic
from sim.errors import InputError

# What reading a damaged .npz or JSON file can raise (np.load, zipfile, zlib, json).
READ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)


class DamagedFileError(InputError):
    """A run-folder file is missing, truncated, edited or not in the expected format."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_npz(path: Path, arrays: dict[str, np.ndarray], *, compress: bool = True) -> None:
    """np.savez_compressed's format at the fastest deflate level (the float arrays barely
    compress: level 1 is 2.5x faster for a file 6% larger), written atomically; without
    `compress`, np.savez's (a file only kept until the run ends)."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=method,
                                                   compresslevel=1 if compress else None) as zf:
        for name, arr in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(arr), allow_pickle=False)


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an .npz file; never unpickles (object arrays are refused)."""
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            data = None  # a lone .npy array
        else:
            with data:
                arrays = {k: data[k] for k in data.files}
    except READ_ERRORS as exc:
        raise DamagedFileError(f"{path}: not a readable array archive ({exc})") from None
    if data is None:
        raise DamagedFileError(f"{path}: a single array, not an array archive")
    return arrays


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except READ_ERRORS as exc:
        raise DamagedFileError(f"{path}: not readable JSON ({exc})") from None


def write_checksums(record: Path, files: list[Path]) -> None:
    """Record each file's SHA-256 (files beside `record`, by name), atomically."""
    write_json_atomic(record, {"sha256": {f.name: sha256_of(f) for f in files}})


def verify_checksums(record: Path, names: tuple[str, ...]) -> None:
    """Raise DamagedFileError unless each named file matches its SHA-256 in `record`."""
    data = read_json(record) if record.exists() else None
    recorded = data.get("sha256") if isinstance(data, dict) else None
    if not isinstance(recorded, dict):
        raise DamagedFileError(f"{record}: missing or not a checksum record; rerun the study "
                               "to rebuild the results")
    for name in names:
        path = record.parent / name
        if not path.exists():
            raise DamagedFileError(f"{path}: missing")
        if name not in recorded:
            raise DamagedFileError(f"{path}: not recorded in {record.name} (written by an "
                                   "older version or added since)")
        if sha256_of(path) != recorded.get(name):
            raise DamagedFileError(f"{path}: does not match its checksum in {record.name} "
                                   "(damaged or edited); rerun the study to rebuild it")
