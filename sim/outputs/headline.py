"""The headline: which options meet the savings target in the first full year, with what
chance, and what each costs in people losing -- for the report and the terminal alike."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outputs import describe
from sim.outputs.formats import percent, pounds
from sim.outputs.roles import featured_policy
from sim.outputs.settings import Settings, settings
from sim.study.finance_section import BASELINES
from sim.study.results import StudyResults


def ranked(results: StudyResults, summary: pd.DataFrame, eia: pd.DataFrame) -> pd.DataFrame:
    """The summary with each option's number, whether it meets the target (against the
    finance baseline, by the study's rule) and how many people lose more than 10%, most
    likely to meet the target first (then most saved)."""
    s = settings(results)
    names = [p["name"] for p in results.policies]
    people = eia[eia["characteristic"] == "all"].set_index("policy")["count"]
    out = summary.assign(
        number=[describe.number(results, names.index(n)) for n in summary["policy"]],
        meets_target=[s.meets(x) for x in summary["prob_meet_target"]],
        meets_vs_status_quo=[s.meets(x) for x in summary["prob_meet_target_vs_status_quo"]],
        people_lose10=[summary_people(people, r) for _, r in summary.iterrows()])
    return out.sort_values(["prob_meet_target", "savings_mean"], ascending=False, kind="stable")


def summary_people(people: pd.Series, row: pd.Series) -> float:
    return float(people.get(row["policy"], np.nan) * row["share_lose10"])


def _cost_in_people(r: pd.Series) -> str:
    if not np.isfinite(r["share_lose10"]):
        return "people losing not known"
    about = f", about {r['people_lose10']:,.0f} people" if np.isfinite(r["people_lose10"]) else ""
    return (f"{percent(r['share_lose10'])} of existing users{about}, lose more than 10% of "
            "their own budget in cash")


def _saving(x: float) -> str:
    return f"mean saving {pounds(x)}" + (" (an extra cost)" if x < 0 else "")


def _verdict(r: pd.Series) -> str:
    return "meets the target" if r["meets_target"] else "does not meet the target"


def _option(r: pd.Series) -> str:
    return (f"{r['number']}. {r['policy']}: {_verdict(r)}, {percent(r['prob_meet_target'])} "
            f"chance, {_saving(r['savings_mean'])}; {_cost_in_people(r)}")


def _numbers(rows: pd.DataFrame, chance: str) -> str:
    """'3, 8 (95%, 92%)': option numbers and their chances, or 'none'."""
    if not len(rows):
        return "none"
    lo, hi = percent(rows[chance].min()), percent(rows[chance].max())
    chances = (", ".join(percent(x) for x in rows[chance]) if len(rows) <= 3
               else f"each {lo}" if lo == hi else f"chances {lo} to {hi}")
    return f"{', '.join(str(n) for n in rows['number'])} ({chances})"


def verdicts(table: pd.DataFrame, s: Settings, chance: str = "prob_meet_target",
             meets: str = "meets_target") -> str:
    """Every option's verdict in one sentence (no capital: it follows a clause): which meet
    the target, and the range of the others' chances, so an option short of the rule is
    never listed as meeting it."""
    yes, no, n = table[table[meets]], table[~table[meets]], len(table)
    rule = f"the {pounds(s.target)} target (saving it {s.meets_words})"
    if not len(yes):
        return (f"none of the {n} options meets {rule}: their chances are "
                f"{percent(no[chance].min())} to {percent(no[chance].max())}.")
    if not len(no):
        return f"all {n} options meet {rule}: options {_numbers(yes, chance)}."
    return (f"{len(yes)} of the {n} options meet{'s' * (len(yes) == 1)} {rule}: options "
            f"{_numbers(yes, chance)}; the other {len(no)} do{'es' * (len(no) == 1)} not "
            f"(chances {percent(no[chance].min())} to {percent(no[chance].max())}).")


@dataclass(frozen=True)
class Headline:
    """The headline in plain text (not HTML): a lead naming the finance baseline, every
    option's verdict, one line per option meeting the target (or the likeliest, if none
    does), the recommended option's result and the do-nothing view."""

    lead: str
    options_intro: str
    options: list[str]
    recommended: str | None
    do_nothing: str = ""


