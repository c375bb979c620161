"""The one lifecycle of a results folder, for every command that writes one (`run`,
`search`, `sensitivity`): check, claim, lock, then resume-verify or clear, and mark.

`ResultsFolder.claim` refuses, before anything is written, a folder the command may not use
(not ours, holding others' files, made by another command, existing without --overwrite or
--resume, nothing to resume); `ResultsFolder.open` holds the folder's lock for the whole job
and, inside it, either checks the interrupted job's identity (same inputs and code) or
empties the folder, marks it with the command's name and records the new identity.  Each
command's layout (what it writes) is a `Kind`, so a folder is recognised as ours only when
it holds nothing else.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.atomic import write_json_atomic
from sim.study import run_folder
from sim.study.run_folder import LOCK, MARKER, RunFolderError

Changes = Callable[[dict[str, Any], dict[str, Any]], list[str]]


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The identity's entries that differ (by name)."""
    return [k for k in new if old.get(k) != new[k]]


@dataclass(frozen=True)
class Kind:
    """What one command writes in its folder, and how it names itself."""

    command: str                                  # run-sim COMMAND
    identity_file: str                            # checked on --resume
    files: tuple[str, ...]                        # top-level file patterns
    folders: dict[str, tuple[str, ...]]           # folder -> its file patterns
    runs: tuple[str, ...] = ()                    # sub-folders holding a run of their own
    what: str = "inputs and code"                 # what --resume needs unchanged
    complete_hint: str = "use --overwrite to run it again"
    checkpoints: str = "checkpoints"              # present while the job is unfinished

    def foreign(self, folder: Path) -> list[str]:
        return run_folder.foreign_entries(folder, self.files, self.folders, runs=self.runs)


RUN = Kind("run", "run.json", run_folder.OUR_FILES, run_folder.OUR_FOLDERS,
           what="study, inputs and code as the interrupted run",
           complete_hint="use --overwrite to run it again, or `report` to rebuild its tables")
SEARCH = Kind("search", "search.json",
              ("search.json", "trials.csv", "pareto.csv", "confirmed.csv", "frontier.png",
               "search_report.md", "search.html", MARKER, LOCK, ".*.tmp"),
              {"checkpoints": ("generation_*.json", "index.json", ".*.tmp"),
               "options": ("*.toml", ".*.tmp")},
              runs=("confirm",), what="search, study, inputs and code")
SENSITIVITY = Kind("sensitivity", "sensitivity.json",
                   ("sensitivity.json", "manifest.json", "*.csv", "sensitivity.html", MARKER,
                    LOCK, ".*.tmp"),
                   {"figures": ("*.png", ".*.tmp"),
                    "checkpoints": ("block_*.npz", "index.json", ".*.tmp")},
                   what="study, design, policies, inputs and code as the interrupted analysis")
KINDS = (RUN, SEARCH, SENSITIVITY)


def mark(folder: Path, command: str) -> None:
    (folder / MARKER).write_text(f"This folder was written by run-sim {command}; --overwrite "
                                 "may replace it.\n", encoding="utf-8")


def made_by(folder: Path) -> str | None:
    """The command that made a marked folder: its marker says so; a folder marked by an
    older version is known by its identity file (None if neither tells)."""
    try:
        words = (folder / MARKER).read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return None
    if len(words) > 6 and words[5] == "run-sim":
        command = words[6].rstrip(";")
        if any(k.command == command for k in KINDS):
            return command
    for kind in KINDS:
        if (folder / kind.identity_file).is_file():
            return kind.command
    if (folder / "sensitivity.html").is_file():
        return SENSITIVITY.command
    return None


def _shown(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def check_claim(folder: Path, kind: Kind, *, resume: bool, overwrite: bool) -> None:
    """Refuse (RunFolderError) a folder this command may not use; writes nothing."""
    run_folder.check_usable(folder)
    if not folder.exists() or all(e.name == LOCK for e in folder.iterdir()):
        if resume:
            raise RunFolderError(f"{folder}: no interrupted {kind.command} to resume here; "
                                 "run without --resume")
        return
    if not (folder / MARKER).is_file():
        raise RunFolderError(f"{folder}: exists and was not made by run-sim; it is left "
                             "untouched (choose another --out)")
    maker = made_by(folder)
    if maker is not None and maker != kind.command:
        raise RunFolderError(f"{folder}: holds the results of `run-sim {maker}`, not of "
                             f"`run-sim {kind.command}`; it is left untouched (choose another "
                             "--out)")
    foreign = kind.foreign(folder)
    if foreign:
        raise RunFolderError(f"{folder}: holds files run-sim {kind.command} did not write "
                             f"({_shown(foreign)}); it is left untouched (move them, or choose "
                             "another --out)")
    if not resume and not overwrite:
        raise RunFolderError(f"{folder}: results folder exists; use --resume to continue it, "
                             "--overwrite to replace it, or --out for another folder")


def prepare(folder: Path, kind: Kind, identity: dict[str, Any], *, resume: bool,
            overwrite: bool, changes: Changes = changed_keys) -> None:
    """Make the claimed folder, whose lock the caller holds, ready: checked against the
    interrupted job when resuming (its temporaries removed), else emptied, marked with the
    command, its checkpoints folder made and its identity recorded."""
    if resume:
        _verify(folder, kind, identity, changes)
        run_folder.remove_temporaries(folder, kind.folders)
        return
    check_claim(folder, kind, resume=False, overwrite=overwrite)   # again, under the lock
    run_folder.clear(folder)
    mark(folder, kind.command)
    (folder / kind.checkpoints).mkdir()
    write_json_atomic(folder / kind.identity_file, identity)


def _verify(folder: Path, kind: Kind, identity: dict[str, Any], changes: Changes) -> None:
    ident = folder / kind.identity_file
    if not ident.is_file() or kind.foreign(folder):
        raise RunFolderError(f"{folder}: no interrupted {kind.command} to resume here; run "
                             "without --resume")
    try:
        old = json.loads(ident.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        old = None
    if not isinstance(old, dict):
        raise RunFolderError(f"{folder}: {kind.identity_file} is damaged; start again with "
                             "--overwrite")
    changed = changes(old, identity)
    if changed:
        raise RunFolderError(f"{folder}: --resume needs the same {kind.what}; changed since: "
                             f"{', '.join(changed)} (use --overwrite to start again)")
    if not (folder / kind.checkpoints).is_dir():
        raise RunFolderError(f"{folder}: this {kind.command} is complete, nothing to resume "
                             f"({kind.complete_hint})")


_OPENED: list[Path] = []   # folders opened by this process: where --resume can continue


def forget() -> None:
    """Start a new command: no folder opened yet."""
    _OPENED.clear()


def opened() -> list[Path]:
    """The folders this process has opened (an interruption after this can be resumed)."""
    return list(_OPENED)


@dataclass
class ResultsFolder:
    """One command's results folder: `claim` before the job is sized, `open` around it."""

    path: Path
    kind: Kind
    resume: bool = False
    overwrite: bool = False

    def claim(self) -> None:
        check_claim(self.path, self.kind, resume=self.resume, overwrite=self.overwrite)

    @contextmanager
    def open(self, identity: dict[str, Any], changes: Changes = changed_keys) -> Iterator[Path]:
        """Lock the folder for the block, verified (resume) or fresh, marked and identified."""
        self.claim()
        with run_folder.locked(self.path):
            prepare(self.path, self.kind, identity, resume=self.resume,
                    overwrite=self.overwrite, changes=changes)
            _OPENED.append(self.path)
            yield self.path
