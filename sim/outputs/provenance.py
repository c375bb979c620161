"""What was run and on what evidence: the run settings, every assumption with its source,
and the manifest (versions, commit, timings) -- the report's method section and sheets."""
from __future__ import annotations

import json
import sys
from pathlib import Path, PurePath

import pandas as pd

from sim.outputs.formats import pounds
from sim.outputs.settings import settings
from sim.study.results import MANIFEST_FILE, StudyResults, checked_manifest


def run_table(results: StudyResults) -> pd.DataFrame:
    """The study's settings as two columns, setting and value, ready to read."""
    s = settings(results)
    rows = {"study": s.name, "seed": s.seed, "replicates": results.n_replicates,
            "replicates with person-level data": len(results.persons),
            "savings target": pounds(s.target), "first full year": s.first_full_year,
            "suppress groups below": f"{s.suppress_below:g} people",
            "cost-neutral tolerance": f"{s.cost_neutral_tolerance:.1%} of status quo spend",
            "months": f"{results.months[0]} to {results.months[-1]}" if results.months else "",
            "population": _population(results)}
    return pd.DataFrame({"setting": list(rows), "value": list(rows.values())}, dtype=object)


def _population(results: StudyResults) -> str:
    pop = (results.meta or {}).get("population")
    if pop is None:
        return "not recorded (results from before population metadata was kept)"
    kind = "synthetic (made-up people)" if pop.get("synthetic") else "real records"
    return f"{kind}, {pop['size']:,} people at the start" if "size" in pop else kind


def assumptions_table(results: StudyResults) -> pd.DataFrame:
    """Every parameter section with its source, as the study recorded them."""
    rows = (results.meta or {}).get("assumptions") or []
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["section", "source"])


def manifest_table(folder: Path, results: StudyResults) -> pd.DataFrame:
    """The run's manifest as key/value rows, from checked files only: manifest.json when
    checksums.json covers it and it matches, else (with a note) the copy stored with the
    checked results, so an edited seed or replicate count is never shown as the run's."""
    manifest, why = checked_manifest(folder, results)
    if why and (folder / MANIFEST_FILE).exists():
        sys.stderr.write(f"note: {why}; the provenance shown is the copy stored with the "
                         "checked results\n")
    rows = [{"key": k.replace("_", " "), "value": _shown(k, v)} for k, v in manifest.items()]
    return pd.DataFrame(rows, columns=["key", "value"])


def _shown(key: str, value: object) -> object:
    """A manifest value as it reads: a file by its name only (a local path says nothing to a
    reader and shows the run's machine), numbers as numbers, structures as JSON."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    if key.endswith("_file") and isinstance(value, str):
        return PurePath(value).name or value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return "" if value is None else str(value)
