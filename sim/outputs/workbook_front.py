"""results.xlsx's front sheets, as in ONS workbooks: a cover (what this is, whose, when, the
caveats), a contents sheet linking every sheet with what it holds, and numbered notes; and the
option numbers of the report on every sheet of options."""
from __future__ import annotations

import pandas as pd

from sim.outputs import describe
from sim.outputs.roles import ras_policies
from sim.outputs.settings import settings
from sim.outputs.tables import Front
from sim.study.results import StudyResults

# What each sheet holds (the contents sheet), in the words of the report.
DESCRIPTIONS = {
    "summary": "One row per option: mean savings, chance of meeting the target, people losing "
               "more than 10%, the most affected group (first full year)",
    "spend": "Community and residential spend per option and financial year, 5/50/95%",
    "target": "Savings against the target per option and financial year, with its chance, "
              "the cost of protection, care-home admissions and savings against the base budget",
    "savings_split": "Each option's saving against doing nothing: avoided creep and real "
                     "reduction",
    "variants": "Scenario 4's definitional variants beside the recommended option",
    "new_users": "New users (no budget before go-live): their budget against current practice",
    "eia": "Equalities evidence one year after go-live: budget change and risk of losing by "
           "group, every option",
    "eia_horizon": "The same evidence at the end of the simulated years",
    "winners_losers": "Each group split into five bands of budget change, with 95% intervals "
                      "and relative risks",
    "admissions_by_group": "Admissions to residential care by group, status quo and option",
    "disparity": "Younger/older allocation per RAS point before and after, every option",
    "activity": "Assessments, reviews, arrivals, deaths, exits and admissions a year",
    "users": "People using services by month, client group and budget type",
    "redistribution": "Go-live redistribution per calibration, before any transition",
    "transitions": "The transition scenarios' parameters (assumptions)",
    "charging": "Spend net of people's contributions, per option and financial year",
    "eia_net": "Change in net position (budget less contribution) by group and team",
    "assumptions": "Every parameter with its value, unit, status, source and distribution",
    "run": "How the study was run",
    "manifest": "What was run, on what (files, seed, versions, times)",
    "columns": "Which CSV column each sheet heading is",
}


def notes(res: StudyResults) -> list[str]:
    """The numbered notes the sheets refer to."""
    s = settings(res)
    return [
        describe.target_sentence(s, res),
        describe.SIGN_CONVENTION,
        describe.meets_rule(s),
        ("Options are numbered as in report.html and eia.docx (column 'no.'); the status quo "
         "has no number: every option is compared with it on the same simulated futures."),
        (f"Groups of fewer than {s.suppress_below:g} people (per simulated future) are "
         "suppressed: their figures are left blank."),
        ("Ranges: 'low (5%)' and 'high (95%)' are the 5th and 95th percentiles across the "
         f"{res.n_replicates} simulated futures; '±' is a Monte Carlo standard error."),
        ("RAS: Resource Allocation System (need scored in points, priced into a budget). FACS: "
         "Fair Access to Care Services eligibility band. DRE: disability-related expenditure."),
    ]


def front(res: StudyResults) -> Front:
    s = settings(res)
    finished = ((res.meta or {}).get("manifest") or {}).get("finished") or "not recorded"
    cover = [("Study", s.name),
             ("What", "Personal budgets: RAS calibrations and transition scenarios against the "
                      "status quo: spend, savings against the target and equalities impact"),
             ("Simulated futures", f"{res.n_replicates} (Monte Carlo replicates), seed {s.seed}"),
             ("Results of", str(finished)),
             ("Read first", describe.population_caveat(res) or "Real (anonymised) records."),
             ("Also", "report.html (explained) and eia.docx (the equality impact assessment) "
                      "in the same folder")]
    return Front(title=f"Personal budgets study '{s.name}': results", cover=cover,
                 notes=notes(res), descriptions=DESCRIPTIONS)


def numbered(res: StudyResults, df: pd.DataFrame) -> pd.DataFrame:
    """The sheet with the report's option number first ('no.'; blank for the status quo)."""
    if "policy" not in df.columns or "number" in df.columns:
        return df
    names = {res.policies[p]["name"]: describe.number(res, p) for p in ras_policies(res)}
    return df.assign(number=[names.get(n) for n in df["policy"]])[
        ["number", *[c for c in df.columns]]]
