"""Benchmark (not run in CI): the default options search, 200 trials x 50 replicates on 2 jobs,
confirmation run and report included, through the CLI.  Issue 16's bar: under 5 minutes.

    python bench/search_bench.py [--jobs 2] [--out results/search_default]

Prints the wall time beside the machine-speed figure of the calibrator (--calib, default
../shared/bench/calib.py when present) measured just before and just after, then the
confirmed frontier against the shipped scenarios (confirmed.csv).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import CALIB, CALIB_HELP, calib  # the same calibrator reading as every bench

SEARCH = ROOT / "scenarios" / "search_default.toml"
BAR_SECONDS = 300


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "search_default")
    ap.add_argument("--calib", type=Path, default=CALIB, help=CALIB_HELP)
    args = ap.parse_args()
    before = calib(args.calib)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "run_sim.py"), "search", str(SEARCH), "--jobs",
                    str(args.jobs), "--out", str(args.out), "--overwrite"], check=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = calib(args.calib)
    print(f"\ndefault search (200 trials x 50 replicates, confirmation included), "
          f"{args.jobs} jobs: {wall:.1f} s (bar {BAR_SECONDS} s: "
          f"{'met' if wall < BAR_SECONDS else 'MISSED'})")
    print(f"calibrator: {before} s before, {after} s after")
    confirmed = pd.read_csv(args.out / "confirmed.csv")
    shown = confirmed[confirmed["on_frontier"] | (confirmed["role"] == "reference")]
    cols = ["label", "prob_meet_target", "share_lose10", "largest_rr_lose10",
            "protection_cost", "feasible"]
    print(shown[cols].to_string(index=False))


if __name__ == "__main__":
    main()
