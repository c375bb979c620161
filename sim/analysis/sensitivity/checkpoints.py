"""A sensitivity analysis's finished blocks of design points on disk, so an interrupted
analysis resumes where it stopped (`run-sim sensitivity --resume`).

Block k is checkpoints/block_<k>.npz (its points' outputs, no pickles); checkpoints/index.json,
rewritten atomically after each block, records each block's points and SHA-256.  A block that
is unrecorded, missing, damaged, edited or of the wrong shape is recomputed with a one-line
note, never trusted: the folder's identity (sensitivity.json) fixes the design, so a block's
points are known from its range.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.atomic import write_json_atomic
from sim.study.checkpoints import INDEX, check_recorded, note, read_index
from sim.study.storage import DamagedFileError, read_npz, sha256_of, write_npz

FORMAT = "ras-sim sensitivity checkpoints 1"


class DesignCheckpoints:
    """The checkpoints folder of one analysis (created if absent)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.blocks = self._read_index()

    def _read_index(self) -> dict[str, Any]:
        return read_index(self.folder / INDEX, FORMAT, "blocks",
                          "sensitivity checkpoint index", "design point")

    @staticmethod
    def name(k: int) -> str:
        return f"block_{k:05d}.npz"

    def load(self, k: int, points: range, shape: tuple[int, ...]) -> np.ndarray | None:
        """Block k's outputs (points x shape) if finished and intact, else None."""
        path = self.folder / self.name(k)
        if self.name(k) not in self.blocks and not path.exists():
            return None
        try:
            return self._checked(path, [points.start, points.stop], (len(points), *shape))
        except DamagedFileError as exc:
            note(f"{exc}; recomputing it")
            return None

    def _checked(self, path: Path, points: list[int], shape: tuple[int, ...]) -> np.ndarray:
        entry = self.blocks.get(path.name)
        recorded = isinstance(entry, dict) and entry.get("points") == points
        check_recorded(path, recorded, recorded and entry.get("sha256"),
                       f" for points {points[0]}-{points[1] - 1}")
        y = read_npz(path).get("outputs")
        if y is None or y.shape != shape or y.dtype != np.float64:
            raise DamagedFileError(f"{path}: not a block of {shape[0]} design points")
        return y

    def save(self, k: int, points: range, y: np.ndarray) -> None:
        """Write block k, then record it in the index (a recorded block is complete)."""
        path = self.folder / self.name(k)
        write_npz(path, {"outputs": np.asarray(y, dtype=np.float64)})
        self.blocks[path.name] = {"points": [points.start, points.stop],
                                  "sha256": sha256_of(path)}
        write_json_atomic(self.folder / INDEX, {"format": FORMAT, "blocks": self.blocks})
