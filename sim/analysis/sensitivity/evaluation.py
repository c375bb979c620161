"""One evaluation of the model at given parameter values: the headline outputs of each policy.

The policies are fixed before the world is known: calibrations are fitted on the central
parameters, as the council sets its RAS before it learns which world it is in (refitted only
when a point changes the synthetic population itself, the data the council fits to, as a
probabilistic run does).  Each evaluation runs the same replicate seeds (0 .. R-1 of the
study seed) on coupled draws (sim.model.coupling: a layout fixed over the whole range of the
parameters), so the difference between two points is the parameters, not the luck of the
draw.  Outputs come from the run's own tables (sim.outputs.finance and
sim.outputs.equalities), folded exactly as a study run folds its replicates.
"""
from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from joblib import Parallel, delayed, parallel_config

from sim.analysis.sensitivity.checkpoints import DesignCheckpoints
from sim.errors import InputError
from sim.hints import nearest
from sim.inputs.categories import PROTECTED
from sim.model.aggregates import EIA_STATS, SNAPSHOTS, YARDSTICKS
from sim.model.coupling import coupling_for
from sim.model.uncertainty import Uncertainty
from sim.outputs.equalities import CASH, N_LOSE, relative_risk
from sim.outputs.finance import finance_savings, target_in_year_prices
from sim.outputs.settings import settings
from sim.policy.policy import Policy
from sim.study.montecarlo import RunSpec, run_block
from sim.study.montecarlo import blocks as replicate_blocks
from sim.study.results import ChunkSummary, StudyResults
from sim.study.runner import new_results
from sim.study.study_file import Study
from sim.study.workers import die_with_parent

# Output key -> what it is (savings and the target are judged in the study's first full year).
OUTPUTS = {
    "savings": "mean savings against the finance baseline in the first full year (£)",
    "p_meet_target": "share of the replicates whose first-full-year savings meet the target",
    "share_lose10": ("share of existing users losing more than 10% of their own budget in cash "
                     "since just before go-live (first year)"),
    "largest_rr": "largest relative risk of losing more than 10% (in cash), any protected group",
}


# The EIA tallies `outputs` reads (the others are not computed: they would be most of an
# evaluation): the first year, people's own budget in cash.
SNAPSHOT = "first_year"
TALLIES = ((SNAPSHOT, YARDSTICKS[CASH]),)


class PolicyChoiceError(InputError):
    """A --policies name that is not one of the study's policies."""


def headline_policies(study: Study, names: Sequence[str] | None = None) -> list[Policy]:
    """The status quo (the baseline) and the policies to analyse: those named, else the
    recommended calibration crossed with every transition of the study (the first
    calibration when none is recommended)."""
    base = [p for p in study.policies if p.is_baseline and p.practice_creep]
    ras = [p for p in study.policies if not p.is_baseline and not p.variant_of]
    if names:
        by_name = {p.name: p for p in ras}
        for n in names:
            if n not in by_name:
                raise PolicyChoiceError(f"--policies: no policy named {n!r} in the study"
                                        f"{nearest(n, list(by_name))}")
        return base + [by_name[n] for n in dict.fromkeys(names)]
    recommended = [p for p in ras if p.recommended_calibration]
    calibration = (recommended or ras)[0].calibration
    return base + [p for p in ras if p.calibration == calibration]


@dataclass
class Evaluator:
    """Runs the headline policies at parameter values and returns their outputs."""

    spec: RunSpec
    uncertainty: Uncertainty
    replicates: int
    template: StudyResults          # empty results of the headline policies (labels, settings)
    first: int = 0                  # replicates first .. first + replicates - 1 of the seed

    @classmethod
    def of(cls, study: Study, uncertainty: Uncertainty, policies: list[Policy],
           replicates: int, seed: int) -> Evaluator:
        if replicates < 1:
            raise InputError(f"--replicates must be at least 1, got {replicates}")
        headline = copy.copy(study)
        headline.policies = policies
        ends = [uncertainty.realise(values) for values in uncertainty.support_ends()]
        spec = RunSpec(population=study.population, params=study.params, policies=policies,
                       calibrations=study.calibrations, n_months=study.n_months,
                       go_live=study.go_live, snapshots=study.snapshot_months, seed=seed,
                       reservoir_replicates=0, uncertainty=uncertainty,
                       calibration_specs=study.calibration_specs,
                       block_size=study.spec.block_size, tallies=TALLIES,
                       coupling=coupling_for(study.population, [study.params, *ends],
                                             study.n_months))
        return cls(spec, uncertainty, replicates, new_results(headline))

    @property
    def policy_names(self) -> list[str]:
        """The analysed policies (every one but the status quo), in output order."""
        return [p["name"] for p in self.template.policies if not p["is_baseline"]]

    @property
    def target(self) -> float:
        return settings(self.template).target

    @property
    def year(self) -> str:
        return settings(self.template).first_full_year

    def results(self, values: Mapping[str, float]) -> StudyResults:
        """The headline policies' folded results at these values (the others central)."""
        params, population, calibrations = self.spec.inputs_at(dict(values), "a design point")
        spec = replace(self.spec, params=params, population=population,
                       calibrations=calibrations, uncertainty=None)
        t = self.template
        results = StudyResults(policies=t.policies, months=t.months,
                           financial_years=t.financial_years, month_fy=t.month_fy,
                           go_live_month=t.go_live_month, teams=t.teams,
                           capacity=self.replicates, meta=t.meta)
        mine = list(range(self.first, self.first + self.replicates))
        reps = [result for block in replicate_blocks(mine, spec)
                for result in run_block(spec, block)]
        results.fold_chunk(ChunkSummary.of(reps, results.years))
        return results

    def evaluate(self, values: Mapping[str, float]) -> np.ndarray:
        """(policies, OUTPUTS) at these values; policies as `policy_names`."""
        return outputs(self.results(values), self.year)


