"""The report's finance section: savings against the target, what protection costs, spend
over time and the trade-off between savings and people losing out."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.outputs import describe
from sim.outputs.formats import formatted, percent, pounds
from sim.outputs.markup import esc, img, note, table
from sim.outputs.roles import featured_policy, ras_policies, unprotected_transitions
from sim.outputs.settings import Settings
from sim.study.finance_section import BASELINES
from sim.study.results import StudyResults

TARGET_COLUMNS = ["number", "policy", "savings_mean", "savings_p5", "savings_p95",
                  "prob_meet_target", "prob_meet_target_se", "protection_cost",
                  "admissions_vs_baseline", "residential_cost_vs_baseline",
                  "community_spend_change_share", "cost_neutral", "fitted_lever",
                  "fitted_lever_value"]
VIEW_COLUMNS = ["number", "policy", "savings_vs_status_quo_mean", "prob_meet_target_vs_status_quo",
                "base_budget_mean", "savings_vs_base_budget_mean",
                "prob_meet_target_vs_base_budget"]


SPLIT_COLUMNS = ["number", "policy", "savings_vs_status_quo_mean", "avoided_creep_mean",
                 "real_reduction_mean", "real_reduction_p5", "real_reduction_p95",
                 "prob_real_reduction_meets_target"]


def finance(results: StudyResults, s: Settings, target: pd.DataFrame, rank: pd.DataFrame,
            fig: dict[str, Path], split: pd.DataFrame | None = None,
            variants: pd.DataFrame | None = None) -> str:
    names = [results.policies[i]["name"] for i in ras_policies(results)]
    ras = target[target["policy"].isin(names)]
    ras = ras.assign(number=[names.index(n) + 1 for n in ras["policy"]])
    year, part = s.first_full_year, describe.part_years(results, s)
    judged = s.baseline_words(describe.base_budget_year(results))
    return "\n".join([
        "<h2 id='finance'>Finance</h2>",
        img(fig["savings_distribution.png"], *_savings_words(results, s, rank)),
        table(ras[ras["financial_year"] == year][TARGET_COLUMNS],
              f"Savings {judged}, protection and care-home costs in {year}",
              kinds={"number": "text"}),
        _protection_note(results, s),
        table(ras[ras["financial_year"] == year][VIEW_COLUMNS],
              f"Savings in {year} against doing nothing (the status quo) and against the base "
              "budget", kinds={"number": "text"}),
        _savings_views_note(target),
        _split_section(results, s, split),
        variants_section(s, variants),
        table(formatted(_by_year(results, s, ras, "savings_mean"), "gbp"),
              f"Mean savings by financial year, {judged}"),
        table(formatted(_by_year(results, s, ras[~ras["financial_year"].isin(part)],
                                 "prob_meet_target"), "pct"),
              "Chance of meeting the target by financial year"),
        note(f"{', '.join(part)} {'is a part year' if len(part) == 1 else 'are part years'} "
             f"(go-live {describe.go_live(results)}): shown for spend, not judged against the "
             "full-year target." if part else ""),
        img(fig["spend_fan.png"], *_fan_words(results)),
        img(fig["policy_map.png"], *_map_words(results, s, rank)),
        note("Full tables: target.csv, spend.csv and results.xlsx."),
    ])


def variants_section(s: Settings, variants: pd.DataFrame | None) -> str:
    """The definitional variants of one option beside it: which part decides the verdict."""
    if variants is None or not len(variants):
        return ""
    base = variants.iloc[0]
    found = " ".join(_flips(variants, view, chance, meets) for view, chance, meets in (
        (f"against {BASELINES[s.finance_baseline]}", "prob_meet_target", "meets_target"),
        ("against doing nothing", "prob_meet_target_vs_status_quo", "meets_vs_status_quo")))
    shown = variants.drop(columns=["finance_baseline"])
    return "\n".join([
        f"<h3 id='variants'>What decides whether {esc(base['transition'])} meets the target</h3>",
        f"<p>{esc(found)}</p>",
        table(shown, f"{base['transition']} and its definitional variants in "
              f"{s.first_full_year}, savings {variants['finance_baseline'].iloc[0]}",
              kinds={"number": "text"}),
        note("The September 2012 report names the phased scenario without defining it, so the "
             "model's reading is an assumption; each variant changes one part of it (gains "
             "phased, capped or paid at once; critical-band protection for ever, one year or "
             "none; losses capped at 10% or 25% a year). 'Losing >10%': share (and number) of "
             "users whose budget one year after go-live is more than 10% below the status "
             "quo's. Full table: variants.csv."),
    ])


def _flips(variants: pd.DataFrame, view: str, chance: str, meets: str) -> str:
    """Which variants change the option's verdict in one view."""
    base, rest = variants.iloc[0], variants.iloc[1:]
    flips = rest[rest[meets] != base[meets]]
    verdict = "meets" if base[meets] else "does not meet"
    return (f"{view[0].upper()}{view[1:]}, {base['number']}. {base['policy']} {verdict} the "
            f"target ({percent(base[chance])} chance); "
            + ("the variants that change that verdict: " + "; ".join(
                f"{r['number']}. {r['definition'] or r['transition']} ({percent(r[chance])})"
                for _, r in flips.iterrows()) if len(flips) else "no variant changes it") + ".")


