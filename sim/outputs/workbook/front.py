"""results.xlsx's front sheets, as in ONS workbooks: a cover (what this is, whose, when, the
caveats), a contents sheet linking every sheet with what it holds, and numbered notes; and the
option numbers of the report on every sheet of options."""
from __future__ import annotations

import pandas as pd

from sim.outputs import describe, registry
from sim.outputs.roles import ras_policies
from sim.outputs.settings import settings
from sim.outputs.workbook.book import Front
from sim.study.results import StudyResults

# What the sheets besides the registered tables hold (the contents sheet); each table's own
# line is its registry entry's.
FIXED = {"columns": "Which CSV column each sheet heading is"}


def descriptions() -> dict[str, str]:
    """What each sheet holds, in the words of the report (the contents sheet)."""
    return {**{e.name: e.contents for e in registry.entries() if e.sheet}, **FIXED}


def notes(results: StudyResults) -> list[str]:
    """The numbered notes the sheets refer to."""
    s = settings(results)
    return [
        describe.target_sentence(s, results),
        describe.SIGN_CONVENTION,
        describe.meets_rule(s),
        ("Options are numbered as in report.html and eia.docx (column 'no.'); the status quo "
         "has no number: every option is compared with it on the same simulated futures."),
        (f"Groups of fewer than {s.suppress_below:g} people (per simulated future) are "
         "suppressed: their figures are left blank."),
        ("Ranges: 'low (5%)' and 'high (95%)' are the 5th and 95th percentiles across the "
         f"{results.n_replicates} simulated futures; '±' is a Monte Carlo standard error."),
        ("RAS: Resource Allocation System (need scored in points, priced into a budget). FACS: "
         "Fair Access to Care Services eligibility band. DRE: disability-related expenditure."),
    ]


def front(results: StudyResults) -> Front:
    s = settings(results)
    finished = ((results.meta or {}).get("manifest") or {}).get("finished") or "not recorded"
    cover = [("Study", s.name),
             ("What", "Personal budgets: RAS calibrations and transition scenarios against the "
                      "status quo: spend, savings against the target and equalities impact"),
             ("Simulated futures",
              f"{results.n_replicates} (Monte Carlo replicates), seed {s.seed}"),
             ("Results of", str(finished)),
             ("Read first", describe.population_caveat(results) or "Real (anonymised) records."),
             ("Also", "report.html (explained) and eia.docx (the equality impact assessment) "
                      "in the same folder")]
    return Front(title=f"Personal budgets study '{s.name}': results", cover=cover,
                 notes=notes(results), descriptions=descriptions())


def numbered(results: StudyResults, df: pd.DataFrame) -> pd.DataFrame:
    """The sheet with the report's option number first ('no.'; blank for the status quo)."""
    if "policy" not in df.columns or "number" in df.columns:
        return df
    names = {results.policies[p]["name"]: describe.number(results, p)
             for p in ras_policies(results)}
    return df.assign(number=[names.get(n) for n in df["policy"]])[
        ["number", *[c for c in df.columns]]]