def outputs(results: StudyResults, year: str) -> np.ndarray:
    """Each non-baseline policy's OUTPUTS from folded results.  The equalities outputs are
    eia.csv's numbers (share losing more than 10% of everyone; largest_disparity's relative
    risk over unsuppressed protected groups) read straight from the tallies: building the
    table would be a third of an evaluation (a test holds the two equal)."""
    f = results.financial_years.index(year)
    save = finance_savings(results)[:, :, f]                           # (R, P)
    goal = target_in_year_prices(results)[:, [f]]                      # (R, 1)
    tot = np.asarray(results.eia_sum[SNAPSHOTS.index(SNAPSHOT), :, CASH],
                     dtype=float)                                                 # (P, J, K)
    n, lose10 = (EIA_STATS.index(k) for k in ("n", N_LOSE))
    limit = settings(results).suppress_below
    shown = tot[:, :, n] / max(results.n_replicates, 1) >= limit                      # (P, J)
    protected = np.array([char in PROTECTED for char, _ in results.eia_columns])
    with np.errstate(divide="ignore", invalid="ignore"):
        share10 = np.where(shown[:, 0], tot[:, 0, lose10] / tot[:, 0, n], np.nan)
        rr = relative_risk(tot[:, :, lose10], tot[:, :, n], tot[:, [0], lose10], tot[:, [0], n])
    rr = np.where(shown & protected & ~np.isnan(rr), rr, -np.inf).max(axis=1)
    rr[rr == -np.inf] = np.nan
    keep = [p for p, pol in enumerate(results.policies) if not pol["is_baseline"]]
    return np.column_stack([save[:, keep].mean(axis=0), (save[:, keep] >= goal).mean(axis=0),
                            share10[keep], rr[keep]])


def _evaluate_block(ev: Evaluator, block: list[dict[str, float]]) -> np.ndarray:
    return np.stack([ev.evaluate(v) for v in block])


def parallel_map(func: Callable[..., Any], tasks: list[tuple], jobs: int,
                 backend: str = "loky") -> Iterator[Any]:
    """func(*task) for each task, yielded in task order, on `jobs` worker processes (each
    limited to one BLAS thread by run_block), on a Dask cluster (backend "dask": the
    client in use; a task whose worker dies is run again elsewhere) or in this process."""
    if backend == "dask":
        with parallel_config(backend="dask"):
            yield from Parallel(n_jobs=-1, return_as="generator")(delayed(func)(*t) for t in tasks)
        return
    if jobs == 1:
        yield from (func(*t) for t in tasks)
        return
    with parallel_config(backend="loky", initializer=die_with_parent, initargs=(os.getpid(),)):
        yield from Parallel(n_jobs=jobs, return_as="generator")(delayed(func)(*t) for t in tasks)


def blocks_of(n: int) -> list[range]:
    """The design's points in blocks (the unit of work and of checkpoints): about 32 blocks,
    whatever the number of workers, so a resumed analysis finds the same blocks."""
    size = max(1, min(64, -(-n // 32)))
    return [range(k, min(n, k + size)) for k in range(0, n, size)]


def evaluate_many(ev: Evaluator, values: list[dict[str, float]], jobs: int = 1,
                  on_done: Callable[[int], None] | None = None, *, backend: str = "loky",
                  checkpoints: DesignCheckpoints | None = None) -> np.ndarray:
    """(points, policies, OUTPUTS) for each set of values, in order; the same numbers
    whatever `jobs` or backend (each point depends only on its values and the fixed seeds).
    Blocks intact in `checkpoints` are read, the others computed and saved as they finish."""
    blocks = blocks_of(len(values))
    shape = (len(ev.policy_names), len(OUTPUTS))
    done: dict[int, np.ndarray] = {}
    for k, block in enumerate(blocks):
        y = checkpoints.load(k, block, shape) if checkpoints is not None else None
        if y is not None:
            done[k] = y
            if on_done is not None:
                on_done(len(block))
    todo = [k for k in range(len(blocks)) if k not in done]
    tasks = [(ev, values[blocks[k].start:blocks[k].stop]) for k in todo]
    for k, y in zip(todo, parallel_map(_evaluate_block, tasks, jobs, backend)):
        if checkpoints is not None:
            checkpoints.save(k, blocks[k], y)
        done[k] = y
        if on_done is not None:
            on_done(len(blocks[k]))
    return np.concatenate([done[k] for k in range(len(blocks))])
