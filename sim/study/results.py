"""What a study run produces: the folded Monte Carlo aggregates, and how they are saved.

A replicate returns a ReplicateResult (small raw arrays); a worker summarises its block
of replicates (BlockSummary), the runner each chunk from its blocks (ChunkSummary, also the
checkpoint), which it folds into a StudyResults.  Which aggregates exist, and whether each is kept per replicate (for
intervals) or summed, is the aggregate register's (sim.model.aggregates.AGGREGATES).
Person-level budget changes are kept only for the first `reservoir_replicates`
replicates (a capped, deterministic reservoir).

A results folder holds aggregates.npz (arrays, no pickles), aggregates.json (labels and
counts) and checksums.json (their SHA-256), checked on load.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.atomic import write_json_atomic
from sim.model.aggregates import (
    AGGREGATES,
    PERSON_FIELDS,
    ROWS,
    FiscalYears,
    ReplicateResult,
    axis_sizes,
    eia_groups,
)
from sim.study.storage import (
    DamagedFileError,
    read_json,
    read_npz,
    verify_checksums,
    write_checksums,
    write_npz,
)

ARRAYS_FILE, META_FILE, CHECKSUM_FILE = "aggregates.npz", "aggregates.json", "checksums.json"
MANIFEST_FILE = "manifest.json"  # a run's provenance, covered by checksums.json too


def person_arrays(persons: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The person reservoir as flat named arrays: persons_<i>_<field>."""
    return {f"persons_{i}_{k}": v for i, p in enumerate(persons) for k, v in p.items()}


def unpack(arrays: dict[str, np.ndarray], sizes: dict[str, int], rows: int, n_persons: int,
           where: Path, also: tuple[str, ...] = ()) -> tuple[dict[str, np.ndarray], list[dict]]:
    """The register's aggregates and the person reservoir from flat arrays, checked against
    the register: every member present, nothing else, each of its dtype and shape."""
    person_keys = {f"persons_{i}_{k}" for i in range(n_persons) for k in PERSON_FIELDS}
    expected = set(AGGREGATES) | person_keys | set(also)
    if set(arrays) != expected:
        missing, extra = sorted(expected - set(arrays)), sorted(set(arrays) - expected)
        raise DamagedFileError(f"{where}: not the expected arrays (missing {missing or 'none'}, "
                               f"unexpected {extra or 'none'})")
    values = {}
    for name, agg in AGGREGATES.items():
        arr, shape = arrays[name], agg.shape(sizes, rows)
        if arr.dtype != np.dtype(agg.dtype) or arr.shape != shape:
            raise DamagedFileError(f"{where}: '{name}' is {arr.dtype} {arr.shape}, not the "
                                   f"{np.dtype(agg.dtype)} {shape} its recorded counts imply "
                                   "(or written by an older run-sim: rerun the study)")
        values[name] = arr
    persons = []
    for i in range(n_persons):
        rec = {k: arrays[f"persons_{i}_{k}"] for k in PERSON_FIELDS}
        first = next(iter(rec.values()))
        people = {"N": first.shape[0] if first.ndim else -1}   # the go-live cohort's size
        for k, axes in PERSON_FIELDS.items():
            want = tuple({**sizes, **people}[a] for a in axes)
            if rec[k].shape != want:
                raise DamagedFileError(f"{where}: person record {i} '{k}' has shape "
                                       f"{rec[k].shape}, expected {want}")
        persons.append(rec)
    return values, persons


@dataclass
class BlockSummary:
    """A worker's block of consecutive replicates reduced to what their chunk needs, so that
    only that crosses to the main process: the register's per-replicate rows, each
    replicate's value of a float sum (the chunk adds them in replicate order: its bytes),
    and the block's exact total of a sum of counts (any grouping gives the same sum)."""

    replicates: list[int]
    rows: dict[str, np.ndarray]              # ROWS aggregate -> (k, ...)
    each: dict[str, list[np.ndarray]]        # float SUM aggregate -> k values
    counts: dict[str, np.ndarray]            # counts SUM aggregate -> exact integer total
    persons: list[dict[str, np.ndarray]]

    @classmethod
    def of(cls, results: list[ReplicateResult], years: FiscalYears) -> BlockSummary:
        """Summarise replicates given in replicate order."""
        rows, each, counts = {}, {}, {}
        for name, agg in AGGREGATES.items():
            if agg.fold == ROWS:
                rows[name] = np.stack([agg.value(r.raw, years) for r in results])
            elif agg.counts:
                counts[name] = agg.count_total([r.raw for r in results], years)
            else:
                each[name] = [agg.value(r.raw, years) for r in results]
        return cls([r.replicate for r in results], rows, each, counts,
                   [r.persons for r in results if r.persons is not None])


