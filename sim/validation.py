"""Validation of population tables (minimal placeholder; the foundation work replaces it)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        return pd.read_excel(path)
    return pd.read_csv(path)


def validate_frame(df: pd.DataFrame, source: str) -> pd.DataFrame:
    return df
