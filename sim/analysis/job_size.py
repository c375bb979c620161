"""The whole need of a sensitivity analysis or an options search, in memory and on disk
(a run's is sim.study.resources'), checked before anything is written: a billion design
points or a hundred million replicates per evaluation are refused with the figures.

Array sizes come from the aggregate register (sim.study.resources.array_sizes); the
constants below are the rest, measured and rounded up.
"""
from __future__ import annotations

from pathlib import Path

from sim.analysis.search.file import Search
from sim.analysis.sensitivity.design import RESAMPLES
from sim.analysis.sensitivity.evaluation import OUTPUTS
from sim.analysis.sensitivity.pipeline import Plan
from sim.study.resources import (
    BASE_BYTES,
    OUTPUT_BYTES,
    Need,
    array_sizes,
    check_need,
    results_need,
    run_need,
    worker_bytes,
)

VALUE_BYTES = 100      # a design point's parameter value held in a dict (float and entry)
CSV_VALUE_BYTES = 25   # a number written in a CSV file (17 digits, sign, exponent, comma)
TRIAL_BYTES = 8_000    # a trial in the sampler and the trials table (3 kB measured: 10 levers)
TRIAL_FILE_BYTES = 1_000  # a trial in its generation's checkpoint and trials.csv (0.4 kB measured)


def sensitivity_need(plan: Plan, jobs: int) -> Need:
    """Every evaluation process holding its replicates, the design and its outputs, SALib's
    bootstrap; samples.csv and the report on disk."""
    ev, design = plan.evaluator, plan.design
    n_all, n_out = len(ev.template.policies), len(ev.policy_names) * len(OUTPUTS)
    a = array_sizes(plan.study, n_all)
    evaluation = (worker_bytes(plan.study, n_all) + ev.replicates * (a.raw + 2 * a.row)
                  + 2 * a.total)
    points, params = design.n_points, len(plan.uncertainty.names)
    main = (BASE_BYTES + points * params * (2 * 8 + VALUE_BYTES) + points * n_out * 8 * 3
            + RESAMPLES * design.samples * 8 * 4)
    disk = points * (1 + params + n_out) * CSV_VALUE_BYTES + OUTPUT_BYTES
    return Need(main + max(jobs, 1) * evaluation, disk)


def search_need(search: Search, jobs: int) -> Need:
    """The larger of a generation (every candidate stacked on the same replicates, with
    their unprotected comparators) and the confirmation run, plus the sampler's trials;
    the checkpoints, trials and confirmation folder on disk."""
    s, base = search.spec, search.study
    per_candidate = 2 if "protection_cost" in search.outputs else 1
    stacked = 1 + s.batch * per_candidate
    generation = (worker_bytes(base, stacked) * (jobs + 1)
                  + results_need(array_sizes(base, stacked), s.runs, s.runs, 0).memory)
    confirmed = 1 + s.confirm_max * per_candidate + len(base.transitions) + 1
    confirm = run_need(base, jobs, runs=s.confirm_runs, n_policies=confirmed)
    return Need(max(generation, confirm.memory) + s.trials * TRIAL_BYTES,
                confirm.disk + s.trials * TRIAL_FILE_BYTES + OUTPUT_BYTES)


def check_sensitivity(plan: Plan, jobs: int, out: Path) -> None:
    check_need(sensitivity_need(plan, jobs), out,
               f"{plan.study.path}: this analysis of {plan.design.n_points:,} model evaluations "
               f"x {plan.evaluator.replicates:,} replicates",
               "use fewer --samples, --replicates or --jobs")


def check_search(search: Search, jobs: int, out: Path) -> None:
    s = search.spec
    check_need(search_need(search, jobs), out,
               f"{search.path}: this search of {s.trials:,} trials x {s.runs:,} replicates "
               f"(confirmed on {s.confirm_runs:,})",
               "use fewer --trials, --runs, confirm_runs or --jobs")
