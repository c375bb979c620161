"""A run's completed chunks on disk, so a killed run resumes where it stopped.

Chunk k is checkpoints/chunk_<k>.npz (its ChunkSummary's arrays, no pickles);
checkpoints/index.json, rewritten atomically after each chunk, records each chunk's
replicates, reservoir size and SHA-256.  A chunk that is unrecorded, missing, damaged or
malformed is recomputed (with a one-line note); it is never trusted or unpickled.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sim.atomic import write_json_atomic
from sim.study.results import ChunkSummary
from sim.study.storage import DamagedFileError, read_json, read_npz, sha256_of, write_npz

INDEX = "index.json"
FORMAT = "ras-sim checkpoints 2"   # 2: the intervals' rows hold the cash yardstick only


def note(message: str) -> None:
    sys.stderr.write(f"note: {message}\n")


def read_index(path: Path, fmt: str, key: str, what: str, unit: str) -> dict[str, Any]:
    """The `key` table of a checkpoint index (run, sensitivity and search alike); {} when
    absent, and {} with a note when it is not such an index (every `unit` is recomputed)."""
    if not path.exists():
        return {}
    try:
        index = read_json(path)
        if not (isinstance(index, dict) and index.get("format") == fmt
                and isinstance(index.get(key), dict)):
            raise DamagedFileError(f"{path}: not a {what}")
    except DamagedFileError as exc:
        note(f"{exc}; recomputing every {unit}")
        return {}
    return index[key]


def check_recorded(path: Path, recorded: bool, sha256: Any, recorded_for: str = "") -> None:
    """DamagedFileError unless the checkpoint file is recorded in its index (for what it
    holds, `recorded_for`), present, and matches the recorded SHA-256: the one check of runs',
    sensitivity analyses' and searches' checkpoints."""
    if not recorded:
        raise DamagedFileError(f"{path}: not recorded in {INDEX}{recorded_for}")
    if not path.is_file():
        raise DamagedFileError(f"{path}: missing")
    if sha256_of(path) != sha256:
        raise DamagedFileError(f"{path}: does not match its checksum (damaged or edited)")


class Checkpoints:
    """The checkpoints folder of one run (created if absent)."""

    def __init__(self, folder: Path, sizes: dict[str, int]) -> None:
        self.folder, self.sizes = Path(folder), sizes
        self.folder.mkdir(parents=True, exist_ok=True)
        self.chunks = self._read_index()
        self._verified: dict[str, str] = {}   # chunk file -> checksum it was found to match
        old = sorted(self.folder.glob("*.pkl"))
        if old:
            note(f"{self.folder}: ignoring {len(old)} pickle checkpoint(s) of an older version "
                 "(never loaded); their replicates are recomputed")

    def _read_index(self) -> dict[str, Any]:
        return read_index(self.folder / INDEX, FORMAT, "chunks", "checkpoint index", "chunk")

    @staticmethod
    def name(k: int) -> str:
        return f"chunk_{k:05d}.npz"

    def _entry(self, k: int, replicates: list[int]) -> dict[str, Any]:
        """Chunk k's index entry, checked against its file; DamagedFileError if unusable."""
        path = self.folder / self.name(k)
        entry = self.chunks.get(self.name(k))
        recorded = isinstance(entry, dict) and entry.get("replicates") == replicates \
            and isinstance(entry.get("n_persons"), int)
        if not (recorded and self._verified.get(self.name(k)) == entry.get("sha256")):
            check_recorded(path, recorded, recorded and entry.get("sha256"),
                           f" for replicates {replicates[0]}-{replicates[-1]}")
            self._verified[self.name(k)] = entry["sha256"]   # each file hashed once a run
        return entry

    def has(self, k: int, replicates: list[int], *, tell: bool = False) -> bool:
        """Whether chunk k is recorded and its file matches its checksum; with `tell`, a file
        or record there that is not is noted on stderr (its replicates are recomputed)."""
        if self.name(k) not in self.chunks and not (self.folder / self.name(k)).exists():
            return False
        try:
            self._entry(k, replicates)
        except DamagedFileError as exc:
            if tell:
                note(f"{exc}; recomputing it")
            return False
        return True

    def load(self, k: int, replicates: list[int]) -> ChunkSummary | None:
        """Chunk k if it was completed and is intact; None (noted on stderr if a file or a
        record was there) if its replicates must be computed."""
        if not self.has(k, replicates, tell=True):
            return None
        path = self.folder / self.name(k)
        try:
            return ChunkSummary.from_arrays(read_npz(path), replicates,
                                            self.chunks[self.name(k)]["n_persons"], self.sizes,
                                            path)
        except DamagedFileError as exc:
            note(f"{exc}; recomputing it")
            return None

    def save(self, k: int, summary: ChunkSummary) -> None:
        """Write chunk k, then record it in the index (so a recorded chunk is complete)."""
        path = self.folder / self.name(k)
        write_npz(path, summary.arrays(), compress=False)   # kept only until the run ends
        self.chunks[self.name(k)] = {"replicates": summary.replicates,
                                     "n_persons": len(summary.persons), "sha256": sha256_of(path)}
        write_json_atomic(self.folder / INDEX, {"format": FORMAT, "chunks": self.chunks})
