"""Population files: the schema, loading with validation, and the columnar Population.

A population is one row per service user.  Files are CSV or Excel (.xlsx) because
councils keep their extracts in Excel.  Loading never half-succeeds: a bad file
raises PopulationError with a message naming the file, the column and the rows.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.atomic import atomic_path
from sim.errors import InputError
from sim.inputs.schema import CODED, COLUMNS, OPTIONAL, PopulationError
from sim.inputs.table_file import parse_table, read_population_bytes
from sim.inputs.toml_file import read_toml


@dataclass(frozen=True, eq=False)
class Population:
    """Service users as a struct of numpy arrays (codes index the categories)."""

    id: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    ethnicity: np.ndarray
    client_group: np.ndarray
    team: np.ndarray
    teams: tuple[str, ...]
    facs_band: np.ndarray
    ras_points: np.ndarray
    pb_type: np.ndarray
    annual_budget: np.ndarray
    months_since_review: np.ndarray
    source: str = "<frame>"
    sha256: str = ""
    synthetic: bool = False   # made up, not real people: reports say so (see about_path)
    description: str = ""
    # columns drawn without any link to the person's care (e.g. ethnicity from census shares
    # by age band): groups built from them are flagged "synthetic: not evidence" in the EIA
    synthetic_attributes: tuple[str, ...] = ()
    # the financial assessment's optional columns (schema.OPTIONAL), £ a week; None: absent
    weekly_income: np.ndarray | None = None
    dre_weekly: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.age)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, source: str = "<frame>", sha256: str = "") -> Population:
        """Build from a frame with the schema's columns (validated first)."""
        from sim.inputs.validation import validate_frame

        df = validate_frame(df, source)
        teams = tuple(sorted(df["team"].astype(str).unique()))
        team_code = {t: i for i, t in enumerate(teams)}
        coded = {
            col: np.array([cat.code_of(v) for v in df[col].astype(str)], dtype=np.int8)
            for col, cat in CODED.items()
        }
        return cls(
            id=df["id"].astype(str).to_numpy(dtype=object),
            age=df["age"].to_numpy(dtype=np.float64),
            team=np.array([team_code[t] for t in df["team"].astype(str)], dtype=np.int16),
            teams=teams,
            ras_points=df["ras_points"].to_numpy(dtype=np.float64),
            annual_budget=df["annual_budget"].to_numpy(dtype=np.float64),
            months_since_review=df["months_since_review"].to_numpy(dtype=np.int16),
            source=source,
            sha256=sha256,
            **coded,
            **{col: df[col].to_numpy(dtype=np.float64) for col in OPTIONAL if col in df},
        )

    def to_frame(self) -> pd.DataFrame:
        """The population as a frame with codes spelt out, in schema column order."""
        out = {
            "id": self.id,
            "age": self.age,
            "team": np.asarray(self.teams, dtype=object)[self.team],
            "ras_points": self.ras_points,
            "annual_budget": self.annual_budget,
            "months_since_review": self.months_since_review,
        }
        for col, cat in CODED.items():
            out[col] = np.asarray(cat.codes, dtype=object)[getattr(self, col)]
        optional = [col for col in OPTIONAL if getattr(self, col) is not None]
        out.update({col: getattr(self, col) for col in optional})
        return pd.DataFrame(out)[list(COLUMNS) + optional]


def about_path(path: str | Path) -> Path:
    """The population file's own metadata, beside it: `<name>.meta.toml` (optional).

    The file schema has no room for metadata, so a population declares itself here:
    `synthetic = true` (made up, not real people) and a `description`; reports show the
    synthetic caveat from it.  A file without one is taken as real records.
    """
    return Path(path).with_suffix(".meta.toml")


def _read_about(path: Path) -> dict:
    side = about_path(path)
    if not side.is_file():
        return {}
    try:
        about = read_toml(side, "population metadata file")[0]
    except InputError as exc:
        raise PopulationError(str(exc)) from None
    if not isinstance(about.get("synthetic", False), bool) or \
            not isinstance(about.get("description", ""), str):
        raise PopulationError(f"{side}: 'synthetic' must be true or false and 'description' text")
    attrs = about.get("synthetic_attributes", [])
    if not isinstance(attrs, list) or not all(isinstance(a, str) for a in attrs):
        raise PopulationError(f"{side}: 'synthetic_attributes' must be a list of column names")
    return about


def load_population(path: str | Path) -> Population:
    """Read and validate a CSV or .xlsx population file and its metadata (`about_path`);
    raise PopulationError if unusable.

    The file is read once: its checksum is of the very bytes validated.
    """
    path = Path(path)
    about = _read_about(path)
    data = read_population_bytes(path)
    df = parse_table(path, data)
    pop = Population.from_frame(df, source=str(path), sha256=hashlib.sha256(data).hexdigest())
    return replace(pop, synthetic=about.get("synthetic", False),
                   description=about.get("description", ""),
                   synthetic_attributes=tuple(about.get("synthetic_attributes", ())))


def write_population(pop: Population, path: str | Path) -> None:
    """Write a population as CSV (atomically: temporary file, then rename), and beside it its
    metadata if it is synthetic (a stale metadata file of another population is removed)."""
    df = pop.to_frame()
    df["age"] = df["age"].round(1)
    df["ras_points"] = df["ras_points"].round(1)
    df["annual_budget"] = df["annual_budget"].round(2)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)
    side = about_path(path)
    if not pop.synthetic:
        side.unlink(missing_ok=True)
        return
    with atomic_path(side) as tmp:
        tmp.write_text(f"# Metadata of {Path(path).name}, read with it (sim/inputs/population.py)\n"
                       "synthetic = true\n"
                       f"description = {json.dumps(pop.description, ensure_ascii=False)}\n"
                       f"synthetic_attributes = {json.dumps(list(pop.synthetic_attributes))}\n",
                       encoding="utf-8")