def _judged(results: StudyResults, s: Settings) -> str:
    return s.baseline_words(describe.base_budget_year(results))


def headline_text(results: StudyResults, s: Settings, table: pd.DataFrame) -> Headline:
    """`table` as `ranked` returns it."""
    when = (f"In {s.first_full_year}, the first full financial year after go-live "
            f"({describe.go_live(results)}), judged {_judged(results, s)}")
    if not len(table):
        return Headline(f"{when}, the study has no option besides the status quo.", "", [], None)
    meets = table[table["meets_target"]]
    intro, rows = ("Meeting it:", meets) if len(meets) else ("The likeliest:", table.iloc[:1])
    options = [_option(r) for _, r in rows.iterrows()]
    return Headline(f"{when}, {verdicts(table, s)}", intro, options, _recommended(results, table),
                    _do_nothing(table, s))


def _recommended(results: StudyResults, table: pd.DataFrame) -> str | None:
    rec = featured_policy(results)
    if not results.policies[rec].get("recommended"):
        return None
    r = table[table["policy"] == results.policies[rec]["name"]].iloc[0]
    return (f"The recommended option, {r['number']}. {r['policy']} "
            f"({describe.description(results, rec)}), "
            f"{'meets' if r['meets_target'] else 'does not meet'} the target: "
            f"{percent(r['prob_meet_target'])} chance, {_saving(r['savings_mean'])}; "
            f"{_cost_in_people(r)}.")


def _do_nothing(table: pd.DataFrame, s: Settings) -> str:
    """The second, labelled view: against doing nothing (the status quo on the same futures,
    its cost per head still rising), which the finance baseline does not count as savings."""
    if s.finance_baseline == "status_quo":
        return ""
    return ("A second view, against doing nothing (the status quo on the same simulated futures, "
            "its cost per head still rising): "
            + verdicts(table, s, "prob_meet_target_vs_status_quo", "meets_vs_status_quo"))


def _share(x: float) -> str:
    return percent(x) if np.isfinite(x) else "–"


def _money(x: float) -> str:
    return f"{'-' if x < 0 else ''}£{abs(x):,.0f}"


def headline(results: StudyResults, out: Path | str, tables: Mapping[str, pd.DataFrame]) -> str:
    """What `run-sim run` prints when it finishes: every option's mean savings beside its
    chance of meeting the target and its verdict, against the finance baseline (named), the
    do-nothing chance beside them, the sign convention and the verdicts.  `tables` are the
    ones already built (the summary and EIA tables are read; none is rebuilt)."""
    s = settings(results)
    table = ranked(results, tables["summary"], tables["eia"])
    lines = [f"{results.n_replicates} replicates of {len(results.policies)} policies -> {out}",
             (f"{s.first_full_year}, savings judged {_judged(results, s)}; target "
              f"£{s.target:,.0f} a year at {s.first_full_year} prices; positive = spends less, "
              "negative = costs more"),
             (f"  {'option':<42}{'mean savings':>13}{'chance':>8} {'verdict':<10}"
              f"{'vs doing nothing':>17}{'losing >10%':>12}")]
    for _, r in table.iterrows():
        flag = "meets" if r["meets_target"] else "not met"
        lines.append(f"  {str(r['number']) + '. ' + str(r['policy']):<42}"
                     f"{_money(r['savings_mean']):>13}{percent(r['prob_meet_target']):>8} "
                     f"{flag:<10}{percent(r['prob_meet_target_vs_status_quo']):>17}"
                     f"{_share(r['share_lose10']):>12}")
    lines.append("losing >10%: existing users whose own budget one year after go-live is more "
                 "than 10% below their budget just before go-live, in cash")
    lines.append(f"Against {BASELINES[s.finance_baseline]}, {verdicts(table, s)}")
    if s.finance_baseline != "status_quo":
        lines.append(_do_nothing(table, s))
    return "\n".join(lines)
