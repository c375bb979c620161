"""A search's results folder: its layout is sim.study.lifecycle.SEARCH (the same lifecycle
as a run's); here, what identifies a search so that --resume continues only the same one.

Layout: search.json (identity), trials.csv, pareto.csv, confirmed.csv, frontier.png,
search_report.md, search.html, checkpoints/ (one file per finished generation, removed at the
end), options/ (the front as ready-to-run blocks and the confirmation study) and confirm/ (that
study's normal results folder, report included).
"""
from __future__ import annotations

from typing import Any

from sim.analysis.search.file import Search
from sim.inputs.files import file_sha256
from sim.study.lifecycle import SEARCH
from sim.study.manifest import code_sha256
from sim.study.runner import identity as study_identity

IDENTITY = SEARCH.identity_file
CONFIRM = SEARCH.runs[0]  # a run folder of its own, checked by the run's rules


def identity(search: Search) -> dict[str, Any]:
    """What must not change between an interrupted search and its --resume."""
    return {"search file": file_sha256(search.path), "trials": search.spec.trials,
            "runs": search.spec.runs, "study": study_identity(search.study),
            "code": code_sha256()}
