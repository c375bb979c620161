"""summary.csv: one row per policy, what a councillor reads first."""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.outputs.describe import synthetic_attributes
from sim.outputs.equalities import largest_disparity
from sim.outputs.roles import ras_policies
from sim.outputs.settings import settings
from sim.study.results import StudyResults


def summary_table(results: StudyResults, target: pd.DataFrame, eia: pd.DataFrame) -> pd.DataFrame:
    """Savings and the chance of meeting the target in the first full year against the
    finance baseline (named in `finance_baseline`; `meets_target` by the study's rule), the
    same against doing nothing, the share of existing users losing more than 10% of their own
    budget in cash (and, as a second view, against the status quo), and the protected group
    most over-represented among losers."""
    s = settings(results)
    year = s.first_full_year
    t = target[target["financial_year"] == year].set_index("policy")
    everyone = eia[eia["characteristic"] == "all"].set_index("policy")
    top = largest_disparity(eia, synthetic_attributes(results)).set_index("policy")
    rows = []
    for i in ras_policies(results):
        pol = results.policies[i]
        name = pol["name"]
        rows.append({
            "policy": name, "calibration": pol["calibration"], "transition": pol["transition"],
            "first_full_year": year,
            "savings_mean": t.loc[name, "savings_mean"],
            "savings_p5": t.loc[name, "savings_p5"], "savings_p95": t.loc[name, "savings_p95"],
            "prob_meet_target": t.loc[name, "prob_meet_target"],
            "prob_meet_target_se": t.loc[name, "prob_meet_target_se"],
            "finance_baseline": t.loc[name, "finance_baseline"],
            "meets_target": s.meets(t.loc[name, "prob_meet_target"]),
            "savings_vs_status_quo_mean": t.loc[name, "savings_vs_status_quo_mean"],
            "prob_meet_target_vs_status_quo": t.loc[name, "prob_meet_target_vs_status_quo"],
            "share_lose10": everyone["share_lose10"].get(name, np.nan),
            "share_lose10_vs_status_quo": everyone["share_lose10_vs_status_quo"].get(name, np.nan),
            "largest_rr_lose10": top["largest_rr_lose10"].get(name, np.nan),
            "largest_rr_lo": top["largest_rr_lo"].get(name, np.nan),
            "largest_rr_hi": top["largest_rr_hi"].get(name, np.nan),
            "largest_rr_group": top["largest_rr_group"].get(name, ""),
        })
    return pd.DataFrame(rows)
