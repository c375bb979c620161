"""The outputs a search can constrain or optimise: each one column of a normal run's tables.

Nothing is re-derived here: a figure is read from target.csv (savings against the status quo
in the judged financial year), eia.csv or winners_losers.csv (one year after go-live) as the
normal pipeline (sim.outputs.finance, sim.outputs.equalities) computes them, so a search's
figures and a study's tables cannot disagree.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.aggregates import Tallies
from sim.outputs.equalities import eia_table, winners_losers_table
from sim.outputs.finance import target_table
from sim.study.results import StudyResults


@dataclass(frozen=True)
class Metric:
    """One output: which table it comes from, which column, what it means, and a short
    label for a figure's axis (default: the description)."""

    table: str
    column: str
    description: str
    label: str = ""
    bounds: tuple[float, float] = (-math.inf, math.inf)  # every value the output can take
    yardstick: str = "cash"     # of an EIA figure (aggregates.YARDSTICKS)

    @property
    def tallies(self) -> Tallies:
        """The EIA tallies it reads (the others need not be computed): eia.csv's and
        winners_losers.csv's figures are of the first year after go-live."""
        return () if self.table == "target" else (("first_year", self.yardstick),)


PROBABILITY = (0.0, 1.0)


METRICS: dict[str, Metric] = {
    "prob_meet_target": Metric("target", "prob_meet_target",
                               "chance of saving at least the target against the finance "
                               "baseline", bounds=PROBABILITY),
    "savings_mean": Metric("target", "savings_mean",
                           "mean savings against the finance baseline (£)"),
    "savings_p5": Metric("target", "savings_p5", "5th percentile of savings (£)"),
    "protection_cost": Metric("target", "protection_cost",
                              "cost of transitional protection: savings forgone against moving "
                              "everyone straight to the indicative budget (£)",
                              "Cost of transitional protection (savings forgone)"),
    "community_spend_change_share": Metric("target", "community_spend_change_share",
                                           "change in community spend, share of the status quo"),
    "residential_cost_vs_baseline": Metric("target", "residential_cost_vs_baseline",
                                           "extra residential care cost (£)"),
    "admissions_vs_baseline": Metric("target", "admissions_vs_baseline",
                                     "extra admissions to residential care"),
    "share_lose5": Metric("eia", "share_lose5", "share of existing users losing more than 5% "
                          "of their own budget in cash since just before go-live",
                          bounds=PROBABILITY),
    "share_lose10": Metric("eia", "share_lose10", "share of existing users losing more than "
                           "10% of their own budget in cash since just before go-live",
                           bounds=PROBABILITY),
    "share_lose25": Metric("eia", "share_lose25", "share of existing users losing more than "
                           "25% of their own budget in cash since just before go-live",
                           bounds=PROBABILITY),
    "share_lose10_vs_status_quo": Metric("eia", "share_lose10_vs_status_quo",
                                         "share of existing users more than 10% below the "
                                         "status quo's budget for them", bounds=PROBABILITY,
                                         yardstick="status_quo"),
    "share_gain": Metric("eia", "share_gain", "share of existing users whose own budget rises "
                         "in cash", bounds=PROBABILITY),
    "pct_change_of_mean": Metric("eia", "pct_change_of_mean", "change of existing users' mean "
                                 "budget in cash since just before go-live (%)"),
    "largest_rr_lose10": Metric("largest_rr_lose10", "largest_rr_lose10",
                                "largest relative risk of losing more than 10% across the groups "
                                "of the protected characteristics (the EIA rating's measure)",
                                "Largest relative risk of losing >10% (protected groups)"),
}


def _target(results: StudyResults, year: str) -> pd.DataFrame:
    t = target_table(results)
    return t[t["financial_year"] == year].set_index("policy")


def _everyone(results: StudyResults) -> pd.DataFrame:
    return eia_table(results, suppress=False, characteristics=("all",)).set_index("policy")


def _largest_rr_lose10(results: StudyResults) -> pd.DataFrame:
    """Per policy, the largest relative risk of losing more than 10% over the published
    (unsuppressed) groups of the protected characteristics."""
    wl = winners_losers_table(results, intervals=False)
    prot = wl[(wl["protected_characteristic"] != "") & ~wl["suppressed"]]
    top = prot.groupby("policy")["rr_lose10"].max()
    return pd.DataFrame({"largest_rr_lose10": top})


_TABLES: dict[str, Callable[..., pd.DataFrame]] = {
    "target": _target, "eia": lambda results, year: _everyone(results),
    "largest_rr_lose10": lambda results, year: _largest_rr_lose10(results),
}


def tallies_read(names: list[str]) -> Tallies:
    """The EIA tallies the named outputs read."""
    return tuple(dict.fromkeys(t for name in names for t in METRICS[name].tallies))


def policy_metrics(results: StudyResults, names: list[str], year: str) -> pd.DataFrame:
    """The named outputs of every policy but the status quo (index: policy name); NaN where
    a table has no figure (e.g. no unprotected comparator prices protection)."""
    policies = [p["name"] for p in results.policies if not p["is_baseline"]]
    out = pd.DataFrame(index=pd.Index(policies, name="policy"))
    tables: dict[str, pd.DataFrame] = {}
    for name in dict.fromkeys(names):
        m = METRICS[name]
        if m.table not in tables:
            tables[m.table] = _TABLES[m.table](results, year)
        col = tables[m.table].get(m.column)
        out[name] = (np.nan if col is None
                     else pd.to_numeric(col, errors="coerce").reindex(out.index).astype(float))
    return out