@dataclass
class ChunkSummary:
    """A chunk of replicates reduced to what folding needs: for each registered aggregate,
    one row per replicate or the chunk's sum (added in replicate order), plus the person
    reservoir.  This is what a checkpoint holds: tens of kilobytes a replicate."""

    replicates: list[int]
    values: dict[str, np.ndarray]     # aggregate name -> (k, ...) rows or the chunk's sum
    persons: list[dict[str, np.ndarray]]

    @classmethod
    def of(cls, results: list[ReplicateResult], years: FiscalYears) -> ChunkSummary:
        """Summarise replicates (given in replicate order)."""
        return cls.of_blocks([BlockSummary.of(results, years)])

    @classmethod
    def of_blocks(cls, blocks: list[BlockSummary]) -> ChunkSummary:
        """The chunk of these blocks (in any order): rows and float sums in replicate order,
        the counts' exact totals in the register's dtype."""
        fold = ChunkFold(sorted(r for b in blocks for r in b.replicates))
        for block in blocks:
            fold.add(block)
        return fold.summary()

    def arrays(self) -> dict[str, np.ndarray]:
        """The chunk as flat named arrays (its checkpoint file)."""
        return {**self.values, **person_arrays(self.persons)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], replicates: list[int], n_persons: int,
                    sizes: dict[str, int], where: Path) -> ChunkSummary:
        """A chunk back from its arrays; DamagedFileError unless they fit the register."""
        values, persons = unpack(arrays, sizes, len(replicates), n_persons, where)
        return cls(list(replicates), values, persons)


class ChunkFold:
    """A chunk folded block by block as the workers finish them.  A block is added once every
    earlier replicate of the chunk has been, so float sums run in replicate order (the
    chunk's bytes whatever the blocks) and only the blocks that came early wait: holding a
    chunk's blocks until the last came cost the main process ~150 MB in a default run."""

    def __init__(self, replicates: list[int]) -> None:
        self.replicates = list(replicates)
        self._done = 0                                  # replicates folded so far
        self._waiting: dict[int, BlockSummary] = {}     # first replicate -> block
        self._rows: dict[str, list[np.ndarray]] = {}
        self._sums: dict[str, np.ndarray] = {}
        self._counts: dict[str, np.ndarray] = {}
        self._persons: list[dict[str, np.ndarray]] = []

    @property
    def complete(self) -> bool:
        return self._done == len(self.replicates)

    def add(self, block: BlockSummary) -> None:
        self._waiting[block.replicates[0]] = block
        while not self.complete and self.replicates[self._done] in self._waiting:
            self._fold(self._waiting.pop(self.replicates[self._done]))

    def _fold(self, block: BlockSummary) -> None:
        for name, rows in block.rows.items():
            self._rows.setdefault(name, []).append(rows)
        for name, total in block.counts.items():
            total = total.astype(np.int64)
            self._counts[name] = total if name not in self._counts else self._counts[name] + total
        for name, values in block.each.items():
            for v in values:
                self._sums[name] = v if name not in self._sums else self._sums[name] + v
        self._persons.extend(block.persons)
        self._done += len(block.replicates)

    def summary(self) -> ChunkSummary:
        if not self.complete:
            raise ValueError(f"chunk of replicates {self.replicates[0]}..{self.replicates[-1]} "
                             f"has only {self._done} folded")
        values = {}
        for name, agg in AGGREGATES.items():
            if agg.fold == ROWS:
                values[name] = np.concatenate(self._rows[name])
            elif agg.counts:
                values[name] = self._counts[name].astype(agg.dtype)
            else:
                values[name] = self._sums[name]
        return ChunkSummary(self.replicates, values, self._persons)


# aggregates.json: key -> type its value must have.
_META_TYPES = {"policies": list, "months": list, "financial_years": list, "go_live_month": int,
               "teams": list, "n_replicates": int, "n_person_replicates": int, "meta": dict}


def _checked_meta(meta: Any, where: Path) -> dict[str, Any]:
    """aggregates.json's content, each key of its type and exactly one baseline policy."""
    bad = [k for k, t in _META_TYPES.items() if not isinstance(meta, dict)
           or not isinstance(meta.get(k), t)]
    if not bad:
        pols = meta["policies"]
        if not all(isinstance(p, dict) and "name" in p for p in pols) or \
                sum(bool(p["is_baseline"]) and not p.get("counterfactual")
                    for p in pols if "is_baseline" in p) != 1:
            bad = ["policies"]
    if bad:
        raise DamagedFileError(f"{where}: missing or malformed {bad}")
    return meta


