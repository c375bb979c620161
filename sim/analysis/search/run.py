"""The search loop: ask a generation of candidates, run them stacked on the same replicate
worlds, tell the sampler, checkpoint.

Every candidate of every generation is judged on replicates 0..runs-1 of the search seed
(common random numbers): two candidates differ by their levers, never by their luck, so the
optimiser is not chasing noise.  A generation runs as one study whose policies are the
status quo, the candidates and, when the search reads protection_cost, an unprotected
comparator for each distinct calibration (it prices transitional protection, as in a
normal study).  The sampler (Optuna's NSGA-II, seeded from the search seed) is asked a whole
generation before anything is told and told in trial order, so the trials do not depend on
the number of worker processes; a resumed search replays the sampler over its
checkpointed generations and continues exactly as an uninterrupted one would.
"""
from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
from optuna.trial import TrialState

from sim.analysis.search.file import Search
from sim.analysis.search.levers import candidate_calibration, candidate_transition
from sim.analysis.search.metrics import policy_metrics, tallies_read
from sim.atomic import write_json_atomic
from sim.policy.policy import Policy
from sim.policy.transition import Transition
from sim.study.horizon import judged_horizon
from sim.study.checkpoints import INDEX, check_recorded, note, read_index
from sim.study.montecarlo import RunSpec, iterate_chunks
from sim.study.runner import new_results
from sim.study.storage import DamagedFileError, read_json, sha256_of
from sim.study.study_file import Study, StudyError, fit_calibrations

# Moves everyone straight to the indicative budget: prices protection (Transition.unprotected).
UNPROTECTED = Transition(name="unprotected", covers="all", phases=1,
                         description="everyone straight to the indicative budget")


def trial_name(number: int) -> str:
    return f"trial_{number:04d}"


def _fitted(study: Study, name: str, spec: dict[str, Any]) -> Any:
    """One calibration fitted on the current users as the study fits its own (StudyError if
    it cannot be: e.g. no percentile meets the target with that floor)."""
    one = dataclasses.replace(study, calibration_specs={name: spec}, calibrations={})
    fit_calibrations(one)
    return one.calibrations[name]


def stacked_study(search: Search, values: list[dict[str, Any]], names: list[str], *,
                  runs: int, seed: int) -> tuple[Study, dict[str, str]]:
    """The base study with these candidates as its policies (after the status quo and, when
    the search reads protection_cost, one unprotected comparator per distinct calibration),
    and why any candidate could not be built (by name)."""
    base = search.study
    study = dataclasses.replace(
        base, spec=base.spec.model_copy(update={
            "runs": runs, "seed": seed, "chunk_size": runs, "reservoir_replicates": 0,
            "horizon_end": judged_horizon(base, search.year)}),
        calibration_specs={}, calibrations={}, transitions={},
        policies=[p for p in base.policies if p.is_baseline])
    keys: dict[str, str] = {}
    failed: dict[str, str] = {}
    candidates = []
    for name, vals in zip(names, values):
        spec = candidate_calibration(search.base_calibration, search.levers, vals,
                                     base.spec.savings_target)
        key = json.dumps(spec, sort_keys=True)
        if key not in keys:
            cal = f"calibration_{len(keys) + 1}"
            keys[key] = cal
            try:
                study.calibrations[cal] = _fitted(base, cal, spec)
                study.calibration_specs[cal] = spec
                if "protection_cost" in search.outputs:
                    study.policies.append(Policy(f"{cal}+unprotected", cal, UNPROTECTED,
                                                 eligibility=base.eligibility))
            except StudyError as exc:
                failed[key] = str(exc).split(": ", 1)[-1]
        if key in failed:
            failed[name] = failed[key]
            continue
        tr = candidate_transition(search.base_transition, name, search.levers, vals)
        study.transitions[name] = tr
        candidates.append(Policy(name, keys[key], tr, eligibility=base.eligibility))
    study.policies += candidates
    study.transitions["unprotected"] = UNPROTECTED
    return study, {n: failed[n] for n in names if n in failed}


def evaluate(search: Search, values: list[dict[str, Any]], names: list[str], *, runs: int,
             seed: int, jobs: int = 1, backend: str = "loky",
             on_replicate: Callable[[int], None] | None = None) -> pd.DataFrame:
    """The search's outputs for each candidate (index: name; column `error` says why a
    candidate has none), from one run of all of them on the same replicates."""
    study, failed = stacked_study(search, values, names, runs=runs, seed=seed)
    out = pd.DataFrame(index=pd.Index(names, name="policy"), columns=search.outputs, dtype=float)
    out["error"] = pd.Series(failed, dtype=object).reindex(out.index).fillna("")
    if len(failed) == len(names):
        if on_replicate:
            on_replicate(runs)
        return out
    spec = RunSpec(population=study.population, params=study.params, policies=study.policies,
                   calibrations=study.calibrations, n_months=study.n_months,
                   go_live=study.go_live, snapshots=study.snapshot_months, seed=seed,
                   reservoir_replicates=0, block_size=study.spec.block_size,
                   tallies=tallies_read(search.outputs))
    results = new_results(study)
    for chunk in iterate_chunks(spec, runs, runs, None, years=results.years, jobs=jobs,
                                backend=backend, on_replicate=on_replicate):
        results.fold_chunk(chunk)
    metrics = policy_metrics(results, search.outputs, search.year)
    ok = [n for n in names if n not in failed]
    out.loc[ok, search.outputs] = metrics.loc[ok, search.outputs].to_numpy()
    return out


