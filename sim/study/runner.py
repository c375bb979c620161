"""A study run from start to finish: results folder, replicates, tables, report, manifest."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from sim.errors import InputError
from sim.study.manifest import build_manifest, now, write_json_atomic
from sim.study.montecarlo import RunSpec, run
from sim.study.results import StudyResults
from sim.study.study_file import Study

RUN_KEY = "run.json"  # identity of a run, checked on --resume



def _identity(study: Study) -> dict:
    return {"study_text": study.text, "seed": study.spec.seed, "runs": study.spec.runs,
            "chunk_size": study.spec.chunk_size, "population_sha256": study.population.sha256}


def prepare_output(out: Path, study: Study, *, resume: bool, overwrite: bool) -> None:
    """Make sure the folder may be written: never silently overwrite another run."""
    ident = out / RUN_KEY
    if resume:
        if not ident.exists():
            raise InputError(f"{out}: nothing to resume (no {RUN_KEY}); run without --resume")
        if json.loads(ident.read_text(encoding="utf-8")) != _identity(study):
            raise InputError(f"{out}: --resume needs the same study file, seed, runs and "
                             "population as the interrupted run")
        if not (out / "checkpoints").exists():
            raise InputError(f"{out}: this run is complete, nothing to resume (use --overwrite "
                             "to run it again, or `report` to rebuild its tables)")
        return
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise InputError(f"{out}: results folder exists; use --resume to continue it, "
                             "--overwrite to replace it, or --out for another folder")
        shutil.rmtree(out)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    write_json_atomic(ident, _identity(study))


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
                "seed": study.spec.seed, "runs": study.spec.runs,
                "go_live": study.spec.go_live, "horizon_end": study.spec.horizon_end,
            },
            "assumptions": assumptions(study),
            "calibrations": {k: est.fitted_summary() for k, est in study.calibrations.items()},
            "transitions": {k: t.description for k, t in study.transitions.items()},
        },
    )


def assumptions(study: Study) -> list[dict[str, str]]:
    """Every parameter section with its source, plus the study's overrides."""
    rows = []
    for name, section in study.params:
        if hasattr(section, "source"):
            rows.append({"section": name, "source": section.source})
    for path, value in study.overrides.items():
        rows.append({"section": f"override {path}", "source": f"study file: {value!r}"})
    return rows


def run_study(study: Study, out: Path, *, jobs: int = 1, backend: str = "loky",
              report: bool = True, progress: bool | None = None) -> str:
    """Run the replicates into `out`, write tables (and the report); return a short summary."""
    started = now()
    manifest = build_manifest(study, jobs=jobs, backend=backend, started=started)
    write_json_atomic(out / "manifest.json", manifest)
    spec = RunSpec(
        population=study.population, params=study.params, policies=study.policies,
        calibrations=study.calibrations, n_months=study.n_months, go_live=study.go_live,
        snapshots=study.snapshot_months, seed=study.spec.seed,
        reservoir_replicates=study.spec.reservoir_replicates,
    )
    results = new_results(study)
    results.meta["manifest"] = {k: v for k, v in manifest.items() if k != "study_text"}
    run(spec, results, study.spec.runs, study.spec.chunk_size, out / "checkpoints", jobs,
        backend, progress)
    results.save(out)
    from sim.outputs.finance import spend_table
    from sim.outputs.report import build_report, write_csv

    table = spend_table(results)
    write_csv(table, out / "spend.csv")
    if report:
        build_report(out)
    manifest["finished"] = now()
    write_json_atomic(out / "manifest.json", manifest)
    # the chunks only serve --resume of an interrupted run; a finished run keeps the aggregates
    shutil.rmtree(out / "checkpoints", ignore_errors=True)
    return summary(results, out, table)


def summary(results: StudyResults, out: Path, table) -> str:
    fy = results.meta["study"]["first_full_year"]
    rows = table[(table["financial_year"] == fy)]
    lines = [f"{results.n_replicates} replicates of {len(results.policies)} policies -> {out}",
             f"mean savings in {fy} against status quo (target £{results.meta['study']['target']:,.0f}):"]
    for _, r in rows.iterrows():
        lines.append(f"  {r['policy']:<45} £{r['savings_mean']:>12,.0f}")
    return "\n".join(lines)