def split_sentence(results: StudyResults, s: Settings, split: pd.DataFrame) -> str:
    """The one sentence: how much of a saving against doing nothing is avoided creep."""
    year = split[split["financial_year"] == s.first_full_year]
    if not len(year):
        return ""
    featured = results.policies[featured_policy(results)]["name"]
    r = year.set_index("policy").loc[featured] if featured in set(year["policy"]) else year.iloc[0]
    name = featured if featured in set(year["policy"]) else year.iloc[0]["policy"]
    real = r["real_reduction_mean"]
    part = (f"{pounds(real)} a real reduction below current practice without creep" if real >= 0
            else f"{pounds(-real)} more than current practice without creep would spend")
    return (f"In {s.first_full_year}, {pounds(r['avoided_creep_mean'])} of every option's saving "
            "against doing nothing is creep avoided (the rise in cost per head the status quo "
            f"would add at its reviews), not a cut: {name} saves "
            f"{pounds(r['savings_vs_status_quo_mean'])} against doing nothing, "
            f"{pounds(r['avoided_creep_mean'])} of it avoided creep and {part} (chance "
            f"{percent(r['prob_real_reduction_meets_target'])} that the real reduction alone "
            f"reaches {pounds(s.target)}).")


def _split_section(results: StudyResults, s: Settings, split: pd.DataFrame | None) -> str:
    if split is None or not len(split):
        return ""
    names = [results.policies[i]["name"] for i in ras_policies(results)]
    year = split[split["financial_year"] == s.first_full_year]
    year = year.assign(number=[names.index(n) + 1 for n in year["policy"]])
    return "\n".join([
        f"<p id='creep-split'>{esc(split_sentence(results, s, split))}</p>",
        table(year[SPLIT_COLUMNS], f"Savings against doing nothing in {s.first_full_year}: "
              "avoided creep and real reduction", kinds={"number": "text"}),
        note("Avoided creep: the status quo's spend minus that of the status quo without creep "
             "since go-live, on the same simulated futures (parameters.toml "
             "practice.creep_per_review; its distribution reaches 0). Real reduction: the "
             "status quo without creep minus the option's spend, residential care included. "
             "Full table: savings_split.csv."),
    ])


def _by_year(results: StudyResults, s: Settings, target: pd.DataFrame, column: str) -> pd.DataFrame:
    """Options down, financial years across (study order kept), part years labelled."""
    wide = target.pivot_table(index="policy", columns="financial_year", values=column, sort=False)
    wide.columns = [describe.year_heading(results, s, c) for c in wide.columns]
    return wide.reset_index()


def _protection_note(results: StudyResults, s: Settings) -> str:
    """How protection is priced, naming the study's own unprotected transitions."""
    names = " or ".join(f"'{n}'" for n in unprotected_transitions(results))
    comparator = (f"the {names} transition (everyone moved straight to the indicative budget)"
                  if names else "a transition without protection (none was run, so it is blank)")
    return note(f"Cost of transitional protection: mean savings of the same calibration under "
                f"{comparator} minus this option's. A negative cost means the protection saves "
                "money: the transition also holds back increases, or avoids care-home "
                "admissions, so it spends less than moving everyone at once. Cost neutral: "
                f"community spend within {s.cost_neutral_tolerance:.0%} of the status quo. "
                "Spend includes residential care of people admitted during the run.")


