"""An options search from start to finish: trials, the front, its confirmation, the outputs."""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.search import page
from sim.analysis.search.confirm import (
    CONFIRM_DIR,
    OPTIONS_DIR,
    option_name,
    run_confirmation,
    write_options,
)
from sim.analysis.search.figure import frontier_figure
from sim.analysis.search.file import Search
from sim.analysis.search.frontier import costs, non_dominated, search_front
from sim.analysis.search.report import describe_search, no_frontier_message, write_report
from sim.analysis.search.run import SearchCheckpoints, run_search
from sim.atomic import atomic_path
from sim.outputs.tables import write_csv
from sim.study import run_folder
from sim.study.montecarlo import Progress


@dataclass
class SearchOutcome:
    trials: pd.DataFrame
    confirmed: pd.DataFrame   # options re-run and references, with on_frontier
    message: str              # the frontier in a sentence, or why it is empty
    seconds: dict[str, float]  # wall time of the trials and of the confirmation

    @property
    def pareto(self) -> pd.DataFrame:
        return self.confirmed[self.confirmed["on_frontier"]]


def confirmed_table(search: Search, front: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Options (with their search estimates) and references with their confirmed figures;
    on_frontier: feasible and non-dominated among the confirmed options."""
    rows = []
    for i, r in enumerate(front.to_dict("records")):
        name = option_name(i)
        rows.append({"label": name, "policy": f"{name}+{name}", "role": "option",
                     "trial": int(r["trial"]), **{lv.path: r[lv.path] for lv in search.levers},
                     **{f"search_{k}": r[k] for k in search.outputs}})
    for t in search.study.transitions:
        rows.append({"label": t, "policy": f"{search.spec.calibration}+{t}", "role": "reference"})
    table = pd.DataFrame(rows, dtype=object)  # lever values keep their type (int, bool, list)
    table["trial"] = pd.array(table["trial"], dtype="Int64")
    for k in search.outputs:
        table[k] = table["policy"].map(figures[k]).astype(float)
    ok = np.ones(len(table), bool)
    for c in search.constraints:
        ok &= np.array([c.violation(v) <= 0 for v in table[c.output]])
    table["feasible"] = ok & np.all(np.isfinite(costs(search, table)), axis=1)
    cand = (table["role"] == "option") & table["feasible"]
    table["on_frontier"] = False
    table.loc[cand, "on_frontier"] = non_dominated(costs(search, table[cand]))
    return table


def execute(search: Search, out: Path, *, jobs: int = 1, resume: bool = False,
            progress: bool | None = None, backend: str = "loky") -> SearchOutcome:
    """Run the search into the opened folder `out` (sim.study.lifecycle) and write its
    outputs; its confirmation folder is locked too, for the whole search (no other run may
    take it)."""
    confirm = out / CONFIRM_DIR
    try:
        with run_folder.locked(confirm):
            return _execute(search, out, jobs=jobs, resume=resume, progress=progress,
                            backend=backend)
    finally:
        if confirm.is_dir() and [p.name for p in confirm.iterdir()] == [run_folder.LOCK]:
            shutil.rmtree(confirm)  # no front, nothing confirmed: leave no empty folder


def _execute(search: Search, out: Path, *, jobs: int, resume: bool,
             progress: bool | None, backend: str) -> SearchOutcome:
    spec = search.spec
    bar = Progress(-(-spec.trials // spec.batch) * spec.runs, 0, progress,
                   label="searching", jobs=jobs)
    t0 = time.perf_counter()
    try:
        trials = run_search(search, SearchCheckpoints(out / "checkpoints"), jobs=jobs,
                            backend=backend, on_replicate=bar.update)
    finally:
        bar.close()
    write_csv(trials, out / "trials.csv")
    t1 = time.perf_counter()
    front = search_front(search, trials)
    results, confirmed = None, pd.DataFrame(columns=["role", "on_frontier"])
    if len(front):
        study_file = write_options(search, front, out / OPTIONS_DIR)
        results, figures = run_confirmation(search, study_file, out / CONFIRM_DIR, jobs=jobs,
                                            resume=resume, progress=progress, backend=backend)
        confirmed = confirmed_table(search, front, figures)
    outcome = SearchOutcome(trials, confirmed, _message(search, trials, confirmed),
                            {"trials": t1 - t0, "confirmation": time.perf_counter() - t1})
    _write_outputs(search, out, outcome, results)
    shutil.rmtree(out / "checkpoints", ignore_errors=True)
    return outcome


def _message(search: Search, trials: pd.DataFrame, confirmed: pd.DataFrame) -> str:
    front = confirmed[confirmed["on_frontier"]] if len(confirmed) else confirmed
    if front.empty:
        return no_frontier_message(search, trials)
    return (f"{len(front)} options on the confirmed frontier ({', '.join(front['label'])}); "
            f"{int(trials['feasible'].sum())} of {len(trials)} trials met the constraint")


def _write_outputs(search: Search, out: Path, outcome: SearchOutcome, results) -> None:
    confirmed = outcome.confirmed
    columns = ["label", "policy", "role", "trial", *[lv.path for lv in search.levers],
               *search.outputs, "feasible", "on_frontier",
               *[f"search_{k}" for k in search.outputs]]
    pareto = outcome.pareto.reindex(columns=columns) if len(confirmed) else \
        pd.DataFrame(columns=columns)
    write_csv(pareto, out / "pareto.csv")
    if len(confirmed):
        write_csv(confirmed.reindex(columns=columns), out / "confirmed.csv")
    empty = confirmed if len(confirmed) else pd.DataFrame(columns=columns)
    frontier_figure(search, outcome.trials, empty, out / "frontier.png")
    with atomic_path(out / "search_report.md") as tmp:
        tmp.write_text(write_report(search, outcome.trials, confirmed, results), encoding="utf-8")
    intro = [t.replace("`", "") for t in describe_search(search, outcome.trials)[1:] if t]
    with atomic_path(out / "search.html") as tmp:
        tmp.write_text(page.render(search, outcome.trials, confirmed, results, intro,
                                   out / "frontier.png"), encoding="utf-8")
