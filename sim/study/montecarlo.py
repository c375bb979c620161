"""Monte Carlo replicates: seeds, parallel execution, streaming folds, checkpoints.

Replicate r is seeded by SeedSequence(seed, spawn_key=(r,)) — the r-th child of
SeedSequence(seed).spawn — so results do not depend on how replicates are
scheduled.  Replicates that share their parameters run in blocks of `block_size` as one
array program (sim.model.stack): the same numbers whatever the block size; a worker sends
back its block's summary, not the raw arrays.  Replicates run in chunks; each finished chunk
is summarised (what folding needs), checkpointed (sim.study.checkpoints) and folded in
replicate order, so a killed run resumes from the intact chunks and ends with the same tables
as an uninterrupted one.
"""
from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from joblib import Parallel, delayed, parallel_config
from threadpoolctl import ThreadpoolController

from sim.inputs.population import Population
from sim.inputs.synthetic import generate
from sim.model.aggregates import FiscalYears, ReplicateResult, Tallies
from sim.model.care_model import CareModel
from sim.model.charging import annual_charges, slot_charges
from sim.model.coupling import Coupling
from sim.model.draws import draw
from sim.model.params import Parameters
from sim.model.reductions import replicate_result
from sim.model.stack import stack_worlds
from sim.model.uncertainty import Uncertainty
from sim.model.world import simulate
from sim.policy.policy import Policy
from sim.study.checkpoints import Checkpoints
from sim.study.results import BlockSummary, ChunkFold, ChunkSummary, StudyResults
from sim.study.study_file import fitted_calibrations
from sim.study.workers import die_with_parent, return_free_memory


@dataclass
class RunSpec:
    """Everything a worker needs for one replicate (picklable, no file access)."""

    population: Population
    params: Parameters
    policies: list[Policy]
    calibrations: dict[str, Any]
    n_months: int
    go_live: int
    snapshots: tuple[int, ...]
    seed: int
    reservoir_replicates: int
    uncertainty: Uncertainty | None = None   # drawn per replicate: a probabilistic run
    calibration_specs: dict[str, dict[str, Any]] = field(default_factory=dict)  # to refit
    coupling: Coupling | None = None         # coupled draws (sensitivity analysis), else exact
    block_size: int = 1                      # replicates stacked in one model (speed only)
    tallies: Tallies | None = None           # only these EIA tallies (reductions); None: all

    def replicate_inputs(self, r: int) -> tuple[Parameters, Population, dict[str, Any]]:
        """Replicate r's parameters, population and fitted calibrations: the study's own in a
        fixed run; in a probabilistic run its draw, and when the draw changes the synthetic
        population, that population rebuilt (the same synthesis seed, so only the
        assumptions differ) with the calibrations refitted on it, as the council would fit
        its RAS to the data it has."""
        if self.uncertainty is None:
            return self.params, self.population, self.calibrations
        return self.inputs_at(self.uncertainty.draw(self.seed, r), f"replicate {r}")

    def inputs_at(self, values: dict[str, float],
                  label: str) -> tuple[Parameters, Population, dict[str, Any]]:
        """Parameters, population and calibrations at these values of the uncertain
        parameters (population rebuilt and calibrations refitted only when they change it)."""
        params = self.uncertainty.realise(values)
        if not self.uncertainty.population_changes(values):
            return params, self.population, self.calibrations
        pop = generate(self.uncertainty.realise_targets(values),
                       facs_thresholds=params.need.facs_thresholds,
                       facs_team_offsets=params.facs.team_offset_points)
        rule = next((p.eligibility for p in self.policies if not p.is_baseline), None)
        return params, pop, fitted_calibrations(self.calibration_specs, pop, self.params, label,
                                                rule)


def replicate_seed(seed: int, r: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(r,))


def build_model(spec: RunSpec, r: int) -> CareModel:
    """The replicate's world and a CareModel of every policy on it (not yet run): every
    policy shares the world, and in a probabilistic run the replicate's parameter draw."""
    return build_block(spec, [r])


