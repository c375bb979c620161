"""A study run from start to finish: results folder, replicates, tables, report, manifest."""
from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

from sim.atomic import atomic_path, write_json_atomic
from sim.inputs.files import file_sha256
from sim.policy.transition import FIELDS
from sim.study.manifest import build_manifest, code_sha256, now
from sim.study.montecarlo import RunSpec, run
from sim.study.redistribution import redistribution
from sim.study.results import MANIFEST_FILE, StudyResults
from sim.study.study_file import Study
from sim.study.workers import release_workers

RUN_KEY = "run.json"  # identity of a run, checked on --resume
EVENTS_ONLY = "events_only"  # a probabilistic run's companion at central values (a results folder)
DRAWS_FILE = "parameter_draws.csv"  # a probabilistic run's parameter values, by replicate


def identity(study: Study) -> dict[str, Any]:
    """What must not change between an interrupted run and its --resume."""
    base = study.path.parent
    files = {"study file": study.path, "parameters file": base / study.spec.parameters,
             "calibrations file": base / study.spec.calibrations_file,
             "transitions file": base / study.spec.transitions_file,
             **{f"parameter overlay {i + 1}": base / o
                for i, o in enumerate(study.spec.parameter_overlays)}}
    out = {"seed": study.spec.seed, "runs": study.spec.runs, "chunk_size": study.spec.chunk_size,
           "inputs": {**{k: file_sha256(v) for k, v in files.items()},
                      "population file": study.population.sha256,
                      "EIA rating file": study.eia_rule.sha256},
           "code": code_sha256()}
    if study.spec.uncertainty:  # a fixed run's identity is as it always was
        out["uncertainty"] = uncertainty_summary(study)
    return out


def uncertainty_summary(study: Study) -> dict[str, Any] | None:
    """What a probabilistic run draws (None for a fixed run): recorded in run.json, the
    manifest and the results."""
    if not study.spec.uncertainty or study.uncertainty is None:
        return None
    return {"parameters": {p.path: p.distribution.describe()
                           + (" x the central value" if p.varies == "multiplier" else "")
                           for p in study.uncertainty.parameters},
            "events_only_runs": study.events_only_runs,
            "population_rebuilt": study.uncertainty.targets is not None}


def identity_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    out = [f"{k} ({old.get(k)} -> {new[k]})" for k in ("seed", "runs", "chunk_size")
           if old.get(k) != new[k]]
    if old.get("uncertainty") != new.get("uncertainty"):
        out.append("--uncertainty")
    out += [name for name, sha in new["inputs"].items() if old.get("inputs", {}).get(name) != sha]
    if old.get("code") != new["code"]:
        out.append("the model's code")
    return out


def new_results(study: Study) -> StudyResults:
    import numpy as np

    return StudyResults(
        policies=[p.describe() for p in study.policies], months=study.months,
        financial_years=study.financial_years, month_fy=np.asarray(study.month_fy),
        go_live_month=study.go_live, teams=study.population.teams, capacity=study.spec.runs,
        meta={
            "study": {
                "name": study.spec.name, "target": study.spec.savings_target,
                "first_full_year": study.first_full_year,
                "suppress_below": study.report.suppress_below,
                "cost_neutral_tolerance": study.report.cost_neutral_tolerance,
                **finance_meta(study),
                "seed": study.spec.seed, "runs": study.spec.runs,
                "go_live": study.spec.go_live, "horizon_end": study.spec.horizon_end,
            },
            "assumptions": assumptions(study),
            **({"uncertainty": uncertainty_summary(study)} if study.spec.uncertainty else {}),
            "calibrations": {k: est.fitted_summary() for k, est in study.calibrations.items()},
            "transitions": {k: t.description for k, t in all_transitions(study).items()},
            "transition_parameters": {k: {f: getattr(t, f) for f in FIELDS}
                                      for k, t in all_transitions(study).items()},
            "redistribution": redistribution(study.population, study.params,
                                             study.calibrations),
            "calibration_descriptions": calibration_descriptions(study),
            "eia_rating": study.eia_rule.as_meta(),     # the report rates by this rule
            "population": {"synthetic": study.population.synthetic, "size": len(study.population),
                           "description": study.population.description,
                           "synthetic_attributes": list(study.population.synthetic_attributes)},
        },
    )


def all_transitions(study: Study) -> dict[str, Any]:
    """The study's transitions and its variants' (sim.study.variants_section), by name."""
    return {**study.transitions, **{p.transition.name: p.transition for p in study.policies
                                    if p.variant_of}}


