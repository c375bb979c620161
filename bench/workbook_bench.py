"""Benchmark (not run in CI): writing results.xlsx from a results folder's sheets, this
checkout's writer against another checkout's (default: main's), alternated in fresh processes.

    python run_sim.py run --runs 20 --jobs 1 --out /tmp/xlsx20 --quiet
    python bench/workbook_bench.py /tmp/xlsx20                  # against main, 3 pairs
    python bench/workbook_bench.py /tmp/xlsx20 --old ../other   # against a checkout

Each measurement builds the workbook's sheets as `run-sim report` does (untimed), then times
`write_workbook` alone: wall seconds and the process's CPU seconds (`time.process_time`, less
disturbed on a shared machine), with the calibrator's machine-speed figure taken just before
and just after.  Prints the medians and the old/new ratios.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import CALIB, CALIB_HELP, calib, calib_note, clean_env, machine  # noqa: E402


def measure(checkout: Path, folder: Path) -> dict[str, float]:
    """Time checkout's write_workbook on folder's sheets (run in a process of its own, with
    checkout first on sys.path)."""
    sys.path.insert(0, str(checkout))
    from sim.outputs.registry import headings
    from sim.outputs.workbook.book import write_workbook
    from sim.outputs.workbook.front import front, numbered
    from sim.outputs.write import folder_tables

    tables = folder_tables(folder)
    book = {name: numbered(tables.results, tables[name]) for name in tables.named(sheet=True)}
    cover, heads = front(tables.results), headings()
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        write_workbook(book, Path(tmp) / "results.xlsx", cover, heads)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    cells = sum(df.size + len(df.columns) for df in book.values())
    return {"wall": wall, "cpu": cpu, "cells": cells}


def run_one(checkout: Path, folder: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--measure", str(checkout), str(folder)],
                         env=clean_env(checkout), capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"measuring {checkout} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def old_checkout(old: str, tmp: Path) -> Path:
    """A directory: `old` itself, or git revision `old` of this repository exported into tmp."""
    if Path(old).is_dir():
        return Path(old).resolve()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", old], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    return tmp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="a results folder (e.g. of 20 replicates)")
    ap.add_argument("--old", default="main", help="checkout directory or git revision")
    ap.add_argument("--pairs", type=int, default=3, help="old/new measurements, alternated")
    ap.add_argument("--calib", type=Path, default=CALIB, help=CALIB_HELP)
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.folder)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        old = old_checkout(args.old, Path(tmp))
        before = calib(args.calib)
        runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        for _ in range(args.pairs):
            runs["old"].append(run_one(old, args.folder))
            runs["new"].append(run_one(ROOT, args.folder))
        after = calib(args.calib)
    print(machine())
    print(f"{args.folder}: {runs['new'][0]['cells']:,} cells; old = {args.old}; "
          f"{args.pairs} alternated pairs; medians")
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("wall", "cpu")}
           for k, v in runs.items()}
    for m in ("wall", "cpu"):
        print(f"{m:>4}: old {med['old'][m]:.2f} s, new {med['new'][m]:.2f} s, "
              f"{med['old'][m] / med['new'][m]:.1f}x less")
    print(calib_note(before, after, args.calib))


if __name__ == "__main__":
    main()
