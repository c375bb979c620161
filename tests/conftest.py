"""Shared fixtures: the shipped population, default parameters, small worlds."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.inputs.population import load_population
from sim.model.params import load_parameters

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def population():
    return load_population(ROOT / "populations" / "bnes_2012_synthetic.csv")


@pytest.fixture(scope="session")
def params():
    return load_parameters()


@pytest.fixture(scope="session")
def small_population(population):
    """Every 8th person of the shipped population: fast, still covers every group."""
    from sim.inputs.population import Population

    idx = np.arange(0, len(population), 8)
    fields = {k: getattr(population, k)[idx] for k in (
        "id", "age", "sex", "ethnicity", "client_group", "team", "facs_band", "ras_points",
        "pb_type", "annual_budget", "months_since_review")}
    return Population(teams=population.teams, source="small", **fields)
