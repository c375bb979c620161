"""The impact rating of the EIA document: a stated rule over the relative risk of losing more
than the loss threshold (sim.inputs.categories.LOSS_THRESHOLD) of one's own budget in cash,
weighed with how many people that is and the £ they lose, with its thresholds and their
source in scenarios/eia_rating.toml; and the mitigations the model can show (another
transition that lowers a group's risk without more people losing, at what cost).  The rule is
the one the run recorded (sim.study.eia_rule), so a rebuilt report rates as the run did.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Collection

import numpy as np
import pandas as pd

from sim.outputs.formats import pounds
from sim.study.eia_rule import (  # noqa: F401 - the rule's names, where the rating is
    RULE_FILE,
    RatingRule,
    RatingRuleError,
    RecordedRule,
    load_rule,
)
from sim.study.results import StudyResults

ADVERSE, POSSIBLE, NEUTRAL, POSITIVE, NOT_RATED = (
    "adverse", "possible adverse", "neutral", "positive", "not rated")
SYNTHETIC = "synthetic: not evidence"   # as RatingRule.text() states it
SEVERITY = (ADVERSE, POSSIBLE, NEUTRAL, POSITIVE, NOT_RATED, SYNTHETIC)   # worst first
RR, LOSERS, LOST = "rr_lose10", "people_lose10", "lost_gbp"


def rule_of(results: StudyResults) -> RatingRule:
    """The rule the run recorded (results written before runs recorded it: the installed
    RULE_FILE, and the document says so)."""
    recorded = (results.meta or {}).get("eia_rating")
    if recorded:
        return RecordedRule.from_meta(recorded).rule()
    return dataclasses.replace(load_rule(RULE_FILE), origin=(
        f"Rule file {RULE_FILE.name} as installed when this report was written: the run "
        "recorded no rule."))


def rate(rr: float, lo: float, hi: float, rule: RatingRule, suppressed: bool = False,
         losers: float = np.inf, share: float = 0.0) -> str:
    """One group's rating by the rule (NOT_RATED when suppressed or unknown): `losers` people
    of the group (per future) lose more than the threshold, `share` of the group.  Nobody
    losing anywhere leaves no relative risk, and no adverse impact: NEUTRAL."""
    if suppressed:
        return NOT_RATED
    if not np.isfinite(rr):
        return NEUTRAL if losers == 0 else NOT_RATED
    if np.isfinite(share) and share >= rule.adverse_share:
        return ADVERSE
    enough = losers >= rule.min_people_losing
    if enough and np.isfinite(lo) and lo > rule.adverse_rr:
        return ADVERSE
    if enough and rr > rule.adverse_rr:
        return POSSIBLE
    if np.isfinite(hi) and hi < rule.positive_rr:
        return POSITIVE
    return NEUTRAL


def rated(bands: pd.DataFrame, rule: RatingRule,
          synthetic: Collection[str] = ()) -> pd.DataFrame:
    """winners_losers rows with a `rating` column; characteristics in `synthetic` (made up
    by the population file, sim.inputs.population) rated SYNTHETIC."""
    def one(r) -> str:
        if r.characteristic in synthetic:
            return SYNTHETIC
        return rate(getattr(r, RR), getattr(r, f"{RR}_lo"), getattr(r, f"{RR}_hi"), rule,
                    bool(r.suppressed), getattr(r, LOSERS), r.share_lose_over10)
    return bands.assign(rating=[one(r) for r in bands.itertuples()])


def worst(ratings: pd.Series) -> str:
    """A characteristic's rating: the worst of its groups'."""
    present = set(ratings)
    return next((r for r in SEVERITY if r in present), NOT_RATED)


def _no_more_losers(rows: pd.DataFrame, everyone: pd.DataFrame, group: str, chosen: str,
                    other: str) -> bool:
    """`other` has no more people losing more than the threshold than `chosen`, in the group
    and overall (everyone: the 'all' rows by policy)."""
    mine = rows[rows["group"] == group].set_index("policy")
    pairs = [(mine, chosen, other)]
    if everyone is not None and not everyone.empty:
        pairs.append((everyone.set_index("policy"), chosen, other))
    for t, a, b in pairs:
        if a not in t.index or b not in t.index:
            return False
        if not t.loc[b, LOSERS] <= t.loc[a, LOSERS]:
            return False
    return True


def mitigation(rows: pd.DataFrame, group: str, chosen: str, comparators: list[str],
               savings: pd.Series, everyone: pd.DataFrame | None = None) -> str | None:
    """Which comparator lowers `group`'s relative risk of losing more than the threshold the
    most without more people losing (in the group or, given `everyone`, overall), and what
    it costs in savings against the chosen option; None if none does."""
    mine = rows[rows["group"] == group].set_index("policy")
    if chosen not in mine.index or not np.isfinite(mine.loc[chosen, RR]):
        return None
    base = mine.loc[chosen, RR]
    options = [(mine.loc[c, RR], c) for c in comparators
               if c in mine.index and np.isfinite(mine.loc[c, RR]) and mine.loc[c, RR] < base
               and _no_more_losers(rows, everyone, group, chosen, c)]
    if not options:
        return None
    rr, best = min(options)
    cost = float(savings[chosen] - savings[best])
    price = (f"saving {pounds(cost)} a year less" if cost > 0 else
             f"saving {pounds(-cost)} a year more" if cost < 0 else "at no change in savings")
    return (f"{best} lowers the relative risk from {base:.2f} to {rr:.2f} "
            f"({mine.loc[best, f'{RR}_lo']:.2f}–{mine.loc[best, f'{RR}_hi']:.2f}) with "
            f"{mine.loc[best, LOSERS]:.0f} people of the group losing instead of "
            f"{mine.loc[chosen, LOSERS]:.0f} ({pounds(mine.loc[best, LOST])} a year lost by the "
            f"group instead of {pounds(mine.loc[chosen, LOST])}), {price} on average than "
            f"{chosen}.")