def finance_meta(study: Study) -> dict[str, Any]:
    """The study's [finance] settings, with the planned demographic growth its base budget
    uses (the central demand.net_growth_per_year: what the council plans for)."""
    f = study.finance
    growth = study.params.demand.net_growth_per_year if f.uplift == "prices_and_demography" else 0.0
    return {"finance_baseline": f.baseline, "base_budget_uplift": f.uplift,
            "planned_demographic_growth": float(growth), "meets_chance": f.meets_chance}


def calibration_descriptions(study: Study) -> dict[str, str]:
    """Each calibration's plain-English `description` from its block (metadata, not a
    parameter, so the fitted estimators do not carry it)."""
    blocks = tomllib.loads(study.calibrations_text)   # as read when the study loaded
    return {k: str(blocks.get(k, {}).get("description", "")) for k in study.calibrations}


def assumptions(study: Study) -> list[dict[str, str]]:
    """Every parameter one by one (dotted path, value, unit, status, source and, where
    uncertain, its distribution), then the study's overrides."""
    drawn = {p.path for p in study.uncertainty.parameters} if study.uncertainty else set()
    rows = []
    for path, rec in study.records.items():
        dist = "" if rec.distribution is None else rec.distribution.describe() + (
            " x the value" if rec.varies == "multiplier" else "")
        if dist and path not in drawn:
            dist += " (not drawn: the study overrides the value)"
        rows.append({"parameter": path, "value": _shown(rec.value), "unit": rec.unit,
                     "status": rec.status, "source": rec.source, "distribution": dist})
    for path, value in study.overrides.items():
        rows.append({"parameter": f"override {path}", "value": _shown(value), "unit": "",
                     "status": "study file", "source": "the study's [overrides]",
                     "distribution": ""})
    return rows


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def run_study(study: Study, out: Path, *, jobs: int = 1, backend: str = "loky",
              progress: bool | None = None) -> StudyResults:
    """Run (or resume) the replicates into `out` and save the folded aggregates."""
    started = now()
    manifest = build_manifest(study, jobs=jobs, backend=backend, started=started)
    write_json_atomic(out / MANIFEST_FILE, manifest)
    spec = run_spec(study)
    results = new_results(study)
    results.meta["manifest"] = {k: v for k, v in manifest.items() if k != "study_text"}
    run(spec, results, study.spec.runs, study.spec.chunk_size, out / "checkpoints", jobs,
        backend, progress)
    if study.spec.uncertainty:
        _events_only(study, out / EVENTS_ONLY, jobs, backend, progress)
        write_draws(study, out / DRAWS_FILE)
    manifest["finished"] = results.meta["manifest"]["finished"] = now()
    write_json_atomic(out / MANIFEST_FILE, manifest)
    results.save(out, covering=(MANIFEST_FILE,))  # the manifest checked as the results are
    # the chunks only serve --resume of an interrupted run; a finished run keeps the aggregates
    shutil.rmtree(out / "checkpoints", ignore_errors=True)
    release_workers()
    return results


def run_spec(study: Study, *, probabilistic: bool | None = None) -> RunSpec:
    """What the workers need; probabilistic (default: the study's setting) draws each
    replicate's parameters."""
    drawn = study.spec.uncertainty if probabilistic is None else probabilistic
    return RunSpec(
        population=study.population, params=study.params, policies=study.policies,
        calibrations=study.calibrations, n_months=study.n_months, go_live=study.go_live,
        snapshots=study.snapshot_months, seed=study.spec.seed,
        reservoir_replicates=study.spec.reservoir_replicates,
        uncertainty=study.uncertainty if drawn else None,
        calibration_specs=study.calibration_specs, block_size=study.spec.block_size,
    )


def _events_only(study: Study, folder: Path, jobs: int, backend: str,
                 progress: bool | None) -> None:
    """The companion replicates at the central values on the first seeds of the run (common
    random numbers: replicate r's world is the probabilistic replicate r's), saved as a
    results folder of its own: the events-only figures of target.csv."""
    results = new_results(study)
    results.capacity = study.events_only_runs
    spec = run_spec(study, probabilistic=False)
    spec.reservoir_replicates = 0
    folder.mkdir(exist_ok=True)
    checkpoints = folder.with_name(folder.name + "_checkpoints")
    run(spec, results, study.events_only_runs, study.spec.chunk_size, checkpoints, jobs,
        backend, progress, label="simulating the events-only companion")
    results.save(folder)
    shutil.rmtree(checkpoints, ignore_errors=True)


def write_draws(study: Study, path: Path) -> None:
    """parameter_draws.csv: each replicate's drawn value of every uncertain parameter (a
    multiplier as the factor drawn)."""
    import pandas as pd

    u = study.uncertainty
    rows = [{"replicate": r, **u.draw(study.spec.seed, r)} for r in range(study.spec.runs)]
    with atomic_path(path) as tmp:
        pd.DataFrame(rows, columns=["replicate", *u.names]).to_csv(tmp, index=False)
