"""Will a job fit?  Its whole memory and disk, estimated before anything is written, so a
job that asks for the impossible (a million replicates, a billion design points, a billion
arrivals a month) is refused at once with the figures instead of exhausting the machine
part-way.

The sizes of the arrays a job keeps are computed from the aggregate register's own shapes
and dtypes (exact, not guessed), the model's working arrays per process from the constants
below; files are counted uncompressed, so the disk figure is an upper one.
"""
from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import InputError
from sim.model.aggregates import AGGREGATES, PERSON_FIELDS, RAW, ROWS, axis_sizes
from sim.model.draws import arrival_rates
from sim.study.study_file import Study

# Bytes per person-month of the world's (months x people) arrays, and per person-policy of
# the model's (policies x people) arrays, with room for temporaries: an upper estimate
# checked against the benchmark (100,000 people, 72 months, 2 policies: 526 MB measured).
BYTES_PER_PERSON_MONTH = 40
BYTES_PER_PERSON_POLICY = 64
BASE_BYTES = 200 * 2**20   # interpreter, numpy, pandas, Mesa
ITEM_BYTES = 8             # a raw or person array's element, counted as 8 bytes (some are smaller)
TABLE_COPIES = 2           # copies of the per-replicate arrays made while building the tables
OUTPUT_BYTES = 64 * 2**20  # tables, figures, report.html, results.xlsx, eia.docx (default study
#                            with its report: 9 MB measured)
GIB = 2**30


class TooBigError(InputError):
    """The job would need more memory or disk than this machine has."""


@dataclass(frozen=True)
class ArraySizes:
    """Bytes of what one study's replicates leave in memory and on disk."""

    row: int      # one replicate's row of the per-replicate aggregates
    total: int    # the summed aggregates (one copy)
    raw: int      # one replicate's raw arrays, before they are summarised
    person: int   # one replicate's person-level reservoir


def study_people(study: Study, months: int | None = None) -> float:
    """An upper count of the people a replicate simulates (the start and the arrivals of
    its first `months` months: default all)."""
    rates = arrival_rates(study.population, study.params, study.n_months)
    arrivals = float(rates[:months].sum())
    return len(study.population) + arrivals + 6.0 * arrivals ** 0.5


def array_sizes(study: Study, n_policies: int | None = None) -> ArraySizes:
    """The study's array sizes (with `n_policies` policies instead of its own if given)."""
    sizes = axis_sizes(len(study.policies) if n_policies is None else n_policies,
                       study.n_months, len(study.financial_years), tuple(study.population.teams))
    row = total = 0
    for agg in AGGREGATES.values():
        nbytes = math.prod(agg.shape(sizes, 1)) * np.dtype(agg.dtype).itemsize
        row, total = (row + nbytes, total) if agg.fold == ROWS else (row, total + nbytes)
    raw = sum(math.prod(sizes[a] for a in axes) for axes, _ in RAW.values()) * ITEM_BYTES
    people = {**sizes, "N": study_people(study, study.go_live + 1)}  # the go-live cohort
    person = sum(math.prod(people[a] for a in axes) for axes in PERSON_FIELDS.values())
    return ArraySizes(row, total, raw, int(person * ITEM_BYTES))


def worker_bytes(study: Study, n_policies: int | None = None) -> float:
    """Estimated peak memory of one process running one block of replicates of the study
    (its people are every replicate's of the block: sim.model.stack)."""
    people = study_people(study) * (1 if study.spec.uncertainty
                                    else min(study.spec.block_size, study.spec.runs))
    policies = len(study.policies) if n_policies is None else n_policies
    return (BASE_BYTES + people * study.n_months * BYTES_PER_PERSON_MONTH
            + people * policies * BYTES_PER_PERSON_POLICY)


@dataclass(frozen=True)
class Need:
    """A job's estimated peak memory (every process) and the bytes it writes."""

    memory: float
    disk: float

    def __add__(self, other: Need) -> Need:
        return Need(self.memory + other.memory, self.disk + other.disk)


def results_need(a: ArraySizes, runs: int, chunk_size: int, reservoir: int) -> Need:
    """The folded results of `runs` replicates in the main process (with the copies the
    tables make and the chunk being summarised) and on disk (checkpoints and results)."""
    rows, persons = runs * a.row, min(reservoir, runs) * a.person
    chunk = min(chunk_size, runs) * (a.raw + a.row)
    chunks = math.ceil(runs / chunk_size)
    return Need(memory=rows * (1 + TABLE_COPIES) + 2 * a.total + chunk + persons,
                disk=2 * (rows + persons) + (chunks + 1) * a.total)


def run_need(study: Study, jobs: int, *, runs: int | None = None,
             n_policies: int | None = None) -> Need:
    """A study run's whole need: its worker processes, its results, its files."""
    runs = study.spec.runs if runs is None else runs
    a = array_sizes(study, n_policies)
    need = results_need(a, runs, study.spec.chunk_size, study.spec.reservoir_replicates)
    if study.spec.uncertainty:  # the events-only companion and parameter_draws.csv
        need += results_need(a, study.events_only_runs, study.spec.chunk_size, 0)
        need += Need(0.0, runs * (len(study.uncertainty.names) + 1) * 25.0)
    return need + Need(worker_bytes(study, n_policies) * (jobs + 1), OUTPUT_BYTES)


def available_bytes() -> float:
    """Memory available now (Linux MemAvailable), else the machine's physical memory."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def free_disk_bytes(folder: Path) -> float:
    """Free space where `folder` is (or would be made), plus what it holds now (replaced by
    --overwrite, or part of the job on --resume)."""
    here = Path(folder).absolute()
    while not here.exists():
        here = here.parent
    held = 0
    if Path(folder).is_dir() and not Path(folder).is_symlink():
        for root, _, files in os.walk(folder):
            held += sum(os.lstat(os.path.join(root, f)).st_size for f in files)
    return float(shutil.disk_usage(here).free + held)


def check_need(need: Need, folder: Path, what: str, hint: str) -> None:
    """Refuse a job whose estimated memory or disk exceeds what the machine has."""
    have_memory, have_disk = available_bytes(), free_disk_bytes(folder)
    short = []
    if need.memory > have_memory:
        short.append(f"about {need.memory / GIB:,.1f} GiB of memory but {have_memory / GIB:,.1f}"
                     " GiB is available")
    if need.disk > have_disk:
        short.append(f"up to {need.disk / GIB:,.1f} GiB of disk in {folder} but "
                     f"{have_disk / GIB:,.1f} GiB is free")
    if short:
        raise TooBigError(f"{what} needs {' and '.join(short)}; nothing was written: {hint}")


def check_fits(study: Study, jobs: int, folder: Path | None = None) -> None:
    """Refuse a run whose estimated memory (every worker, the main process and its results)
    or disk exceeds what the machine has."""
    check_need(run_need(study, jobs), Path(folder or "."),
               f"{study.path}: this run of {study.spec.runs:,} replicates ({jobs + 1} processes x "
               f"{worker_bytes(study) / GIB:,.1f} GiB for the model)",
               "use fewer --runs or --jobs, a shorter horizon, a smaller population or fewer "
               "arrivals")
