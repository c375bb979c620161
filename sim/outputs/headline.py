"""The headline: which options meet the savings target in the first full year, with what
chance, and what each costs in people losing -- for the report and the terminal alike."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outputs import describe
from sim.outputs.formats import pounds
from sim.outputs.markup import percent
from sim.outputs.roles import featured_policy
from sim.outputs.settings import Settings, settings
from sim.study.results import StudyResults


def ranked(res: StudyResults, summary: pd.DataFrame, eia: pd.DataFrame) -> pd.DataFrame:
    """The summary with each option's number, whether it meets the target and how many people
    lose more than 10%, most likely to meet the target first (then most saved)."""
    names = [p["name"] for p in res.policies]
    people = eia[eia["characteristic"] == "all"].set_index("policy")["count"]
    out = summary.assign(
        number=[describe.number(res, names.index(n)) for n in summary["policy"]],
        meets_target=summary["prob_meet_target"] >= describe.MEETS,
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


def _option(r: pd.Series) -> str:
    return (f"{r['number']}. {r['policy']}: {percent(r['prob_meet_target'])} chance, "
            f"{_saving(r['savings_mean'])}; {_cost_in_people(r)}")


@dataclass(frozen=True)
class Headline:
    """The headline in plain text (not HTML): a lead, one line per option meeting the target
    (or the likeliest, if none does), and the recommended option's result."""

    lead: str
    options: list[str]
    recommended: str | None


def headline_text(res: StudyResults, s: Settings, table: pd.DataFrame) -> Headline:
    """`table` as `ranked` returns it."""
    when = (f"In {s.first_full_year}, the first full financial year after go-live "
            f"({describe.go_live(res)})")
    meets = table[table["meets_target"]]
    if len(meets):
        lead = (f"{when}, {len(meets)} of the {len(table)} options meet the {pounds(s.target)} "
                "savings target:")
        options = [_option(r) for _, r in meets.iterrows()]
    elif len(table):
        lead = (f"{when}, none of the {len(table)} options meets the {pounds(s.target)} savings "
                "target; the likeliest:")
        options = [_option(table.iloc[0])]
    else:
        return Headline(f"{when}, the study has no option besides the status quo.", [], None)
    rec = featured_policy(res)
    recommended = None
    if res.policies[rec].get("recommended"):
        r = table[table["policy"] == res.policies[rec]["name"]].iloc[0]
        verdict = "meets" if r["meets_target"] else "does not meet"
        recommended = (f"The recommended option, {r['number']}. {r['policy']} "
                       f"({describe.description(res, rec)}), {verdict} the target: "
                       f"{percent(r['prob_meet_target'])} chance, {_saving(r['savings_mean'])}; "
                       f"{_cost_in_people(r)}.")
    return Headline(lead, options, recommended)


def _money(x: float) -> str:
    return f"{'-' if x < 0 else ''}£{abs(x):,.0f}"


def headline(results: StudyResults, out: Path | str) -> str:
    """What `run-sim run` prints when it finishes: every option's mean savings beside its
    chance of meeting the target, the sign convention and the headline sentence."""
    from sim.outputs.equalities import eia_table
    from sim.outputs.finance import target_table
    from sim.outputs.summary import summary_table

    s = settings(results)
    eia = eia_table(results)
    table = ranked(results, summary_table(results, target_table(results), eia), eia)
    lines = [f"{results.n_replicates} replicates of {len(results.policies)} policies -> {out}",
             (f"{s.first_full_year} against the status quo (target £{s.target:,.0f} a year); "
              "savings: positive = spends less, negative = costs more"),
             f"  {'option':<46}{'mean savings':>14}{'chance of target':>18}{'losing >10%':>13}"]
    for _, r in table.iterrows():
        flag = "meets" if r["meets_target"] else ""
        lines.append(f"  {str(r['number']) + '. ' + str(r['policy']):<46}"
                     f"{_money(r['savings_mean']):>14}{percent(r['prob_meet_target']):>11} {flag:<6}"
                     f"{percent(r['share_lose10']) if np.isfinite(r['share_lose10']) else '–':>13}")
    meets = table[table["meets_target"]]
    lines.append("losing >10%: existing users whose own budget one year after go-live is more "
                 "than 10% below their budget just before go-live, in cash")
    lines.append(f"{len(meets)} of {len(table)} options meet the target (numbers "
                 f"{', '.join(str(n) for n in meets['number']) or 'none'}): "
                 + describe.MEETS_RULE.split(" means ", 1)[1])
    return "\n".join(lines)
