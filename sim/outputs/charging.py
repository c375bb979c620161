"""Charging tables: spend gross and net of people's contributions, and the EIA of the net change.

Net cost to the council is spend minus what people contribute towards their budgets
(sim.model.charging).  charging.csv reports community spend gross, contributions and net, and
savings against the status quo gross (as spend.csv: community and residential) and net (the
same plus the change in contributions), per option and financial year, with 5-95% intervals
across replicates.  eia_net.csv is the EIA of the net change: by every EIA group, the mean
change in a person's net position (budget minus contribution, £ a year, base prices) against
the status quo, and the shares whose contribution rises and falls.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.aggregates import NET_STATS, SNAPSHOTS
from sim.outputs.equalities import _group_cols
from sim.outputs.finance import _policy_cols, _quantiles, savings
from sim.outputs.markup import note, table
from sim.outputs.roles import ras_policies
from sim.outputs.settings import Settings, settings
from sim.study.results import StudyResults

NET_COLUMNS = ("count", "mean_net_change_gbp", "share_pay_more", "share_pay_less",
               "mean_contribution_before", "mean_contribution_after")


def net_savings(results: StudyResults) -> np.ndarray:
    """(R, P, F) savings against the status quo net of contributions: gross savings plus the
    option's extra contributions."""
    paid = np.asarray(results.contributions_fy, dtype=float)
    return savings(results) + (paid - paid[:, [results.baseline_index]])


def charging_table(results: StudyResults) -> pd.DataFrame:
    """charging.csv: community spend gross, contributions and net, and savings gross and net,
    per policy and financial year (mean and 5/50/95% across replicates)."""
    gross = np.asarray(results.spend_fy, dtype=float)
    paid = np.asarray(results.contributions_fy, dtype=float)
    parts = {"gross_spend": gross, "contributions": paid, "net_spend": gross - paid,
             "savings": savings(results), "net_savings": net_savings(results)}
    rows = []
    for p in range(len(results.policies)):
        for f, fy in enumerate(results.financial_years):
            row = {**_policy_cols(results, p),
                   "dre": results.policies[p].get("dre", "team practice"),
                   "financial_year": fy, "replicates": results.n_replicates}
            for name, x in parts.items():
                row.update(_quantiles(x[:, p, f], name))
            rows.append(row)
    return pd.DataFrame(rows)


def eia_net_table(results: StudyResults, suppress: bool = True) -> pd.DataFrame:
    """eia_net.csv: one row per (non-baseline) policy, snapshot, characteristic and group."""
    R, limit = max(results.n_replicates, 1), settings(results).suppress_below
    rows = []
    for p, pol in enumerate(results.policies):
        if pol["is_baseline"]:
            continue
        for s, snapshot in enumerate(SNAPSHOTS):
            for j, (char, code) in enumerate(results.eia_columns):
                v = dict(zip(NET_STATS, results.eia_net_sum[s, p, j].astype(float)))
                n = v["n"]
                with np.errstate(divide="ignore", invalid="ignore"):
                    row = {**_group_cols(pol, snapshot, char, code), "count": n / R,
                           "mean_net_change_gbp": v["sum_net_change"] / n,
                           "share_pay_more": v["n_pay_more"] / n,
                           "share_pay_less": v["n_pay_less"] / n,
                           "mean_contribution_before": v["sum_contribution_before"] / n,
                           "mean_contribution_after": v["sum_contribution_after"] / n}
                row["suppressed"] = bool(suppress and not row["count"] >= limit)
                if row["suppressed"]:
                    row.update({c: np.nan for c in NET_COLUMNS})
                rows.append(row)
    return pd.DataFrame(rows)


def charging_section(results: StudyResults, s: Settings, charging: pd.DataFrame,
                     eia_net: pd.DataFrame) -> str:
    """The report's charging section: gross and net in the first full year, and who pays more."""
    year = s.first_full_year
    shown = charging[charging["financial_year"] == year][
        ["policy", "dre", "gross_spend_mean", "contributions_mean", "net_spend_mean",
         "savings_mean", "net_savings_mean", "net_savings_p5", "net_savings_p95"]]
    names = [results.policies[p]["name"] for p in ras_policies(results)]
    groups = eia_net[(eia_net["snapshot"] == "first_year") & eia_net["policy"].isin(names)
                     & eia_net["characteristic"].isin(["all", "client_group", "team"])]
    return "\n".join([
        "<h2 id='charging'>Charging: spend net of contributions</h2>",
        note("People contribute towards their personal budget from income above a protected "
             "allowance (the Minimum Income Guarantee) after their disability-related "
             "expenditure (DRE), never more than their support costs (Fairer Charging). Net "
             "spend is community spend minus contributions; net savings add the option's extra "
             "contributions to its savings against the status quo. Incomes and DRE come from "
             "the population file where it has them, otherwise from the stated assumptions "
             "(parameters [charging]); savings and capital are ignored."),
        table(shown, f"Spend gross and net of contributions in {year}"),
        note("Net position: budget minus contribution, £ a year, against the status quo one "
             "year after go-live. 'DRE standardised': each team's DRE brought to the council-"
             "wide mean of the client group (the status quo keeps team practice)."),
        table(groups[["policy", "characteristic", "group_label", "count", "mean_net_change_gbp",
                      "share_pay_more", "share_pay_less", "mean_contribution_before",
                      "mean_contribution_after", "suppressed"]],
              "Change in net position by client group and team, every option", max_rows=60),
    ])