@dataclass
class StudyResults:
    """Folded results of a study run; see module docstring.  Each registered aggregate is an
    attribute (results.spend_fy, results.eia_sum, ...: None until a chunk is folded)."""

    policies: list[dict[str, Any]]          # name, calibration, transition, is_baseline
    months: list[str]                       # 'YYYY-MM' labels, length T
    financial_years: list[str]              # labels, e.g. '2013/14'
    month_fy: np.ndarray                    # (T,) index into financial_years
    go_live_month: int
    teams: tuple[str, ...]
    n_replicates: int = 0
    persons: list[dict[str, np.ndarray]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    capacity: int = 0  # expected replicates: per-replicate arrays are allocated once
    arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # by aggregate

    def __getattr__(self, name: str) -> np.ndarray | None:
        agg = AGGREGATES.get(name)
        if agg is None:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        arr = self.__dict__.get("arrays", {}).get(name)
        return arr[: self.n_replicates] if arr is not None and agg.fold == ROWS else arr

    def __setattr__(self, name: str, value: Any) -> None:
        if name in AGGREGATES:
            self.arrays[name] = value
        else:
            object.__setattr__(self, name, value)

    @property
    def eia_columns(self) -> list[tuple[str, str]]:
        return eia_groups(self.teams)

    @property
    def baseline_index(self) -> int:
        """The status quo (a counterfactual status quo is a baseline too, but not this one)."""
        return next(i for i, p in enumerate(self.policies)
                    if p["is_baseline"] and not p.get("counterfactual"))

    @property
    def years(self) -> FiscalYears:
        return FiscalYears(np.asarray(self.month_fy), len(self.financial_years))

    def sizes(self) -> dict[str, int]:
        """Length of each axis letter of the register's shapes for this study."""
        return axis_sizes(len(self.policies), len(self.months), len(self.financial_years),
                          tuple(self.teams))

    def fold_chunk(self, chunk: ChunkSummary) -> None:
        """Add a chunk of replicates (chunks must be folded in replicate order)."""
        n, k = self.n_replicates, len(chunk.replicates)
        for name, value in chunk.values.items():
            cur = self.arrays.get(name)
            if AGGREGATES[name].fold != ROWS:
                self.arrays[name] = value.copy() if cur is None else cur + value
                continue
            if cur is None or len(cur) < n + k:  # grow by doubling: memory stays near the final size
                size = max(self.capacity, 2 * n, n + k)
                grown = np.zeros((size,) + value.shape[1:], dtype=value.dtype)
                if cur is not None:
                    grown[:n] = cur[:n]
                self.arrays[name] = cur = grown
            cur[n:n + k] = value
        self.persons.extend(chunk.persons)
        self.n_replicates += k

    # ---- persistence -------------------------------------------------------------
    def save(self, folder: str | Path, covering: tuple[str, ...] = ()) -> None:
        """Write aggregates.npz, aggregates.json and their checksums (and those of the files
        named in `covering`, already written) into folder (atomically)."""
        folder = Path(folder)
        missing = [name for name in AGGREGATES if getattr(self, name) is None]
        if missing:
            raise ValueError(f"nothing folded for {missing}: no results to save")
        arrays = {"month_fy": np.asarray(self.month_fy)}
        arrays.update({name: np.asarray(getattr(self, name), dtype=agg.dtype)
                       for name, agg in AGGREGATES.items()})
        arrays.update(person_arrays(self.persons))
        write_npz(folder / ARRAYS_FILE, arrays)
        write_json_atomic(folder / META_FILE, {
            "policies": self.policies, "months": self.months,
            "financial_years": self.financial_years, "go_live_month": self.go_live_month,
            "teams": list(self.teams), "n_replicates": self.n_replicates,
            "n_person_replicates": len(self.persons), "meta": self.meta,
        })
        write_checksums(folder / CHECKSUM_FILE, [folder / ARRAYS_FILE, folder / META_FILE,
                                                 *(folder / name for name in covering)])

    @classmethod
    def load(cls, folder: str | Path) -> StudyResults:
        """Read a results folder; DamagedFileError (an InputError) if any file is damaged,
        edited or inconsistent with the others."""
        folder = Path(folder)
        verify_checksums(folder / CHECKSUM_FILE, (ARRAYS_FILE, META_FILE))
        meta = _checked_meta(read_json(folder / META_FILE), folder / META_FILE)
        data = read_npz(folder / ARRAYS_FILE)
        out = cls(policies=meta["policies"], months=meta["months"],
                  financial_years=meta["financial_years"], month_fy=data.get("month_fy"),
                  go_live_month=meta["go_live_month"], teams=tuple(meta["teams"]),
                  n_replicates=meta["n_replicates"], meta=meta["meta"])
        values, out.persons = unpack(data, out.sizes(), out.n_replicates,
                                     meta["n_person_replicates"], folder / ARRAYS_FILE,
                                     also=("month_fy",))
        month_fy = out.month_fy
        if (month_fy.shape != (len(out.months),) or month_fy.dtype.kind not in "iu"
                or (len(month_fy) and not 0 <= month_fy.min() <= month_fy.max() < len(out.financial_years))):
            raise DamagedFileError(f"{folder / ARRAYS_FILE}: 'month_fy' does not fit the months")
        out.arrays.update(values)
        return out


def checked_manifest(folder: str | Path, results: StudyResults) -> tuple[dict[str, Any], str]:
    """The run's manifest, from checked files only: manifest.json if checksums.json records
    it and it matches, else the copy stored in the (checked) aggregates.json; and why the
    file was not used ("" when it was)."""
    path = Path(folder) / MANIFEST_FILE
    stored = dict((results.meta or {}).get("manifest") or {})
    try:
        verify_checksums(Path(folder) / CHECKSUM_FILE, (MANIFEST_FILE,))
        manifest = read_json(path)
    except DamagedFileError as exc:
        return stored, str(exc)
    return (manifest, "") if isinstance(manifest, dict) else (stored, f"{path}: not a manifest")
