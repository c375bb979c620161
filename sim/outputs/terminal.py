"""What the commands print besides their progress bars: the phase they are in (on stderr,
so piped output stays the results) and, at the end, where to open the results."""
from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim.outputs import probabilistic
from sim.outputs.headline import headline
from sim.outputs.registry import Tables
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


def kept(checkpoints: list[Path] | None) -> str:
    """What an interrupted command keeps: a run counts its completed chunks (in these
    checkpoint folders); other commands keep their finished steps."""
    if not checkpoints:
        return "completed checkpoints are kept"
    n = sum(len(list(c.glob("chunk_*.npz"))) for c in checkpoints if c.is_dir())
    return f"{n} completed chunk{'' if n == 1 else 's'} of replicates kept in {checkpoints[0]}"


def finished(results: StudyResults, out: Path,
             tables: Mapping[str, pd.DataFrame] | None = None) -> str:
    """What `run-sim run` prints at the end: the headline, a probabilistic run's two chances
    side by side, and where to open the results.  `tables`: those the run wrote, when the
    caller kept them; else the headline's are built here, once."""
    target = pd.read_csv(out / "target.csv")
    tables = Tables(results) if tables is None else tables
    return "\n".join([headline(results, out, tables), *probabilistic.terminal_lines(
        results, target, settings(results).first_full_year), *where_to_look(out)])
