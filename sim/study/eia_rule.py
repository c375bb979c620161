"""The EIA rating rule as an input of the run: read and checked when the study is loaded,
recorded (file, SHA-256, text) in the manifest, the run's identity and its results, so that
rebuilding a results folder's report (`run-sim report DIR`) rates by the rule the run used,
not by whatever rule file is installed by then.

The rule's thresholds and their source live in scenarios/eia_rating.toml (see that file for
what each means); sim.outputs.eia.rating applies them.
"""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.inputs.categories import LOSS_THRESHOLD
from sim.paths import SCENARIOS

RULE_FILE = SCENARIOS / "eia_rating.toml"   # the installed rule
RULE_NAME = RULE_FILE.name                  # a study's own rule, beside it, unless it names one


class RatingRuleError(InputError):
    """The rating rule file is missing or malformed."""


@dataclass(frozen=True)
class RatingRule:
    adverse_rr: float
    positive_rr: float
    min_people_losing: float
    adverse_share: float
    source: str
    origin: str = ""        # which rule this is, in words (the document says so)

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
                f"are marked 'synthetic: not evidence'. A comparator is offered as a mitigation "
                f"only if it lowers the group's risk without more people losing more than {t}, "
                f"in the group or overall. Thresholds: {self.source}."
                + (f" {self.origin}" if self.origin else ""))


def parse_rule(text: str, where: str | Path, origin: str = "") -> RatingRule:
    """The rule in `text` (a rule file's TOML); RatingRuleError naming `where` unless
    0 < positive_rr < 1 < adverse_rr, min_people_losing >= 0, 0 < adverse_share <= 1 and its
    loss_threshold (if given) is the model's."""
    try:
        raw = tomllib.loads(text)
        rule = RatingRule(float(raw["adverse_rr"]), float(raw["positive_rr"]),
                          float(raw["min_people_losing"]), float(raw["adverse_share"]),
                          str(raw["source"]), origin)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise RatingRuleError(f"{where}: not a usable rating rule ({exc!r}); it needs adverse_rr, "
                              "positive_rr, min_people_losing, adverse_share and source") from None
    if not 0 < rule.positive_rr < 1 < rule.adverse_rr:
        raise RatingRuleError(f"{where}: need 0 < positive_rr < 1 < adverse_rr")
    if rule.min_people_losing < 0 or not 0 < rule.adverse_share <= 1:
        raise RatingRuleError(f"{where}: need min_people_losing >= 0 and 0 < adverse_share <= 1")
    if raw.get("loss_threshold", LOSS_THRESHOLD) != LOSS_THRESHOLD:
        raise RatingRuleError(f"{where}: key 'loss_threshold' is {raw['loss_threshold']!r}, but "
                              f"the model's tallies and bands are built at {LOSS_THRESHOLD:g} "
                              "(sim/inputs/categories.py LOSS_THRESHOLD): change both together")
    return rule


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RatingRuleError(f"{path}: not a usable rating rule ({exc!r})") from None
    return data


def load_rule(path: str | Path | None = None) -> RatingRule:
    """The rule in a file (default: the installed RULE_FILE), checked as `parse_rule`."""
    path = Path(RULE_FILE if path is None else path)
    return parse_rule(_read(path).decode("utf-8"), path)


@dataclass(frozen=True)
class RecordedRule:
    """The rule a run used: its file, the file's SHA-256 and its text."""

    file: str
    sha256: str
    text: str

    def rule(self) -> RatingRule:
        """The rule, saying which file it came from (by name and fingerprint)."""
        return parse_rule(self.text, self.file, f"Rule file {Path(self.file).name} (SHA-256 "
                          f"{self.sha256[:12]}), as recorded with the run.")

    def as_meta(self) -> dict[str, str]:
        return {"file": self.file, "sha256": self.sha256, "text": self.text}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> RecordedRule:
        return cls(str(meta["file"]), str(meta["sha256"]), str(meta["text"]))


def study_rule(study_path: Path, named: str | None) -> RecordedRule:
    """The rule of a study, read once and checked: the file its `eia_rating_file` names
    (relative to the study file), else the rule file beside the study, else the installed
    one.  RatingRuleError naming the file otherwise."""
    path = (study_path.parent / named if named is not None else
            study_path.parent / RULE_NAME if (study_path.parent / RULE_NAME).is_file() else
            RULE_FILE)
    data = _read(path)
    parse_rule(data.decode("utf-8"), path)
    return RecordedRule(str(path.resolve()), hashlib.sha256(data).hexdigest(),
                        data.decode("utf-8"))