def _sampler_study(search: Search) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.NSGAIISampler(population_size=search.spec.batch,
                                            seed=search.spec.seed)
    directions = ["maximize" if o.direction == "maximise" else "minimize"
                  for o in search.objectives]
    return optuna.create_study(directions=directions, sampler=sampler,
                               study_name=search.spec.name)


def _rows(search: Search, generation: int, numbers: list[int], values: list[dict[str, Any]],
          metrics: pd.DataFrame) -> list[dict[str, Any]]:
    """trials.csv rows of one generation."""
    rows = []
    for number, vals, (_, m) in zip(numbers, values, metrics.iterrows()):
        outputs = {k: float(m[k]) for k in search.outputs}
        violations = [c.violation(outputs[c.output]) for c in search.constraints]
        objectives_ok = all(math.isfinite(outputs[o.output]) for o in search.objectives)
        rows.append({"trial": number, "generation": generation, **vals, **outputs,
                     "violation": max(violations, default=0.0),
                     "feasible": bool(objectives_ok and all(v <= 0 for v in violations)),
                     "error": m["error"] or ("" if objectives_ok else "an objective has no figure")})
    return rows


def _tell(study: optuna.Study, search: Search, trial: optuna.Trial, row: dict[str, Any]) -> None:
    if row["error"]:
        study.tell(trial, state=TrialState.FAIL)
        return
    for i, c in enumerate(search.constraints):
        v = c.violation(row[c.output])
        trial.set_constraint(f"constraint_{i + 1}", v if math.isfinite(v) else 1e300)
    study.tell(trial, [row[o.output] for o in search.objectives])


class SearchCheckpoints:
    """One JSON file per finished generation (its lever values and its trials' rows) and
    an index.json, rewritten atomically after each, with every file's SHA-256.  A generation
    that is unrecorded, damaged, edited or malformed is recomputed (with a one-line note),
    as a run's chunks are (sim.study.checkpoints): a checkpoint is never trusted blindly."""

    FORMAT = "ras-sim search checkpoints 1"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.recorded = self._read_index()

    def path(self, generation: int) -> Path:
        return self.folder / f"generation_{generation:05d}.json"

    def _read_index(self) -> dict[str, str]:
        return read_index(self.folder / INDEX, self.FORMAT, "sha256",
                          "search checkpoint index", "generation")

    def load(self, generation: int, values: list[dict[str, Any]]) -> list[dict] | None:
        """The generation's rows if checkpointed intact for exactly these candidates."""
        p = self.path(generation)
        if not p.exists() and p.name not in self.recorded:
            return None
        try:
            return self._checked(p, values)
        except DamagedFileError as exc:
            note(f"{exc}; recomputing it")
            return None

    def _checked(self, p: Path, values: list[dict[str, Any]]) -> list[dict]:
        check_recorded(p, p.name in self.recorded, self.recorded.get(p.name))
        saved = read_json(p)
        rows = saved.get("rows") if isinstance(saved, dict) else None
        if not (isinstance(rows, list) and len(rows) == len(values)
                and all(isinstance(r, dict) for r in rows)):
            raise DamagedFileError(f"{p}: not a search checkpoint")
        if saved.get("values") != values:
            raise DamagedFileError(f"{p}: saved for other candidates")
        return rows

    def save(self, generation: int, values: list[dict[str, Any]], rows: list[dict]) -> None:
        """Write the generation, then record it in the index (a recorded one is complete)."""
        self.folder.mkdir(exist_ok=True)
        p = self.path(generation)
        write_json_atomic(p, {"values": values, "rows": rows})
        self.recorded[p.name] = sha256_of(p)
        write_json_atomic(self.folder / INDEX, {"format": self.FORMAT, "sha256": self.recorded})


def run_search(search: Search, checkpoints: SearchCheckpoints | None = None, *, jobs: int = 1,
               backend: str = "loky",
               on_replicate: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Every trial of the search (trials.csv), evaluated generation by generation."""
    study = _sampler_study(search)
    dists = {lv.path: lv.distribution() for lv in search.levers}
    spec, rows = search.spec, []
    for g in range(math.ceil(spec.trials / spec.batch)):
        size = min(spec.batch, spec.trials - g * spec.batch)
        asked = [study.ask(dists) for _ in range(size)]
        values = [{lv.path: lv.value(t.params[lv.path]) for lv in search.levers} for t in asked]
        numbers = [t.number for t in asked]
        done = checkpoints.load(g, values) if checkpoints is not None else None
        if done is None:
            metrics = evaluate(search, values, [trial_name(n) for n in numbers], runs=spec.runs,
                               seed=spec.seed, jobs=jobs, backend=backend,
                               on_replicate=on_replicate)
            done = _rows(search, g, numbers, values, metrics)
            if checkpoints is not None:
                checkpoints.save(g, values, done)
        elif on_replicate:
            on_replicate(spec.runs)
        for trial, row in zip(asked, done):
            _tell(study, search, trial, row)
        rows += done
    return pd.DataFrame(rows)
