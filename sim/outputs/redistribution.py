"""The go-live redistribution and the transition scenarios' parameters, as tables.

Both come from the study's metadata (computed once from the fitted calibrations and the
transitions file), not from the replicates; a results folder from before they were
recorded gets empty tables with the same columns.
"""
from __future__ import annotations

import pandas as pd

from sim.study.results import StudyResults

REDISTRIBUTION_COLUMNS = ("calibration", "people", "gaining", "losing", "gross_gained_budget",
                          "gross_lost_budget", "net_budget", "gross_gained_cash",
                          "gross_lost_cash", "net_cash")
TRANSITION_COLUMNS = ("transition", "covers", "material_change", "phases", "phase_gains",
                      "max_loss", "max_gain", "protect_critical", "protect_years",
                      "recommended", "description")


def redistribution_table(results: StudyResults) -> pd.DataFrame:
    """Per calibration: the go-live cohort at the indicative budget against its current one."""
    rows = (results.meta or {}).get("redistribution") or []
    return pd.DataFrame(rows, columns=list(REDISTRIBUTION_COLUMNS))


def transitions_table(results: StudyResults) -> pd.DataFrame:
    """The study's transition scenarios side by side (covers, phasing, caps, protection).

    `material_change` applies only to covers = "new_and_changed" and is blank otherwise;
    a blank cap is no cap; a blank protect_years with protection is protection for ever.
    """
    params = (results.meta or {}).get("transition_parameters") or {}
    rows = []
    for name, p in params.items():
        row = {"transition": name, **{c: p.get(c) for c in TRANSITION_COLUMNS[1:]}}
        if row["covers"] != "new_and_changed":
            row["material_change"] = None
        if not row["protect_critical"]:
            row["protect_years"] = None
        rows.append(row)
    return pd.DataFrame(rows, columns=list(TRANSITION_COLUMNS))
