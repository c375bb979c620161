"""report.html, section by section: summary, finance, equalities, then method and sources.

Each section is a function of the results and the tables already computed, so the
page shows exactly the numbers in the CSV files and the workbook.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.inputs.categories import TITLES
from sim.outputs.formats import pounds
from sim.outputs.markup import CSS, esc, formatted, img, note, table
from sim.outputs.roles import featured_policy, unprotected_transitions
from sim.outputs.settings import Settings, settings
from sim.study.results import StudyResults

SUMMARY_COLUMNS = ["policy", "savings_mean", "savings_p5", "savings_p95", "prob_meet_target",
                   "prob_meet_target_se", "share_lose10", "largest_rr_lose", "largest_rr_lo",
                   "largest_rr_hi", "largest_rr_group"]
TARGET_COLUMNS = ["policy", "savings_mean", "savings_p5", "savings_p95", "prob_meet_target",
                  "prob_meet_target_se", "protection_cost", "admissions_vs_baseline",
                  "residential_cost_vs_baseline", "community_spend_change_share", "cost_neutral"]
GROUP_COLUMNS = ["characteristic", "group_label", "count", "mean_change_gbp", "mean_change_pct",
                 "median_change_pct", "share_lose10", "share_gain", "rr_lose", "rr_lose_lo",
                 "rr_lose_hi", "alloc_per_point_before", "alloc_per_point_after", "suppressed"]


def render(res: StudyResults, tables: dict[str, pd.DataFrame], figures: list[Path]) -> str:
    """The whole page; `tables` as written to the workbook, `figures` as saved."""
    s, fig = settings(res), {p.name: p for p in figures}
    parts = [
        _header(res, s),
        _summary(s, tables["summary"]),
        _finance(res, s, tables["target"], fig),
        _equalities(res, s, tables["eia"], tables["disparity"], fig),
        _method(tables["run"]),
        _assumptions(tables["assumptions"]),
        _manifest(tables["manifest"]),
        "</body></html>",
    ]
    return "\n".join(parts)


def _header(res: StudyResults, s: Settings) -> str:
    return "\n".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(s.name)}: personal budgets RAS study</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Personal budgets: RAS calibration and transition study '{esc(s.name)}'</h1>",
        note(f"{res.n_replicates} simulated futures (Monte Carlo replicates), seed {s.seed}. "
             "Savings are against the status quo on the same simulated future. "
             f"Savings target: {pounds(s.target)} a year; first full year after go-live: "
             f"{s.first_full_year}."),
    ])


def _summary(s: Settings, summary: pd.DataFrame) -> str:
    return "\n".join([
        "<h2>Summary</h2>",
        note(f"One row per policy; savings and the chance of meeting the target are for "
             f"{s.first_full_year}. 'Losing >10%': share of current users whose budget one year "
             "after go-live is more than 10% below what the status quo would give them. "
             "'Largest relative risk': the protected-characteristic group most over-represented "
             "among people losing more than 5%, against everyone else "
             "(1 = no over-representation)."),
        table(summary[SUMMARY_COLUMNS]),
    ])


def _by_year(target: pd.DataFrame, column: str) -> pd.DataFrame:
    """Policies down, financial years across (input order kept)."""
    wide = target.pivot_table(index="policy", columns="financial_year", values=column, sort=False)
    return wide.reset_index()


def _protection_note(res: StudyResults, s: Settings) -> str:
    """How protection is priced, naming the study's own unprotected transitions."""
    names = " or ".join(f"'{n}'" for n in unprotected_transitions(res))
    comparator = (f"the {names} transition (everyone moved straight to the indicative budget)"
                  if names else "a transition without protection (none was run, so it is blank)")
    return note(f"Cost of transitional protection: mean savings of the same calibration under "
                f"{comparator} minus this policy's. Cost neutral: community spend within "
                f"{s.cost_neutral_tolerance:.0%} of the status quo. Spend includes residential "
                "care of people admitted during the run.")


