"""Probabilistic against fixed-parameter run time (issue 15: within 1.5x), not run in CI.

    python bench/psa_bench.py                 # 1,000 replicates of the default study, --jobs 2
    python bench/psa_bench.py --runs 200

Runs the default study through the CLI twice (fixed, then --uncertainty, which adds the
events-only companion of min(runs, 200) replicates, the per-replicate parameter draw, and the
synthetic population rebuilt and the calibrations refitted each replicate), with the machine
figure of ../shared/bench/calib.py (when present) before and after.  Writes bench/out/psa.md.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import CALIB, CALIB_HELP, OUT, calib, clean_env, run_sampled


def timed_run(runs: int, jobs: int, *extra: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        return run_sampled([sys.executable, str(ROOT / "run_sim.py"), "run", "--runs", str(runs),
                            "--jobs", str(jobs), "--out", f"{tmp}/run", "--quiet", "--no-report",
                            *extra], cwd=ROOT, env=clean_env(ROOT)).wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--calib", type=Path, default=CALIB, help=CALIB_HELP)
    args = ap.parse_args()
    before = calib(args.calib) or "n/a"
    fixed = timed_run(args.runs, args.jobs)
    drawn = timed_run(args.runs, args.jobs, "--uncertainty")
    after = calib(args.calib) or "n/a"
    OUT.mkdir(parents=True, exist_ok=True)
    text = (f"# Probabilistic run time ({args.runs} replicates, --jobs {args.jobs})\n\n"
            f"| run | wall s |\n|---|---|\n| fixed parameters | {fixed:.1f} |\n"
            f"| --uncertainty | {drawn:.1f} |\n| ratio | {drawn / fixed:.2f} (target <= 1.5) |\n\n"
            f"Machine figure (calib.py, s; lower is faster): before {before}, after {after}.\n")
    (OUT / "psa.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
