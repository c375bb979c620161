"""Benchmark (not run in CI): a Sobol analysis of the default study through the CLI.

    python bench/sensitivity_bench.py                 # N = 256, --jobs 2 (about 5 minutes)
    python bench/sensitivity_bench.py --samples 32    # a quick look

Issue 15's target: at least 16 uncertain parameters, N = 256 base samples (over 4,600 model
evaluations), under 5 minutes on 2 cores.  The wall time is reported with the machine-speed
figure of the calibrator (--calib, default ../shared/bench/calib.py when present) measured
just before and just after, as bench/run_bench.py does.  Writes the analysis to
bench/out/sensitivity-default/ and a summary (timing, the top three drivers of each headline
policy's savings, the thresholds) to bench/out/sensitivity_bench.md.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import CALIB, CALIB_HELP, OUT, calib, calib_note, machine

LIMIT_S = 300


def run(samples: int, jobs: int, folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds (all its processes) of one `run_sim.py sensitivity` of the
    default study: on a shared machine, CPU / jobs is the wall time it would take alone."""
    cmd = [sys.executable, str(ROOT / "run_sim.py"), "sensitivity",
           str(ROOT / "scenarios" / "default.toml"), "--samples", str(samples), "--replicates", "1",
           "--jobs", str(jobs), "--out", str(folder), "--overwrite", "--quiet"]
    t0, c0 = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.perf_counter() - t0, _children_cpu() - c0


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def drivers(folder: Path) -> list[str]:
    """Each policy's top three parameters for its savings, with ST and S1."""
    si = pd.read_csv(folder / "sensitivity.csv")
    si = si[si["output"] == "savings"]
    lines = []
    for policy in dict.fromkeys(si["policy"]):
        rows = si[si["policy"] == policy].sort_values("ST", ascending=False, kind="stable")
        top = "; ".join(f"{r.parameter} ST {r.ST:.2f} ± {r.ST_conf:.2f} (S1 {r.S1:.2f})"
                        for r in rows.head(3).itertuples())
        lines.append(f"- {policy}: {top}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=256, help="Sobol base samples N")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--calib", type=Path, default=CALIB, help=CALIB_HELP)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    folder = OUT / "sensitivity-default"
    before = calib(args.calib)
    wall, cpu = run(args.samples, args.jobs, folder)
    after = calib(args.calib)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    n_par, points = len(manifest["parameters"]), manifest["points"]
    met = n_par >= 16 and points > 4600 and wall < LIMIT_S
    timing = (f"Sobol, default study, {n_par} uncertain parameters, N = {args.samples}: {points} "
              f"model evaluations ({manifest['replicates']} replicate each) of "
              f"{len(manifest['policies'])} policies and the status quo, thresholds included, "
              f"--jobs {args.jobs}: **{wall:.1f} s wall**, {cpu:.0f} s CPU in all processes "
              f"({cpu / args.jobs:.0f} s a worker; {calib_note(before, after, args.calib)}).")
    target = (f"Target (>= 16 parameters, > 4,600 evaluations, < {LIMIT_S} s): "
              f"{'met' if met else 'NOT met'}.")
    drivers_head = (f"Top three drivers of mean savings in {manifest['year']} (total index ST "
                    "± its 95% half-interval, first-order S1):")
    lines = ["# Sensitivity benchmark", "", f"Machine: {machine()}", "", timing, "", target, "",
             drivers_head, "", *drivers(folder), "", "Thresholds:", "", "```",
             pd.read_csv(folder / "thresholds.csv").T.to_string(header=False), "```", ""]
    text = "\n".join(lines)
    (OUT / "sensitivity_bench.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
