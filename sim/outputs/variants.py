"""variants.csv and the report's variants table: the transition a study's [variants] vary
(scenario 4 by default) beside each definitional variant, with savings against the finance
baseline, the verdict and the people losing more than 10%, so a reader sees which part of
the definition decides whether the option meets the target."""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.outputs import describe
from sim.outputs.roles import ras_policies, variant_policies
from sim.outputs.settings import settings
from sim.study.results import StudyResults

COLUMNS = ["number", "policy", "transition", "definition", "savings_mean", "savings_p5",
           "savings_p95", "prob_meet_target", "meets_target", "savings_vs_status_quo_mean",
           "prob_meet_target_vs_status_quo", "meets_vs_status_quo", "share_lose10", "people_lose10", "finance_baseline"]


def varied(results: StudyResults) -> list[int]:
    """The option each variant varies (same calibration, the transition named), then the
    variants, in study order."""
    variants = variant_policies(results)
    bases = [i for i in ras_policies(results) for v in variants[:1]
             if results.policies[i]["calibration"] == results.policies[v]["calibration"]
             and results.policies[i]["transition"] == results.policies[v]["variant_of"]]
    return bases + variants if variants else []


def variants_table(results: StudyResults, target: pd.DataFrame, eia: pd.DataFrame) -> pd.DataFrame:
    """One row per policy of `varied` in the first full year (empty without variants)."""
    s = settings(results)
    year = target[target["financial_year"] == s.first_full_year].set_index("policy")
    everyone = eia[eia["characteristic"] == "all"].set_index("policy")
    rows = []
    for p in varied(results):
        pol = results.policies[p]
        t, name = year.loc[pol["name"]], pol["name"]
        share = everyone["share_lose10"].get(name, np.nan)
        rows.append({
            "number": describe.number(results, p), "policy": name, "transition": pol["transition"],
            "definition": (results.meta.get("transitions") or {}).get(pol["transition"], ""),
            "savings_mean": t["savings_mean"], "savings_p5": t["savings_p5"],
            "savings_p95": t["savings_p95"], "prob_meet_target": t["prob_meet_target"],
            "meets_target": s.meets(t["prob_meet_target"]),
            "savings_vs_status_quo_mean": t["savings_vs_status_quo_mean"],
            "prob_meet_target_vs_status_quo": t["prob_meet_target_vs_status_quo"],
            "meets_vs_status_quo": s.meets(t["prob_meet_target_vs_status_quo"]),
            "share_lose10": share, "people_lose10": share * everyone["count"].get(name, np.nan),
            "finance_baseline": t["finance_baseline"]})
    return pd.DataFrame(rows, columns=COLUMNS)
