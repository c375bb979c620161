"""A probabilistic run (`run --uncertainty`) said so, with its two chances side by side: the
randomness of events alone (the companion at the central values) and events plus the
assumptions drawn per replicate -- in the report and in the terminal alike."""
from __future__ import annotations

import pandas as pd

from sim.outputs.formats import percent
from sim.outputs.markup import note, table
from sim.outputs.roles import ras_policies
from sim.study.results import StudyResults

WHAT_IT_MEANS = (
    "Probabilistic run: each simulated future also draws the uncertain assumptions (every "
    "parameter with a distribution) from their distributions. 'Events only' is the chance on "
    "the same futures with every assumption at its central value; 'events and assumptions' "
    "adds the doubt about the assumptions themselves, so it is the one to quote.")


def is_probabilistic(target: pd.DataFrame) -> bool:
    return "prob_meet_target_events_only" in target.columns


def side_by_side(results: StudyResults, target: pd.DataFrame, year: str) -> pd.DataFrame:
    """One row per option (numbered as in the report): mean savings and the chance of
    meeting the target, events only beside events and assumptions."""
    names = [results.policies[i]["name"] for i in ras_policies(results)]
    rows = target[(target["financial_year"] == year) & target["policy"].isin(names)]
    return pd.DataFrame({
        "number": [str(names.index(n) + 1) for n in rows["policy"]],
        "policy": rows["policy"].to_list(),
        "savings_events_only_mean": rows["savings_events_only_mean"].to_list(),
        "savings_mean": rows["savings_mean"].to_list(),
        "prob_meet_target_events_only": rows["prob_meet_target_events_only"].to_list(),
        "prob_meet_target": rows["prob_meet_target"].to_list(),
    })


def section(results: StudyResults, target: pd.DataFrame, year: str) -> str:
    """The report's section ('' for a fixed run)."""
    if not is_probabilistic(target):
        return ""
    shown = side_by_side(results, target, year).rename(columns={
        "savings_mean": "mean savings, events and assumptions",
        "savings_events_only_mean": "mean savings, events only",
        "prob_meet_target": "chance of meeting target, events and assumptions"})
    return "\n".join([
        "<h2 id='uncertainty'>How sure: events only, and events and assumptions</h2>",
        note(WHAT_IT_MEANS),
        table(shown, f"Chance of meeting the target in {year}, two ways",
              kinds={"number": "text", "mean savings, events and assumptions": "gbp",
                     "mean savings, events only": "gbp",
                     "chance of meeting target, events and assumptions": "pct"}),
    ])


def terminal_lines(results: StudyResults, target: pd.DataFrame, year: str) -> list[str]:
    """What `run-sim run --uncertainty` prints after the headline ([] for a fixed run)."""
    if not is_probabilistic(target):
        return []
    lines = ["probabilistic run (--uncertainty): chance of meeting the target in "
             f"{year}, events only vs events and assumptions",
             f"  {'option':<46}{'events only':>13}{'events + assumptions':>22}"]
    for r in side_by_side(results, target, year).itertuples():
        lines.append(f"  {r.number + '. ' + r.policy:<46}"
                     f"{percent(r.prob_meet_target_events_only):>13}"
                     f"{percent(r.prob_meet_target):>22}")
    return lines
