"""What was run and on what evidence: the run settings, every assumption with its source,
and the manifest (versions, commit, timings) -- the report's method section and sheets."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.outputs.formats import pounds
from sim.outputs.settings import settings
from sim.study.results import StudyResults


def run_table(res: StudyResults) -> pd.DataFrame:
    """The study's settings as two columns, setting and value, ready to read."""
    s = settings(res)
    rows = {"study": s.name, "seed": s.seed, "replicates": res.n_replicates,
            "replicates with person-level data": len(res.persons),
            "savings target": pounds(s.target), "first full year": s.first_full_year,
            "suppress groups below": f"{s.suppress_below:g} people",
            "cost-neutral tolerance": f"{s.cost_neutral_tolerance:.1%} of status quo spend",
            "months": f"{res.months[0]} to {res.months[-1]}" if res.months else ""}
    return pd.DataFrame({"setting": list(rows), "value": [str(v) for v in rows.values()]})


def assumptions_table(res: StudyResults) -> pd.DataFrame:
    """Every parameter section with its source, as the study recorded them."""
    rows = (res.meta or {}).get("assumptions") or []
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["section", "source"])


def manifest_table(folder: Path, res: StudyResults) -> pd.DataFrame:
    """The folder's manifest.json as key/value rows; the copy stored with the results if the
    file is missing or damaged."""
    manifest = (res.meta or {}).get("manifest") or {}
    path = folder / "manifest.json"
    if path.exists():
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            pass  # a damaged manifest: keep the copy stored with the results
    rows = [{"key": k,
             "value": json.dumps(v, default=str) if isinstance(v, (dict, list)) else str(v)}
            for k, v in manifest.items()]
    return pd.DataFrame(rows, columns=["key", "value"])