def build_block(spec: RunSpec, reps: list[int]) -> CareModel:
    """One CareModel of the replicates `reps` side by side (sim.model.stack), each world
    drawn from its own streams; they must share their parameters (a fixed run)."""
    if len(reps) > 1 and spec.uncertainty is not None:
        raise ValueError("replicates with their own parameter draws cannot be stacked")
    params, population, calibrations = spec.replicate_inputs(reps[0])
    annual = annual_charges(population, params, [p.standard_dre for p in spec.policies])
    worlds, charges = [], []
    for r in reps:
        draws = draw(population, params, replicate_seed(spec.seed, r), spec.n_months,
                     spec.coupling)
        worlds.append(simulate(population, params, draws, spec.n_months, spec.go_live))
        charges.append(slot_charges(annual, draws.source))
    return CareModel(world=stack_worlds(worlds), policies=spec.policies,
                     calibrations=calibrations, params=params, snapshots=spec.snapshots,
                     charges=None if annual is None else np.concatenate(charges, axis=1),
                     parts=worlds if len(worlds) > 1 else None)


def blocks(reps: list[int], spec: RunSpec, workers: int = 1) -> list[list[int]]:
    """The replicates in blocks of at most spec.block_size that run as one model (one each
    with drawn parameters), as many blocks as a multiple of `workers`, of even sizes."""
    size = 1 if spec.uncertainty is not None else max(spec.block_size, 1)
    n = -(-len(reps) // size)
    n = min(-(-n // workers) * workers, len(reps))
    cuts = np.cumsum([0] + [len(reps) // n + (i < len(reps) % n) for i in range(n)])
    return [reps[a:b] for a, b in zip(cuts[:-1], cuts[1:])]


_CONTROLLER: ThreadpoolController | None = None


def _one_thread():
    """Limit BLAS to one thread (finding the libraries once per process: it reads /proc)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1)


def run_replicate(spec: RunSpec, r: int) -> ReplicateResult:
    """One replicate of every policy, reduced to its aggregates."""
    return run_block(spec, [r])[0]


def summarise_block(spec: RunSpec, reps: list[int], years: FiscalYears) -> BlockSummary:
    """A block of replicates run and reduced in the worker (only the summary is sent back)."""
    return BlockSummary.of(run_block(spec, reps), years)


def run_block(spec: RunSpec, reps: list[int]) -> list[ReplicateResult]:
    """A block of replicates of every policy, run as one model, each reduced to its
    aggregates."""
    with _one_thread():  # one BLAS thread: identical sums whatever the worker layout
        model = build_block(spec, reps).run()
        out = [replicate_result(model.replicate(k), r, r < spec.reservoir_replicates,
                                spec.population.teams, spec.tallies)
               for k, r in enumerate(reps)]
        model.release()
        return out


class Progress:
    """A one-line progress bar on stderr, labelled with its phase, silent when stderr is not
    a terminal.  The rate (and so the time left) is measured from the first finished
    replicate, not from the start: worker start-up would otherwise make the first estimates
    many times too long; no estimate is shown until `jobs` more replicates have finished."""

    def __init__(self, total: int, done: int = 0, enabled: bool | None = None,
                 unit: str = "replicates", *, label: str = "simulating", jobs: int = 1,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.total, self.done, self.start_done, self.unit = total, done, done, unit
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.label, self.jobs, self.clock = label, max(jobs, 1), clock
        self.first: tuple[float, int] | None = None   # (time, done) at the first result

    def rate(self) -> float | None:
        """Replicates a second since the first result; None until `jobs` more finished."""
        if self.first is None:
            return None
        dt, n = self.clock() - self.first[0], self.done - self.first[1]
        return n / dt if n >= self.jobs and dt > 0 else None

    def seconds_left(self) -> float | None:
        rate = self.rate()
        return None if rate is None else (self.total - self.done) / rate

    def update(self, n: int = 1) -> None:
        if self.first is None:
            self.first = (self.clock(), self.done + n)
        self.done += n
        if not self.enabled:
            return
        left, rate = self.seconds_left(), self.rate()
        eta = "time left: estimating" if left is None else \
            f"{rate:5.1f}/s, about {_duration(left)} left"
        width = 30
        fill = int(width * self.done / max(self.total, 1))
        sys.stderr.write(f"\r{self.label}: [{'#' * fill}{'.' * (width - fill)}] "
                         f"{self.done}/{self.total} {self.unit}, {eta}   ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _duration(seconds: float) -> str:
    """'45 s', '3 min 20 s', '1 h 05 min'."""
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def _map(jobs: int, backend: str, spec: RunSpec, years: FiscalYears,
         work: list[tuple[int, list[int]]]) -> Iterator[tuple[int, BlockSummary]]:
    """(chunk, summary) of each block of `work` as it finishes, on this machine (loky) or a
    Dask cluster; the blocks are sent in order, so the early chunks finish first."""
    tasks = (delayed(_tagged)(k, spec, block, years) for k, block in work)
    if backend == "dask":
        with parallel_config(backend="dask"):
            yield from Parallel(n_jobs=-1, return_as="generator_unordered")(tasks)
    elif jobs == 1:
        yield from (_tagged(k, spec, block, years) for k, block in work)
    else:
        with parallel_config(backend="loky", initializer=die_with_parent, initargs=(os.getpid(),)):
            yield from Parallel(n_jobs=jobs, return_as="generator_unordered", batch_size=1)(tasks)


def _tagged(k: int, spec: RunSpec, block: list[int],
            years: FiscalYears) -> tuple[int, BlockSummary]:
    return k, summarise_block(spec, block, years)


def chunks(runs: int, chunk_size: int) -> list[list[int]]:
    """The replicates of each chunk, in order."""
    return [list(range(k, min(runs, k + chunk_size))) for k in range(0, runs, chunk_size)]


def iterate_chunks(
    spec: RunSpec, runs: int, chunk_size: int, checkpoints: Checkpoints | None, *,
    years: FiscalYears, jobs: int = 1, backend: str = "loky",
    on_replicate: Callable[[int], None] | None = None,
) -> Iterator[ChunkSummary]:
    """Yield each chunk of replicates, summarised, in order; computing only those not
    intact in checkpoints (a checkpoint is the chunk's summary).  The blocks of every chunk
    to compute go to the workers at once, so they keep working while this process
    summarises and saves the chunks already finished."""
    todo = {k: reps for k, reps in enumerate(chunks(runs, chunk_size))
            if checkpoints is None or not checkpoints.has(k, reps, tell=True)}
    workers = 2 if backend == "dask" else jobs
    work = [(k, block) for k, reps in todo.items() for block in blocks(reps, spec, workers)]
    finished = _map(jobs, backend, spec, years, work)
    pending = {k: ChunkFold(reps) for k, reps in todo.items()}
    try:
        for k, reps in enumerate(chunks(runs, chunk_size)):
            summary = checkpoints.load(k, reps) if k not in todo else None
            if summary is None:
                summary = _computed(k, reps, pending, finished, spec, years, on_replicate)
                if checkpoints is not None:
                    checkpoints.save(k, summary)
            yield summary
    finally:
        with warnings.catch_warnings():  # stopped early (Ctrl-C, an error): the blocks in
            warnings.filterwarnings("ignore", message=".*tasks which were still being processed")
            finished.close()             # flight are dropped, which joblib would warn of


def _computed(k: int, reps: list[int], pending: dict[int, ChunkFold],
              finished: Iterator[tuple[int, BlockSummary]], spec: RunSpec, years: FiscalYears,
              on_replicate: Callable[[int], None] | None) -> ChunkSummary:
    """Chunk k from its blocks as the workers finish them (its own if it was sent), or
    computed here (a checkpoint found intact at the start and damaged since)."""
    if k not in pending:
        return ChunkSummary.of_blocks([summarise_block(spec, b, years) for b in blocks(reps, spec)])
    while not pending[k].complete:
        j, block = next(finished)
        pending[j].add(block)
        if on_replicate:
            on_replicate(len(block.replicates))
    return pending.pop(k).summary()


def run(
    spec: RunSpec, results: StudyResults, runs: int, chunk_size: int,
    checkpoints: Path | None = None, jobs: int = 1, backend: str = "loky",
    progress: bool | None = None, label: str = "simulating",
) -> StudyResults:
    """Run (or resume from the intact chunks in `checkpoints`) all replicates and fold them
    into `results`; the progress bar (if any) is labelled `label`."""
    store = Checkpoints(checkpoints, results.sizes()) if checkpoints is not None else None
    done = sum(len(reps) for k, reps in enumerate(chunks(runs, chunk_size))
               if store is not None and store.has(k, reps))
    bar = Progress(runs, done, progress, label=label, jobs=jobs)
    try:
        for summary in iterate_chunks(spec, runs, chunk_size, store, years=results.years,
                                      jobs=jobs, backend=backend, on_replicate=bar.update):
            results.fold_chunk(summary)
            return_free_memory()
    finally:
        bar.close()
    return results
