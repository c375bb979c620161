"""search_report.md: the options on the confirmed frontier, recommended for consideration,
each with its finance and EIA tables from the confirmation run and its ready-to-run blocks."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.search.confirm import option_blocks, toml_text
from sim.analysis.search.file import Search
from sim.analysis.search.markdown import md_block, md_code, md_text
from sim.analysis.search.metrics import METRICS
from sim.outputs.equalities import winners_losers_table
from sim.outputs.finance import target_table
from sim.outputs.formats import pounds
from sim.study.results import StudyResults


def _cell(v: Any, column: str = "") -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, float, np.number)):
        if not np.isfinite(v):
            return "–"
        if any(w in column for w in ("savings", "cost", "target_gbp")):
            return pounds(v)
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    return md_text(v)


def md_table(df: pd.DataFrame) -> str:
    """A table as Markdown."""
    head = "| " + " | ".join(md_text(c) for c in df.columns) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(_cell(v, str(c)) for c, v in row.items()) + " |"
            for _, row in df.iterrows()]
    return "\n".join([head, rule, *body])


def describe_search(search: Search, trials: pd.DataFrame) -> list[str]:
    s = search.spec
    rule = "; ".join(f"{c.output} {'>=' if c.at_least is not None else '<='} "
                     f"{c.at_least if c.at_least is not None else c.at_most}"
                     for c in search.constraints) or "none"
    aims = "; ".join(f"{o.direction} {o.output} ({METRICS[o.output].description})"
                     for o in search.objectives)
    levers = ", ".join(md_code(lv.path) + " in " + md_text(list(lv.choices)
                                                          if lv.kind == "categorical"
                                                          else f"[{lv.low:g}, {lv.high:g}]")
                       for lv in search.levers)
    return [f"# Options search: {md_text(s.name)}", "",
            *([md_text(s.description), ""] if s.description else []),
            (f"Base: calibration {md_code(s.calibration)} and transition "
             f"{md_code(s.transition)} of {md_code(search.study.path.name)}; levers: {levers}."),
            f"Constraint ({md_text(search.year)}): {md_text(rule)}. Objectives: {md_text(aims)}.",
            (f"{len(trials)} trials in generations of {s.batch} (Optuna NSGA-II, seed {s.seed}), "
             f"each on the same {s.runs} replicates (common random numbers); "
             f"{int(trials['feasible'].sum())} met the constraint."), ""]


def no_frontier_message(search: Search, trials: pd.DataFrame) -> str:
    """Why the frontier is empty, with the closest any trial came."""
    if search.constraints and not trials["feasible"].any():
        best = trials.loc[trials["violation"].idxmin()] if trials["violation"].notna().any() \
            else None
        near = ("" if best is None else f"; the closest was trial {int(best['trial'])}, "
                + ", ".join(f"{c.output} = {best[c.output]:.3g}" for c in search.constraints))
        return (f"No candidate met the constraint in {len(trials)} trials{near}. The frontier is "
                "empty: widen the levers' ranges or relax the constraint.")
    return ("No option of the search's front stayed feasible when re-run on fresh seeds: the "
            "front's estimates were luck. Run more replicates per trial (--runs).")


def write_report(search: Search, trials: pd.DataFrame, confirmed: pd.DataFrame,
                 results: StudyResults | None) -> str:
    """The report section (Markdown)."""
    lines = describe_search(search, trials)
    front = confirmed[confirmed["on_frontier"]] if len(confirmed) else confirmed
    if front.empty:
        return "\n".join(lines + ["**" + md_text(no_frontier_message(search, trials)) + "**", ""])
    cols = ["label", *[lv.path for lv in search.levers], *search.outputs]
    intro = (f"The {len(front)} options below are recommended for consideration: feasible and "
             f"non-dominated when re-run on fresh seeds (seed {search.confirm_seed}, "
             f"{search.spec.confirm_runs} replicates) beside the shipped scenarios on the same "
             "worlds. The figures are that run's, never the search's own (the best of many noisy "
             "estimates flatters itself). Each option trades one objective against another; "
             "none is better on all. Full tables: `confirm/report.html`, `confirm/target.csv`, "
             "`confirm/winners_losers.csv`.")
    lines += [intro, "",
              "## Confirmed frontier", "", md_table(front[cols]), "",
              "## Shipped scenarios (reference, same run)", "",
              md_table(confirmed[confirmed["role"] == "reference"][["label", *search.outputs]]), ""]
    fin, wl = target_table(results), winners_losers_table(results)
    for _, row in front.iterrows():
        lines += _option_section(search, row, fin, wl)
    return "\n".join(lines)


def _option_section(search: Search, row: pd.Series, fin: pd.DataFrame,
                    wl: pd.DataFrame) -> list[str]:
    name = row["label"]
    cals, trs = option_blocks(search, pd.DataFrame([row]))
    blocks = (toml_text({name: cals["option_1"]}) + toml_text({name: trs["option_1"]}))
    f = fin[fin["policy"] == row["policy"]][[
        "financial_year", "savings_mean", "savings_p5", "savings_p95", "prob_meet_target",
        "protection_cost", "community_spend_change_share", "residential_cost_vs_baseline"]]
    e = wl[(wl["policy"] == row["policy"]) & (wl["protected_characteristic"] != "")
           & ~wl["suppressed"]][["protected_characteristic", "group_label", "count",
                                 "share_lose_over10", "rr_lose10", "rr_lose10_lo", "rr_lose10_hi"]]
    return [f"## {md_text(name)} (trial {int(row['trial'])})", "",
            "Finance (savings against the status quo on the same worlds):", "", md_table(f), "",
            ("Equalities (one year after go-live; groups under the publication threshold "
             "suppressed):"), "", md_table(e), "",
            "Ready to run (calibration block, then transition block):", "",
            md_block(blocks.strip(), "toml"), ""]