def _savings_views_note(target: pd.DataFrame) -> str:
    """What the two savings views and the parts of spend mean."""
    years = target["base_budget_year"].dropna()
    year = esc(years.iloc[0]) if len(years) else "the year before the first full year"
    return note(
        "Two views of savings. Against the base budget, as council finance judges an "
        f"efficiency: the status quo's community spend in {year} uplifted by the price award "
        "each year (and planned demographic growth, when the study says so), minus the "
        "option's community spend and the extra residential care it causes (target.csv "
        "columns ending 'vs_base_budget'). Against doing nothing: the status quo run on the "
        "same simulated world, whose cost per head keeps rising at every review (columns "
        "ending 'vs_status_quo'); part of a saving against it is the rise avoided, not a "
        "cut below today's spend. The study's [finance] baseline names the view the target "
        "is judged in (columns without a suffix). spend.csv gives community spend, "
        "residential care of people "
        "admitted during the run (by client group, from admission to death) and of people "
        "already in care at the start (only when [residential_stock] is enabled; off by "
        "default), and their total.")


def _savings_words(results: StudyResults, s: Settings, rank: pd.DataFrame) -> tuple[str, str]:
    n, k = len(rank), int(rank["meets_target"].sum())
    costly = int((rank["savings_mean"] < 0).sum())
    against = f"against {BASELINES[s.finance_baseline]}"
    alt = (f"Box plots of savings {against} in {s.first_full_year} for each of the {n} options, "
           f"numbered as in the options table, against a vertical line at the "
           f"{pounds(s.target)} target, with each option's chance of meeting it at the right.")
    caption = (f"In {s.first_full_year}, {against}, {k} of {n} options meet the "
               f"{pounds(s.target)} target ({s.meets_words}); {costly} cost more than "
               f"{BASELINES[s.finance_baseline]} on average (savings below £0).")
    return alt, caption


def _fan_words(results: StudyResults) -> tuple[str, str]:
    last = np.median(results.spend_month_total[:, :, -1], axis=0)
    ras = ras_policies(results)
    alt = (f"Panels of monthly community spend from {results.months[0]} to "
           f"{results.months[-1]}, one per calibration, axis from £0: a grey band for the status "
           "quo's 90% range, a dashed line for its median and one line per transition; go-live "
           f"({describe.go_live(results)}) marked.")
    if not ras:
        return alt, "Only the status quo was run."
    lo, hi = min(ras, key=lambda i: last[i]), max(ras, key=lambda i: last[i])
    caption = (f"By {results.months[-1]} the status quo spends "
               f"{pounds(last[results.baseline_index])} a month (median); the options range from "
               f"{pounds(last[lo])} ({describe.label(results, lo)}) to {pounds(last[hi])} "
               f"({describe.label(results, hi)}).")
    return alt, caption


def _map_words(results: StudyResults, s: Settings, rank: pd.DataFrame) -> tuple[str, str]:
    alt = (f"Scatter plot of the {len(rank)} options, numbered: across, the share of current "
           f"users losing more than 10%; up, mean savings in {s.first_full_year}; colour shows "
           "the calibration, marker the transition; a dashed line marks the target.")
    meets = rank[rank["meets_target"]].sort_values("share_lose10")
    if len(meets):
        r = meets.iloc[0]
        found = (f"Of the options meeting the target, {r['number']}. {r['policy']} leaves the "
                 f"fewest people losing more than 10% ({percent(r['share_lose10'])}).")
    elif len(rank):
        r = rank.sort_values("savings_mean", ascending=False).iloc[0]
        found = (f"No option meets the target; the largest mean saving, {r['number']}. "
                 f"{r['policy']} ({pounds(r['savings_mean'])}), leaves "
                 f"{percent(r['share_lose10'])} losing more than 10%.")
    else:
        found = "Only the status quo was run."
    return alt, ("Options above the dashed line save more than the target on average; options "
                 f"further left leave fewer people losing more than 10%. {found}")

