"""The impact rating of the EIA document: a stated rule over the relative risk of losing more
than 10%, with its thresholds and their source in scenarios/eia_rating.toml; and the
mitigations the model can show (another transition that lowers a group's risk, at what cost).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.outputs.formats import pounds
from sim.paths import SCENARIOS

RULE_FILE = SCENARIOS / "eia_rating.toml"
ADVERSE, POSSIBLE, NEUTRAL, POSITIVE, NOT_RATED = (
    "adverse", "possible adverse", "neutral", "positive", "not rated")
SEVERITY = (ADVERSE, POSSIBLE, NEUTRAL, POSITIVE, NOT_RATED)   # worst first


class RatingRuleError(InputError):
    """The rating rule file is missing or malformed."""


@dataclass(frozen=True)
class RatingRule:
    adverse_rr: float
    positive_rr: float
    source: str

    def text(self) -> str:
        """The rule as the document states it."""
        return (f"Each group is rated on its relative risk of losing more than 10% of its budget "
                "against everyone else (1 = as likely as everyone else), with the 95% interval "
                f"across the simulated futures. Adverse: the whole interval is above "
                f"{self.adverse_rr:g}. Possible adverse: the estimate is above {self.adverse_rr:g} "
                f"but the interval reaches down to it. Positive: the whole interval is below "
                f"{self.positive_rr:g}. Neutral: otherwise. A characteristic takes the worst "
                "rating of its groups; groups too small to publish are not rated. Thresholds: "
                f"{self.source}.")


def load_rule(path: str | Path | None = None) -> RatingRule:
    """The rule's thresholds and source (default: RULE_FILE); RatingRuleError unless
    0 < positive_rr < 1 < adverse_rr."""
    path = Path(RULE_FILE if path is None else path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        rule = RatingRule(float(raw["adverse_rr"]), float(raw["positive_rr"]), str(raw["source"]))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise RatingRuleError(f"{path}: not a usable rating rule ({exc!r}); it needs adverse_rr, "
                              "positive_rr and source") from None
    if not 0 < rule.positive_rr < 1 < rule.adverse_rr:
        raise RatingRuleError(f"{path}: need 0 < positive_rr < 1 < adverse_rr")
    return rule


def rate(rr: float, lo: float, hi: float, rule: RatingRule, suppressed: bool = False) -> str:
    """One group's rating by the rule (NOT_RATED when suppressed or unknown)."""
    if suppressed or not np.isfinite(rr):
        return NOT_RATED
    if np.isfinite(lo) and lo > rule.adverse_rr:
        return ADVERSE
    if rr > rule.adverse_rr:
        return POSSIBLE
    if np.isfinite(hi) and hi < rule.positive_rr:
        return POSITIVE
    return NEUTRAL


def rated(bands: pd.DataFrame, rule: RatingRule) -> pd.DataFrame:
    """winners_losers rows with a `rating` column."""
    return bands.assign(rating=[rate(r.rr_lose10, r.rr_lose10_lo, r.rr_lose10_hi, rule,
                                     bool(r.suppressed)) for r in bands.itertuples()])


def worst(ratings: pd.Series) -> str:
    """A characteristic's rating: the worst of its groups'."""
    present = set(ratings)
    return next((r for r in SEVERITY if r in present), NOT_RATED)


def mitigation(rows: pd.DataFrame, group: str, chosen: str, comparators: list[str],
               savings: pd.Series) -> str | None:
    """Which comparator lowers `group`'s relative risk of losing more than 10% the most, and
    what it costs in savings against the chosen option; None if none lowers it."""
    mine = rows[rows["group"] == group].set_index("policy")
    if chosen not in mine.index or not np.isfinite(mine.loc[chosen, "rr_lose10"]):
        return None
    base = mine.loc[chosen, "rr_lose10"]
    options = [(mine.loc[c, "rr_lose10"], c) for c in comparators
               if c in mine.index and np.isfinite(mine.loc[c, "rr_lose10"])
               and mine.loc[c, "rr_lose10"] < base]
    if not options:
        return None
    rr, best = min(options)
    cost = float(savings[chosen] - savings[best])
    price = (f"saving {pounds(cost)} a year less" if cost > 0 else
             f"saving {pounds(-cost)} a year more" if cost < 0 else "at no change in savings")
    return (f"{best} lowers the relative risk from {base:.2f} to {rr:.2f} "
            f"({mine.loc[best, 'rr_lose10_lo']:.2f}–{mine.loc[best, 'rr_lose10_hi']:.2f}), "
            f"{price} on average than {chosen}.")