def _savings_views_note(target: pd.DataFrame) -> str:
    """What the two savings views and the parts of spend mean."""
    years = target["base_budget_year"].dropna()
    year = esc(years.iloc[0]) if len(years) else "the year before the first full year"
    return note(
        "Savings above are against the status quo run on the same simulated world. target.csv "
        "also judges them as council finance does, against the base budget: the status quo's "
        f"community spend in {year} uplifted by the price award each year, minus the policy's "
        "community spend and the extra residential care it causes (columns ending "
        "'vs_base_budget'); this also counts the growth in demand and cost per head the status "
        "quo brings. spend.csv gives community spend, residential care of people admitted "
        "during the run (by client group, from admission to death) and of people already in "
        "care at the start (only when [residential_stock] is enabled; off by default), and "
        "their total.")


def _finance(res: StudyResults, s: Settings, target: pd.DataFrame, fig: dict[str, Path]) -> str:
    ras = target[target["policy"] != res.policies[res.baseline_index]["name"]]
    year = s.first_full_year
    return "\n".join([
        "<h2>Finance</h2>",
        img(fig["savings_distribution.png"], "Savings distribution per policy against the target"),
        f"<h3>Detail for {esc(year)}</h3>",
        table(target[target["financial_year"] == year][TARGET_COLUMNS]),
        _protection_note(res, s),
        _savings_views_note(target),
        "<h3>Mean savings by financial year</h3>",
        table(formatted(_by_year(ras, "savings_mean"), "gbp")),
        "<h3>Chance of meeting the target by financial year</h3>",
        table(formatted(_by_year(ras, "prob_meet_target"), "pct")),
        img(fig["spend_fan.png"], "Monthly spend forecast per policy"),
        img(fig["policy_map.png"], "Policy map: savings against people losing out"),
        note("Full tables: target.csv, spend.csv and results.xlsx."),
    ])


def _equalities(res: StudyResults, s: Settings, eia: pd.DataFrame, disparity: pd.DataFrame,
                fig: dict[str, Path]) -> str:
    featured = res.policies[featured_policy(res)]["name"]
    by_client = eia[eia["characteristic"] == "client_group"].pivot_table(
        index="policy", columns="group_label", values="share_lose10", sort=False).reset_index()
    groups = eia[eia["policy"] == featured][GROUP_COLUMNS].assign(
        characteristic=lambda d: d["characteristic"].map(lambda c: TITLES.get(c, c)))
    return "\n".join([
        "<h2>Equalities</h2>",
        note("Budget change is the policy against the status quo, one year after go-live, for "
             "people already using services at go-live and still in the community under both. "
             f"Groups of fewer than {s.suppress_below:g} people are suppressed (shown as –). "
             "The ban on age discrimination in services (1 October 2012) means an "
             "age-differentiated price per point needs objective justification."),
        img(fig["change_by_group.png"], "Budget change by group"),
        img(fig["winners_losers.png"], "Winners and losers by group"),
        "<h3>Share losing more than 10% by client group</h3>",
        table(formatted(by_client, "pct")),
        img(fig["disparity.png"], "Younger/older disparity before and after"),
        table(disparity[disparity["snapshot"] == "first_year"].drop(
            columns=["snapshot", "calibration", "transition"])),
        f"<h3>Every group for {esc(featured)} (every policy is in eia.csv)</h3>",
        table(groups),
    ])


def _method(run: pd.DataFrame) -> str:
    return "\n".join([
        "<h2>Method and assumptions</h2>",
        note("Agent-based model of service users; every policy in a replicate shares one "
             "simulated world (common random numbers); calibrations fitted on current users; "
             "transitions applied at reviews. Intervals are percentiles across replicates."),
        table(run),
    ])


def _assumptions(assumptions: pd.DataFrame) -> str:
    return "\n".join(["<h3>Every assumption and its source</h3>", table(assumptions)])


def _manifest(manifest: pd.DataFrame) -> str:
    return "\n".join(["<h3>Manifest</h3>", table(manifest)])
