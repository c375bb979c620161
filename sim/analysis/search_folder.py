"""A search's results folder, under the same rules as a run's (sim.study.run_folder): replaced
only if this tool made it and it holds nothing else, resumed only with the same search.

Layout: search.json (identity), trials.csv, pareto.csv, confirmed.csv, frontier.png,
search_report.md, search.html, checkpoints/ (one file per finished generation, removed at the
end), options/ (the front as ready-to-run blocks and the confirmation study) and confirm/ (that study's normal
results folder, report included).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.analysis.search_file import Search
from sim.inputs.files import file_sha256
from sim.study import run_folder
from sim.study.manifest import code_sha256, write_json_atomic
from sim.study.runner import identity as study_identity

IDENTITY = "search.json"
FILES = (IDENTITY, "trials.csv", "pareto.csv", "confirmed.csv", "frontier.png", "search_report.md",
         "search.html", run_folder.MARKER, run_folder.LOCK, ".*.tmp")
FOLDERS = {"checkpoints": ("generation_*.json", "index.json", ".*.tmp"),
           "options": ("*.toml", ".*.tmp")}
CONFIRM = "confirm"  # a run folder of its own, checked by run_folder's rules


def identity(search: Search) -> dict[str, Any]:
    """What must not change between an interrupted search and its --resume."""
    return {"search file": file_sha256(search.path), "trials": search.spec.trials,
            "runs": search.spec.runs, "study": study_identity(search.study),
            "code": code_sha256()}


def foreign_entries(folder: Path) -> list[str]:
    """Entries a search would not have written."""
    return run_folder.foreign_entries(folder, FILES, FOLDERS, runs=(CONFIRM,))


def claim(folder: Path, *, overwrite: bool, resume: bool) -> None:
    """Refuse, before anything is written, a folder this search may not use."""
    run_folder.check_usable(folder)
    if not folder.exists() or all(e.name == run_folder.LOCK for e in folder.iterdir()):
        if resume:
            raise run_folder.RunFolderError(f"{folder}: no interrupted search to resume here; "
                                            "run without --resume")
        return
    if not (folder / run_folder.MARKER).is_file():
        raise run_folder.RunFolderError(f"{folder}: exists and was not made by run-sim; it is "
                                        "left untouched (choose another --out)")
    foreign = foreign_entries(folder)
    if foreign:
        raise run_folder.RunFolderError(f"{folder}: holds files run-sim did not write "
                                        f"({', '.join(foreign[:5])}); it is left untouched")
    if not resume and not overwrite:
        raise run_folder.RunFolderError(f"{folder}: results folder exists; use --resume to "
                                        "continue it, --overwrite to replace it, or --out for "
                                        "another folder")


def prepare(folder: Path, search: Search, *, resume: bool) -> None:
    """Make the claimed, locked folder ready: checked against the interrupted search when
    resuming, else emptied and marked."""
    if resume:
        try:
            old = json.loads((folder / IDENTITY).read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            raise run_folder.RunFolderError(f"{folder}: no readable {IDENTITY}; start again "
                                            "with --overwrite") from None
        new = identity(search)
        changed = [k for k in new if old.get(k) != new[k]]
        if changed:
            raise run_folder.RunFolderError(
                f"{folder}: --resume needs the same search, study, inputs and code; changed "
                f"since: {', '.join(changed)} (use --overwrite to start again)")
        if not (folder / "checkpoints").is_dir():
            raise run_folder.RunFolderError(f"{folder}: this search is complete, nothing to "
                                            "resume (use --overwrite to run it again)")
        run_folder.remove_temporaries(folder)
        return
    run_folder.clear(folder)
    run_folder.mark(folder)
    write_json_atomic(folder / IDENTITY, identity(search))
