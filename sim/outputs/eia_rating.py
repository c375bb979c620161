"""The impact rating of the EIA document: a stated rule over the relative risk of losing more
than the loss threshold (sim.inputs.categories.LOSS_THRESHOLD) of one's own budget in cash,
weighed with how many people that is and the £ they lose, with its thresholds and their
source in scenarios/eia_rating.toml; and the mitigations the model can show (another
transition that lowers a group's risk without more people losing, at what cost).
"""
from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.inputs.categories import LOSS_THRESHOLD
from sim.outputs.formats import pounds
from sim.paths import SCENARIOS

RULE_FILE = SCENARIOS / "eia_rating.toml"
ADVERSE, POSSIBLE, NEUTRAL, POSITIVE, NOT_RATED = (
    "adverse", "possible adverse", "neutral", "positive", "not rated")
SYNTHETIC = "synthetic: not evidence"
SEVERITY = (ADVERSE, POSSIBLE, NEUTRAL, POSITIVE, NOT_RATED, SYNTHETIC)   # worst first
RR, LOSERS, LOST = "rr_lose10", "people_lose10", "lost_gbp"


class RatingRuleError(InputError):
    """The rating rule file is missing or malformed."""


@dataclass(frozen=True)
class RatingRule:
    adverse_rr: float
    positive_rr: float
    min_people_losing: float
    adverse_share: float
    source: str

    def text(self) -> str:
        """The rule as the document states it."""
        t = f"{LOSS_THRESHOLD:.0%}"
        return (f"Losing means an existing user's own budget one year after go-live is more than "
                f"{t} below their budget just before go-live, in cash. Each group is rated on "
                f"its relative risk of losing more than {t} against everyone else (1 = as likely "
                "as everyone else), with the 95% interval across the simulated futures, and on "
                "how many of its people lose. Adverse: the whole interval is above "
                f"{self.adverse_rr:g} and at least {self.min_people_losing:g} of its people lose "
                f"(on average per future), or at least {self.adverse_share:.0%} of the group "
                f"loses more than {t} whatever the relative risk. Possible adverse: the estimate "
                f"is above {self.adverse_rr:g} (with at least {self.min_people_losing:g} people "
                "losing) but the interval reaches down to it. Positive: the whole interval is "
                f"below {self.positive_rr:g}. Neutral: otherwise. A characteristic takes the "
                "worst rating of its groups; groups too small to publish are not rated; groups "
                "of an attribute the population file made up without any link to people's care "
                f"are marked '{SYNTHETIC}'. A comparator is offered as a mitigation only if it "
                f"lowers the group's risk without more people losing more than {t}, in the "
                f"group or overall. Thresholds: {self.source}.")


def load_rule(path: str | Path | None = None) -> RatingRule:
    """The rule's thresholds and source (default: RULE_FILE); RatingRuleError unless
    0 < positive_rr < 1 < adverse_rr, min_people_losing >= 0 and 0 < adverse_share <= 1."""
    path = Path(RULE_FILE if path is None else path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        rule = RatingRule(float(raw["adverse_rr"]), float(raw["positive_rr"]),
                          float(raw["min_people_losing"]), float(raw["adverse_share"]),
                          str(raw["source"]))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise RatingRuleError(f"{path}: not a usable rating rule ({exc!r}); it needs adverse_rr, "
                              "positive_rr, min_people_losing, adverse_share and source") from None
    if not 0 < rule.positive_rr < 1 < rule.adverse_rr:
        raise RatingRuleError(f"{path}: need 0 < positive_rr < 1 < adverse_rr")
    if rule.min_people_losing < 0 or not 0 < rule.adverse_share <= 1:
        raise RatingRuleError(f"{path}: need min_people_losing >= 0 and 0 < adverse_share <= 1")
    if raw.get("loss_threshold", LOSS_THRESHOLD) != LOSS_THRESHOLD:
        raise RatingRuleError(f"{path}: key 'loss_threshold' is {raw['loss_threshold']!r}, but the "
                              f"model's tallies and bands are built at {LOSS_THRESHOLD:g} "
                              "(sim/inputs/categories.py LOSS_THRESHOLD): change both together")
    return rule


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
