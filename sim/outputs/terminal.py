"""What the commands print besides their progress bars: the phase they are in (on stderr,
so piped output stays the results) and, at the end, where to open the results."""
from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim.outputs import probabilistic
from sim.outputs.headline import headline
from sim.outputs.settings import settings
from sim.study.results import StudyResults

# The documents a reader opens first, in the order they are printed at the end of a run.
OPENED_FIRST = (("report", "report.html"), ("EIA evidence", "eia.docx"),
                ("workbook", "results.xlsx"))


def phase(label: str, quiet: bool = False) -> None:
    """One line naming the phase that starts now ('writing tables', 'building report')."""
    if not quiet:
        sys.stderr.write(f"{label} ...\n")
        sys.stderr.flush()


def where_to_look(folder: Path) -> list[str]:
    """'report:        results/default/report.html' and so on, for the files written."""
    return [f"{what + ':':<14}{folder / name}" for what, name in OPENED_FIRST
            if (folder / name).is_file()]


# What each command checkpoints (file pattern in checkpoints/, what it is, in words).
CHECKPOINTS = (("chunk_*.npz", "completed chunk{} of replicates"),
               ("block_*.npz", "completed block{} of design points"),
               ("generation_*.json", "finished generation{}"))


def kept(folder: Path) -> str:
    """What an interrupted command keeps in its results folder, counted: a run's chunks of
    replicates (its events-only companion's too), an analysis' blocks, a search's
    generations."""
    for pattern, what in CHECKPOINTS:
        n = sum(len(list((folder / sub).glob(pattern)))
                for sub in ("checkpoints", "events_only_checkpoints") if (folder / sub).is_dir())
        if n:
            return f"{n} {what.format('' if n == 1 else 's')} kept in {folder}"
    return f"completed checkpoints are kept in {folder}"


def finished(results: StudyResults, out: Path, tables: Mapping[str, pd.DataFrame]) -> str:
    """What `run-sim run` prints at the end: the headline, a probabilistic run's two chances
    side by side, and where to open the results.  `tables`: those the run wrote (none is
    rebuilt here)."""
    target = pd.read_csv(out / "target.csv")
    return "\n".join([headline(results, out, tables), *probabilistic.terminal_lines(
        results, target, settings(results).first_full_year), *where_to_look(out)])
