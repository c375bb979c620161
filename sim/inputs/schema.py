"""The population file schema: columns, their meaning and kind (one home for both loading and checks)."""
from __future__ import annotations

from sim.errors import InputError
from sim.inputs.categories import CLIENT_GROUP, ETHNICITY, FACS_BAND, PB_TYPE, SEX, Category

# column -> (meaning, kind); kind is a Category for coded columns.
SCHEMA: dict[str, tuple[str, object]] = {
    "id": ("unique person identifier (any text)", "id"),
    "age": ("age in years, 18-120", "float"),
    "sex": ("sex", SEX),
    "ethnicity": ("broad ethnic group", ETHNICITY),
    "client_group": ("service user group (the disability characteristic)", CLIENT_GROUP),
    "team": ("social care team responsible (free text label)", "text"),
    "facs_band": ("FACS eligibility band", FACS_BAND),
    "ras_points": ("RAS need points, >= 0", "float"),
    "pb_type": ("personal budget type, or old_style before conversion", PB_TYPE),
    "annual_budget": ("current annual budget in GBP, >= 0", "float"),
    "months_since_review": ("whole months since the last review, >= 0", "int"),
}


COLUMNS: tuple[str, ...] = tuple(SCHEMA)


CODED: dict[str, Category] = {k: v[1] for k, v in SCHEMA.items() if isinstance(v[1], Category)}


class PopulationError(InputError):
    """A population file or frame that cannot be used; the message says why and where."""
