"""A study's [finance] section: what savings are judged against, and what "meets the target"
means.  One home for both, read by every output through the run's metadata."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The finance baseline's choices, in words (the outputs print these next to every figure).
BASELINES = {
    "base_budget": "the base budget",
    "status_quo": "doing nothing (the status quo)",
}
UPLIFTS = {
    "prices": "uplifted by prices",
    "prices_and_demography": "uplifted by prices and planned demographic growth",
}


class FinanceSection(BaseModel):
    """What the savings target is judged against.  base_budget: the status quo's community
    spend in the base year (the year before the first full year) uplifted each year by
    prices (and, with uplift = "prices_and_demography", by the planned growth in users,
    parameters.toml demand.net_growth_per_year at its central value), as council finance
    judges an efficiency; status_quo: doing nothing, on the same simulated world.  The other
    stays in the outputs as a second, labelled view."""

    model_config = ConfigDict(extra="forbid")
    baseline: Literal["base_budget", "status_quo"] = "base_budget"
    uplift: Literal["prices", "prices_and_demography"] = "prices"
    # an option "meets the target" when it saves at least the target in at least this share
    # of simulated futures
    meets_chance: float = Field(0.9, gt=0, le=1)
