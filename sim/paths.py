"""Where the shipped study files and populations live (one home for these paths).

In a source checkout they are the top-level `scenarios/` and `populations/` folders;
a non-editable install carries the same files as package data under `sim/_data/`.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The shipped folder `name`: the checkout's own if present, else the installed copy."""
    checkout = _PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    return _PACKAGE / "_data" / name


SCENARIOS = data_dir("scenarios")
POPULATIONS = data_dir("populations")
DEFAULT_STUDY = SCENARIOS / "default.toml"
DEFAULT_PARAMETERS = SCENARIOS / "parameters.toml"
DEFAULT_TARGETS = POPULATIONS / "synthetic_targets.toml"
DEFAULT_POPULATION = POPULATIONS / "bnes_2012_synthetic.csv"
