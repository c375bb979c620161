"""Global sensitivity analysis of a study: which assumptions its headline results rest on.

`plan` checks everything (study, uncertain parameters, design, policies) before anything
is written; `analyse` evaluates the design's points in parallel, computes the indices of
every output of every analysed policy with SALib, and finds each policy's threshold on its
most influential assumption; `write` saves sensitivity.csv, samples.csv, thresholds.csv,
a tornado figure per policy, sensitivity.html and a manifest.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.sensitivity import page
from sim.analysis.sensitivity.checkpoints import DesignCheckpoints
from sim.analysis.sensitivity.design import SensitivityDesign
from sim.analysis.sensitivity.evaluation import (
    OUTPUTS,
    Evaluator,
    evaluate_many,
    headline_policies,
    parallel_map,
)
from sim.analysis.sensitivity.figures import rank_column, save_tornados
from sim.analysis.sensitivity.threshold import COLUMNS as THRESHOLD_COLUMNS
from sim.analysis.sensitivity.threshold import thresholds
from sim.atomic import atomic_path, write_json_atomic
from sim.model.uncertainty import Uncertainty
from sim.outputs.tables import write_csv
from sim.study.horizon import to_judged_year
from sim.study.manifest import code_sha256, now
from sim.study.montecarlo import Progress
from sim.study.runner import identity as study_identity
from sim.study.study_file import Study

NOISE_WORLDS = 8   # other replicate sets at the central values, for the noise share


@dataclass
class Plan:
    """A checked sensitivity analysis, ready to run."""

    study: Study
    design: SensitivityDesign
    evaluator: Evaluator

    @property
    def uncertainty(self) -> Uncertainty:
        return self.evaluator.uncertainty


@dataclass
class Outcome:
    """What an analysis found."""

    indices: pd.DataFrame        # sensitivity.csv
    samples: pd.DataFrame        # samples.csv: the design's values and every output
    thresholds: pd.DataFrame     # thresholds.csv
    noise: pd.DataFrame          # noise.csv: how much of each output's variance is noise
    skipped: list[str]           # outputs not analysed, and why
    seconds: float


def study_uncertainty(study: Study) -> Uncertainty:
    """The study's uncertain parameters (its overrides fixed; with the shipped synthetic
    population, the assumptions that shape it too), every support checked."""
    study.uncertainty.check_support()
    return study.uncertainty


def plan(study: Study, *, method: str = "sobol", samples: int = 32, replicates: int = 8,
         seed: int | None = None, policies: Sequence[str] | None = None,
         uncertainty: Uncertainty | None = None) -> Plan:
    """Check the request (InputError naming what is wrong) and fix every seed."""
    seed = study.spec.seed if seed is None else seed
    uncertainty = study_uncertainty(study) if uncertainty is None else uncertainty
    study = to_judged_year(study)   # nothing after the judged year changes an output
    design = SensitivityDesign(uncertainty.names, samples, method, seed)
    ev = Evaluator.of(study, uncertainty, headline_policies(study, policies), replicates, seed)
    return Plan(study, design, ev)


def identity(p: Plan) -> dict[str, Any]:
    """What must not change between an interrupted analysis and its --resume (it fixes
    every design point, so a checkpointed block is known by its range)."""
    return {"study": study_identity(p.study), "method": p.design.method,
            "samples": p.design.samples, "seed": p.design.seed,
            "replicates": p.evaluator.replicates, "policies": p.evaluator.policy_names,
            "parameters": p.uncertainty.names, "code": code_sha256()}


def analyse(p: Plan, jobs: int = 1, progress: bool | None = None, *, backend: str = "loky",
            checkpoints: Path | None = None) -> Outcome:
    """Evaluate the design (continuing from the blocks intact in `checkpoints`), compute the
    indices and the thresholds."""
    t0 = time.perf_counter()
    points = p.design.points()
    values = [p.uncertainty.values_at(u) for u in points]
    store = DesignCheckpoints(checkpoints) if checkpoints is not None else None
    bar = Progress(len(values), enabled=progress, unit="model evaluations",
                   label="evaluating the design", jobs=jobs)
    try:
        y = evaluate_many(p.evaluator, values, jobs, bar.update, backend=backend,
                          checkpoints=store)   # (M, policies, outputs)
    finally:
        bar.close()
    indices, skipped = _indices(p, y)
    tasks = [(k, top) for k, name in enumerate(p.evaluator.policy_names)
             if (top := _most_influential(indices, name)) is not None]
    rows = thresholds(p.evaluator, tasks, jobs, backend)
    return Outcome(indices, _samples(p, values, y),
                   pd.DataFrame(rows, columns=list(THRESHOLD_COLUMNS)),
                   noise(p.evaluator, y, jobs, backend), skipped, time.perf_counter() - t0)


def _at_central(ev: Evaluator) -> np.ndarray:
    return ev.evaluate({})


def noise(ev: Evaluator, y: np.ndarray, jobs: int = 1, backend: str = "loky") -> pd.DataFrame:
    """How much the chosen replicate worlds matter beside the assumptions: the variance, at
    the central values, of the output over NOISE_WORLDS other sets of replicate worlds, over
    its variance across the design.  Every design point runs on the same coupled worlds
    (sim.model.coupling), so the indices describe the model on those worlds; a large share
    says another set of worlds could tell a different story: raise --replicates."""
    worlds = [replace(ev, first=ev.replicates * (j + 1)) for j in range(NOISE_WORLDS)]
    z = np.stack(list(parallel_map(_at_central, [(w,) for w in worlds], jobs, backend)))
    with np.errstate(divide="ignore", invalid="ignore"):
        design, other = np.nanvar(y, axis=0, ddof=1), np.nanvar(z, axis=0, ddof=1)
        share = np.where(design > 0, np.minimum(other / design, 1.0), np.nan)
    return pd.DataFrame([{"output": o, "policy": name, "design_variance": design[j, k],
                          "noise_variance": other[j, k], "noise_share": share[j, k]}
                         for k, o in enumerate(OUTPUTS)
                         for j, name in enumerate(ev.policy_names)])


def _indices(p: Plan, y: np.ndarray) -> tuple[pd.DataFrame, list[str]]:
    frames, skipped = [], []
    for k, output in enumerate(OUTPUTS):
        for j, policy in enumerate(p.evaluator.policy_names):
            col = y[:, j, k]
            bad = int((~np.isfinite(col)).sum())
            if bad:
                skipped.append(f"{output} of {policy} is undefined at {bad} of {len(col)} "
                               "evaluations (e.g. every protected group suppressed): not "
                               "analysed.")
                continue
            df = p.design.analyze(col)
            df.insert(0, "policy", policy)
            df.insert(0, "output", output)
            frames.append(df)
    return pd.concat(frames, ignore_index=True), skipped


def _most_influential(indices: pd.DataFrame, policy: str) -> str | None:
    rows = indices[(indices["policy"] == policy) & (indices["output"] == "savings")]
    if rows.empty:
        return None
    return str(rows.sort_values(rank_column(indices), ascending=False,
                                kind="stable")["parameter"].iloc[0])


def _samples(p: Plan, values: list[dict[str, float]], y: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame(values, columns=p.uncertainty.names)
    df.insert(0, "point", np.arange(len(values)))
    for k, output in enumerate(OUTPUTS):
        for j, policy in enumerate(p.evaluator.policy_names):
            df[f"{output}[{policy}]"] = y[:, j, k]
    return df


def parameters_table(u: Uncertainty) -> pd.DataFrame:
    """The uncertain parameters as the report lists them."""
    return pd.DataFrame([{"parameter": r.path, "distribution": r.distribution.describe(),
                          "support": "[{:g}, {:g}]".format(*r.distribution.support),
                          "varies": r.varies, "unit": r.unit, "status": r.status}
                         for r in u.parameters])


def write(p: Plan, outcome: Outcome, out: Path, *, jobs: int) -> list[Path]:
    """Every file of the analysis into `out` (claimed and marked by the caller)."""
    written = []
    for name, df in (("sensitivity.csv", outcome.indices), ("samples.csv", outcome.samples),
                     ("thresholds.csv", outcome.thresholds), ("noise.csv", outcome.noise)):
        written.append(write_csv(df, out / name))  # labels from input files kept inert
    ev = p.evaluator
    what = f"mean savings in {ev.year}"
    figures = save_tornados(outcome.indices, out, "savings", what)
    run = {"study": p.study.spec.name, "method": p.design.method, "samples": p.design.samples,
           "points": p.design.n_points, "replicates": ev.replicates, "seed": p.design.seed,
           "year": ev.year, "target": ev.target,
           "outputs": {k: v.replace("the first full year", ev.year) for k, v in OUTPUTS.items()},
           "skipped": outcome.skipped}
    html = page.render(run, outcome.indices, outcome.thresholds,
                       parameters_table(p.uncertainty), figures, outcome.noise)
    with atomic_path(out / "sensitivity.html") as tmp:
        tmp.write_text(html, encoding="utf-8")
    write_json_atomic(out / "manifest.json", {
        **{k: v for k, v in run.items() if k != "skipped"}, "kind": "sensitivity",
        "study_file": str(p.study.path), "parameters": p.uncertainty.names,
        "policies": ev.policy_names, "jobs": jobs, "seconds": round(outcome.seconds, 1),
        "finished": now(), "code": code_sha256()})
    return [*written, *figures.values(), out / "sensitivity.html", out / "manifest.json"]
