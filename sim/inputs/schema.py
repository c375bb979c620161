"""The population file schema: columns, their meaning and kind (one home for both loading and checks)."""
from __future__ import annotations

from dataclasses import dataclass

from sim.errors import InputError
from sim.inputs.categories import (
    CLIENT_GROUP,
    ETHNICITY,
    FACS_BAND,
    MAX_AGE,
    MIN_AGE,
    PB_TYPE,
    SEX,
    Category,
)


@dataclass(frozen=True)
class Number:
    """A numeric column's plausible range: values outside it are data errors, not people."""

    low: float
    high: float
    whole: bool = False


# column -> (meaning, kind); kind is a Category for coded columns, a Number for numbers.
SCHEMA: dict[str, tuple[str, object]] = {
    "id": ("unique person identifier (any text)", "text"),
    "age": ("age in years", Number(MIN_AGE, MAX_AGE)),
    "sex": ("sex", SEX),
    "ethnicity": ("broad ethnic group", ETHNICITY),
    "client_group": ("service user group (the disability characteristic)", CLIENT_GROUP),
    "team": ("social care team responsible (free text label)", "text"),
    "facs_band": ("FACS eligibility band", FACS_BAND),
    # RAS scales run to a few hundred points (B&NES tops out near 150).
    "ras_points": ("RAS need points", Number(0, 1_000)),
    "pb_type": ("personal budget type, or old_style before conversion", PB_TYPE),
    # The costliest community packages cost a few hundred thousand pounds a year; a value
    # above 2 million is a unit or column mistake.
    "annual_budget": ("current annual budget in GBP", Number(0, 2_000_000)),
    # Bounded so it fits the int16 array: no review can predate adulthood.
    "months_since_review": ("whole months since the last review",
                            Number(0, (MAX_AGE - MIN_AGE) * 12, whole=True)),
}


COLUMNS: tuple[str, ...] = tuple(SCHEMA)


# Optional columns: the financial assessment (charging, sim.model.charging).  A file may hold
# either or both; where one is absent the model draws synthetic values (parameters [charging]).
OPTIONAL: dict[str, tuple[str, Number]] = {
    # Above £10,000 a week is a unit mistake (annual or pence), not a person's income.
    "weekly_income": ("assessable income, £ a week (benefits, pensions, other income)",
                      Number(0, 10_000)),
    # Disability-related expenditure sanctioned by the person's team, £ a week.
    "dre_weekly": ("disability-related expenditure sanctioned, £ a week", Number(0, 2_000)),
}


CODED: dict[str, Category] = {k: v[1] for k, v in SCHEMA.items() if isinstance(v[1], Category)}


NUMBERS: dict[str, Number] = {**{k: v[1] for k, v in SCHEMA.items() if isinstance(v[1], Number)},
                              **{k: v[1] for k, v in OPTIONAL.items()}}


class PopulationError(InputError):
    """A population file or frame that cannot be used; the message says why and where."""
