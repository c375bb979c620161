"""Words every output shares: what each option does, how signs read, which years are part
years, and whether the population is made up -- all from the metadata the run recorded."""
from __future__ import annotations

import re
from datetime import date

from sim.outputs.finance import base_year
from sim.outputs.formats import pounds
from sim.outputs.roles import ras_policies, variant_policies
from sim.outputs.settings import Settings
from sim.study.finance_section import BASELINES
from sim.study.results import StudyResults

SIGN_CONVENTION = (
    "Signs: savings are the baseline's spend minus the option's spend on the same simulated "
    "future, so a positive figure is money saved and a negative one (with a minus sign) is "
    "extra cost. A budget change is the option's budget minus the status quo's for the same "
    "person: negative means the person gets less.")


def meets_rule(s: Settings) -> str:
    """What "meets the target" means, once, in words (the study's [finance] meets_chance)."""
    return (f"'Meets the target' means the option saves at least {pounds(s.target)} against "
            f"{BASELINES[s.finance_baseline]} {s.meets_words}.")


# Abbreviations spelled out at their first use in every page (markup.spell_out).
ACRONYMS = {"RAS": "Resource Allocation System", "FACS": "Fair Access to Care Services",
            "DRE": "disability-related expenditure", "EIA": "Equality Impact Assessment"}

# What each section of the parameter files is about, for plain labels of dotted paths.
SECTIONS = {"death": "deaths", "residential": "admissions to residential care",
            "residential_stock": "people already in residential care",
            "feedback": "care-home admissions after a budget cut", "other_exit": "other exits",
            "demand": "demand", "referrals": "referrals", "need": "need (RAS points)",
            "facs": "FACS banding", "reviews": "reviews", "choice": "choice of budget type",
            "money": "money", "practice": "current practice", "charging": "charging",
            "synthetic_targets": "the synthetic population", "time": "time"}
WORDS = {"pb": "PB", "dp": "direct payment", "sd": "standard deviation", "facs": "FACS",
         "ras": "RAS"}


def parameter_label(path: str) -> str:
    """A dotted parameter path in words: 'practice.creep_per_review' -> 'Current practice:
    creep per review'."""
    head, *rest = path.split(".")
    words = " ".join(WORDS.get(w, w) for part in rest for w in part.split("_"))
    section = SECTIONS.get(head, head.replace("_", " "))
    return f"{section[0].upper()}{section[1:]}: {words}" if words else section.capitalize()


def base_budget_year(results: StudyResults) -> str | None:
    """The base budget's financial year (None if the run has none)."""
    f = base_year(results)
    return None if f is None else results.financial_years[f]


def number(results: StudyResults, p: int) -> int | str:
    """The option's number in every table and figure: its place in the study, from 1; a
    definitional variant gets the number of the option it varies and a letter ('14a')."""
    variants = variant_policies(results)
    if p not in variants:
        return ras_policies(results).index(p) + 1
    pol = results.policies[p]
    base = [i for i in ras_policies(results)
            if results.policies[i]["calibration"] == pol["calibration"]
            and results.policies[i]["transition"] == pol["variant_of"]]
    siblings = [i for i in variants if results.policies[i]["variant_of"] == pol["variant_of"]]
    letter = "abcdefghijklmnopqrstuvwxyz"[siblings.index(p) % 26]
    return f"{number(results, base[0]) if base else 'V'}{letter}"


def label(results: StudyResults, p: int) -> str:
    """'3. percentile+immediate': the number and the study's own name."""
    return f"{number(results, p)}. {results.policies[p]['name']}"


def description(results: StudyResults, p: int) -> str:
    """What the option does, in the words of its calibration and transition blocks."""
    pol, meta = results.policies[p], results.meta or {}
    cal = (meta.get("calibration_descriptions") or {}).get(pol["calibration"]) or \
        f"calibration '{pol['calibration']}'"
    tr = (meta.get("transitions") or {}).get(pol["transition"]) or \
        f"transition '{pol['transition']}'"
    return f"{cal.rstrip('.')}; {tr[0].lower() + tr[1:] if tr[:1].isupper() else tr}"


def in_words(results: StudyResults, p: int) -> str:
    """A readable name to show beside the option's code: the first clause of its calibration's
    and of its transition's descriptions, e.g. 'one price per point for everyone, gap closed
    over two reviews' for price_per_point+phased."""
    pol, meta = results.policies[p], results.meta or {}
    cal = (meta.get("calibration_descriptions") or {}).get(pol["calibration"]) or pol["calibration"]
    tr = (meta.get("transitions") or {}).get(pol["transition"]) or pol["transition"]
    tr = tr.split(": ", 1)[-1]
    first = [re.split(r" \(|[:;,]", text, maxsplit=1)[0].strip() for text in (cal, tr)]
    return ", ".join(x if x[1:2].isupper() else x[0].lower() + x[1:] for x in first if x)


def go_live(results: StudyResults) -> str:
    """Go-live month as people say it, e.g. 'January 2013'."""
    y, m = map(int, results.months[results.go_live_month].split("-"))
    return date(y, m, 1).strftime("%B %Y")


def part_years(results: StudyResults, s: Settings) -> list[str]:
    """Financial years before the first full year: a part year (or none) under the options,
    yet compared with the full-year target in target.csv."""
    return results.financial_years[:results.financial_years.index(s.first_full_year)]


def year_heading(results: StudyResults, s: Settings, fy: str) -> str:
    return f"{fy} (part year)" if fy in part_years(results, s) else fy


def synthetic_attributes(results: StudyResults) -> tuple[str, ...]:
    """Characteristics the population file made up with no link to people's care (its meta
    file's synthetic_attributes): their groups are no evidence of an impact."""
    pop = (results.meta or {}).get("population") or {}
    return tuple(pop.get("synthetic_attributes") or ())


def population_caveat(results: StudyResults) -> str | None:
    """The caveat a synthetic population needs, from the population's own metadata (None
    for real records); results that did not record it say so."""
    pop = (results.meta or {}).get("population")
    if pop is None:
        return ("These results do not record whether the population was real or synthetic "
                "(they were run before the population's metadata was kept): check the run's "
                "population file before quoting any figure.")
    if not pop.get("synthetic"):
        return None
    said = pop.get("description") or "The population file says it is synthetic."
    return (f"Synthetic population: every figure describes made-up people, not real service "
            f"users. {said} £ figures are rounded, but no figure is more precise than the "
            "synthetic population behind it.")


def target_sentence(s: Settings, results: StudyResults) -> str:
    return (f"Savings target: {pounds(s.target)} a year at {s.first_full_year} prices (stated "
            f"in each later year's prices in target.csv), judged in {s.first_full_year}, the "
            f"first full financial year after go-live ({go_live(results)}), "
            f"{s.baseline_words(base_budget_year(results))}.")
