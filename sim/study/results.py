"""What a study run produces: the folded Monte Carlo aggregates, and how they are saved.

A replicate returns a ReplicateResult (small arrays); the runner summarises each
chunk of replicates (ChunkSummary, also the checkpoint) and folds it into a
StudyResults.  Per-replicate values are kept only where intervals across replicates
need them (financial-year totals, monthly totals, per-group loss tallies); the
rest is summed.  Person-level budget changes are kept only for the first
`reservoir_replicates` replicates (a capped, deterministic reservoir).
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.atomic import atomic_path
from sim.model.aggregates import EIA_REP_STATS, EIA_STATS, ReplicateResult, eia_groups


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez_compressed's format at the fastest deflate level (the float arrays barely
    compress: level 1 is 2.5x faster for a file 6% larger)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, arr in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(arr), allow_pickle=False)




PER_REPLICATE = ("spend_fy", "res_spend_fy", "admissions_fy", "spend_month_total", "eia_rep",
                 "disparity")


@dataclass
class ChunkSummary:
    """A chunk of replicates reduced to what folding needs: the values kept per replicate,
    the chunk's sums of the rest (added in replicate order) and the person reservoir.  This
    is what a checkpoint holds: tens of kilobytes a replicate, not the full results."""

    replicates: list[int]
    rows: dict[str, np.ndarray]      # PER_REPLICATE name -> (k, ...) one row per replicate
    sums: dict[str, np.ndarray]      # summed arrays -> total over the chunk (float64)
    persons: list[dict[str, np.ndarray]]

    @classmethod
    def of(cls, results: list[ReplicateResult], month_fy: np.ndarray, n_fy: int) -> ChunkSummary:
        """Summarise replicates (given in replicate order)."""
        month_fy = np.asarray(month_fy)

        def by_fy(x: np.ndarray) -> np.ndarray:
            out = np.zeros(x.shape[:-1] + (n_fy,))
            for f in range(n_fy):
                out[..., f] = x[..., month_fy == f].sum(axis=-1)
            return out

        rep_stats = [EIA_STATS.index(s) for s in EIA_REP_STATS]
        per = {
            "spend_fy": [by_fy(r.spend_month_group[:, :, 0]) for r in results],
            "res_spend_fy": [by_fy(r.res_spend_month) for r in results],
            "admissions_fy": [by_fy(r.admissions_month.astype(float)) for r in results],
            "spend_month_total": [r.spend_month_group[:, :, 0].astype(np.float64) for r in results],
            "eia_rep": [r.eia[..., rep_stats].astype(np.float32) for r in results],
            "disparity": [r.disparity for r in results],
        }
        sums: dict[str, np.ndarray] = {}
        for r in results:
            for name, val in (("spend_month_group_sum", r.spend_month_group),
                              ("people_month_sum", r.people_month), ("eia_sum", r.eia),
                              ("eia_hist", r.eia_hist)):
                sums[name] = val.astype(np.float64) if name not in sums else sums[name] + val
        return cls([r.replicate for r in results], {k: np.stack(v) for k, v in per.items()},
                   sums, [r.persons for r in results if r.persons is not None])


@dataclass
class StudyResults:
    """Folded results of a study run; see module docstring."""

    policies: list[dict[str, Any]]          # name, calibration, transition, is_baseline
    months: list[str]                       # 'YYYY-MM' labels, length T
    financial_years: list[str]              # labels, e.g. '2013/14'
    month_fy: np.ndarray                    # (T,) index into financial_years
    go_live_month: int
    teams: tuple[str, ...]
    n_replicates: int = 0
    spend_fy: np.ndarray | None = None          # (R, P, F) community spend per replicate
    res_spend_fy: np.ndarray | None = None      # (R, P, F)
    admissions_fy: np.ndarray | None = None     # (R, P, F)
    spend_month_total: np.ndarray | None = None  # (R, P, T)
    spend_month_group_sum: np.ndarray | None = None  # (P, T, G) summed over replicates
    people_month_sum: np.ndarray | None = None  # (P, T)
    eia_sum: np.ndarray | None = None           # (S, P, J, K) summed over replicates
    eia_rep: np.ndarray | None = None           # (R, S, P, J, len(EIA_REP_STATS))
    eia_hist: np.ndarray | None = None          # (S, P, J, H)
    disparity: np.ndarray | None = None         # (R, S, P, 2)
    persons: list[dict[str, np.ndarray]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    capacity: int = 0  # expected replicates: per-replicate arrays are allocated once

    _PER_REPLICATE = PER_REPLICATE

    @property
    def eia_columns(self) -> list[tuple[str, str]]:
        return eia_groups(self.teams)

    @property
    def baseline_index(self) -> int:
        return next(i for i, p in enumerate(self.policies) if p["is_baseline"])

    def fold_chunk(self, chunk: ChunkSummary) -> None:
        """Add a chunk of replicates (chunks must be folded in replicate order)."""
        n, k = self.n_replicates, len(chunk.replicates)
        for name, rows in chunk.rows.items():
            cur = getattr(self, name)
            if cur is None or len(cur) < n + k:  # grow by doubling: memory stays near the final size
                size = max(self.capacity, 2 * n, n + k)
                grown = np.zeros((size,) + rows.shape[1:], dtype=rows.dtype)
                if cur is not None:
                    grown[:n] = cur[:n]
                setattr(self, name, grown)
                cur = grown
            cur[n:n + k] = rows
        for name, total in chunk.sums.items():
            cur = getattr(self, name)
            setattr(self, name, total.copy() if cur is None else cur + total)
        self.persons.extend(chunk.persons)
        self.n_replicates += k

    # ---- persistence -------------------------------------------------------------
    _ARRAYS = ("month_fy", "spend_fy", "res_spend_fy", "admissions_fy", "spend_month_total",
               "spend_month_group_sum", "people_month_sum", "eia_sum", "eia_rep", "eia_hist",
               "disparity")

    def save(self, folder: str | Path) -> None:
        """Write aggregates.npz + aggregates.json into folder (atomically)."""
        folder = Path(folder)
        arrays = {k: getattr(self, k) for k in self._ARRAYS if getattr(self, k) is not None}
        for k in self._PER_REPLICATE:
            if k in arrays:
                arrays[k] = arrays[k][: self.n_replicates]
        for i, p in enumerate(self.persons):
            for k, v in p.items():
                arrays[f"persons_{i}_{k}"] = v
        with atomic_path(folder / "aggregates.npz") as tmp:
            write_npz(tmp, arrays)
        meta = {
            "policies": self.policies, "months": self.months,
            "financial_years": self.financial_years, "go_live_month": self.go_live_month,
            "teams": list(self.teams), "n_replicates": self.n_replicates,
            "n_person_replicates": len(self.persons), "meta": self.meta,
        }
        with atomic_path(folder / "aggregates.json") as tmp:
            tmp.write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> StudyResults:
        folder = Path(folder)
        meta = json.loads((folder / "aggregates.json").read_text(encoding="utf-8"))
        data = np.load(folder / "aggregates.npz")
        out = cls(
            policies=meta["policies"], months=meta["months"],
            financial_years=meta["financial_years"], month_fy=data["month_fy"],
            go_live_month=meta["go_live_month"], teams=tuple(meta["teams"]),
            n_replicates=meta["n_replicates"], meta=meta["meta"],
        )
        for k in cls._ARRAYS[1:]:
            if k in data:
                setattr(out, k, data[k])
        for i in range(meta["n_person_replicates"]):
            prefix = f"persons_{i}_"
            out.persons.append({k[len(prefix):]: data[k] for k in data if k.startswith(prefix)})
        return out
