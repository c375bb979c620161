"""Benchmarks (not run in CI): the fast path against the per-agent reference, scaling with
population, months, replicates and jobs, peak memory, and issue 7's targets.

    python bench/run_bench.py            # quick suite, a few minutes
    python bench/run_bench.py --full     # adds 1,000-replicate runs and 1,000 replicates of 100k people (~12 min)
    python bench/run_bench.py --ratio    # only the fast path against the reference (~1 min)

Wall times are reported with the machine-speed figure of the calibrator (--calib, default
../shared/bench/calib.py when present) measured just before and just after, so figures from
different days and machines can be compared.

Throughput is policy-agent-months per second: policies x replicates x months x mean
people, divided by wall time.  The reference model runs the same work in the same
process, so the ratio is robust to a noisy shared machine.  Whole runs go through the
CLI (start-up, checkpoints and tables included) with the memory of the process tree
sampled.  Writes bench/out/bench.csv and bench/out/bench.md (with the machine and a
table of the targets).
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import CALIB, CALIB_HELP, OUT, calib, machine, run_sampled  # noqa: E402
from sim.inputs.population import Population, write_population  # noqa: E402
from sim.model import draws, world  # noqa: E402
from sim.model.reference import ReferenceModel  # noqa: E402
from sim.study.montecarlo import RunSpec, run_replicate  # noqa: E402
from sim.study.study_file import load_study  # noqa: E402

DEFAULT = ROOT / "scenarios" / "default.toml"
FIELDS = ("id", "age", "sex", "ethnicity", "client_group", "team", "facs_band", "ras_points",
          "pb_type", "annual_budget", "months_since_review")


def resample(pop: Population, n: int, seed: int = 0) -> Population:
    """A population of n people drawn (with replacement) from pop."""
    idx = np.random.default_rng(seed).integers(0, len(pop), n)
    fields = {k: getattr(pop, k)[idx] for k in FIELDS}
    fields["id"] = np.array([f"B{i:07d}" for i in range(n)], dtype=object)
    return Population(teams=pop.teams, source=f"resampled {n}", **fields)


def spec_for(study, pop=None, months=None, policies=None) -> RunSpec:
    return RunSpec(pop or study.population, study.params, policies or study.policies,
                   study.calibrations, months or study.n_months, study.go_live,
                   (min(study.go_live + 11, (months or study.n_months) - 1),
                    (months or study.n_months) - 1), study.spec.seed, 0)


def mean_people(spec: RunSpec, r: int = 0) -> float:
    d = draws.draw(spec.population, spec.params, np.random.SeedSequence(spec.seed, spawn_key=(r,)),
                   spec.n_months)
    w = world.simulate(spec.population, spec.params, d, spec.n_months, spec.go_live)
    return float(w.alive.sum(axis=1).mean())


def fast(spec: RunSpec, reps: int) -> tuple[float, float]:
    """(wall seconds, policy-agent-months per second) for reps replicates in this process."""
    run_replicate(spec, 10_000)  # warm up imports and caches
    t0 = time.perf_counter()
    for r in range(reps):
        run_replicate(spec, r)
    dt = time.perf_counter() - t0
    work = len(spec.policies) * reps * spec.n_months * mean_people(spec)
    return dt, work / dt


def reference(spec: RunSpec) -> tuple[float, float]:
    d = draws.draw(spec.population, spec.params, np.random.SeedSequence(spec.seed, spawn_key=(0,)),
                   spec.n_months)
    t0 = time.perf_counter()
    ReferenceModel(population=spec.population, params=spec.params, draws=d,
                   n_months=spec.n_months, go_live=spec.go_live, policies=spec.policies,
                   calibrations=spec.calibrations).run()
    dt = time.perf_counter() - t0
    return dt, len(spec.policies) * spec.n_months * mean_people(spec) / dt


def cli_run(runs: int, jobs: int, study: Path = DEFAULT) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MB of the largest process, peak RSS MB of all processes
    together) for a study run through the CLI, memory sampled every 0.2 s."""
    with tempfile.TemporaryDirectory() as tmp:
        m = run_sampled([sys.executable, str(ROOT / "run_sim.py"), "run", str(study), "--runs",
                         str(runs), "--jobs", str(jobs), "--out", tmp + "/r", "--quiet",
                         "--no-report"])
    return m.wall, m.largest_mb, m.total_mb


def large_study(folder: Path, n: int) -> Path:
    """A study file for a county of n people (resampled from the shipped population) and one
    RAS policy, the recommended percentile + phased, beside the status quo."""
    study = load_study(DEFAULT)
    write_population(resample(study.population, n), folder / "county.csv")
    text = DEFAULT.read_text()
    for key, value in (("population", folder / "county.csv"),
                       ("parameters", DEFAULT.parent / "parameters.toml"),
                       ("calibrations_file", DEFAULT.parent / "calibrations.toml"),
                       ("transitions_file", DEFAULT.parent / "transitions.toml")):
        text = re.sub(rf'(?m)^{key} = ".*"', f'{key} = "{value}"', text)
    text = re.sub(r'(?m)^calibrations = \[.*\]', 'calibrations = ["percentile"]', text)
    text = re.sub(r'(?m)^transitions = .*', 'transitions = ["phased"]', text)
    text = re.sub(r'(?m)^name = ".*"', f'name = "county_{n}"', text, count=1)
    path = folder / "county.toml"
    path.write_text(text)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="add the long runs (1,000 replicates, 100k people)")
    ap.add_argument("--ratio", action="store_true", help="only the fast path against the reference")
    ap.add_argument("--calib", type=Path, default=CALIB, help=CALIB_HELP)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    study = load_study(DEFAULT)
    rows: list[dict] = []

    def add(name: str, value: float, unit: str, note: str = "") -> None:
        rows.append({"benchmark": name, "value": round(value, 3), "unit": unit, "note": note})
        print(f"{name:<58} {value:>14,.3f} {unit}  {note}", flush=True)

    before = calib(args.calib)
    if before is not None:
        add("machine speed before (calibrator)", before, "s", str(args.calib))

    P = len(study.policies)
    # 1. fast path vs reference on the same work: one replicate of the default study
    same = spec_for(study)
    ref_dt, ref_tp = reference(same)
    f_dt, f_tp = fast(same, 5)
    add(f"reference model, default study ({P} policies, {same.n_months} months)", ref_tp,
        "policy-agent-months/s", f"{ref_dt:.1f} s for 1 replicate")
    add("fast path, same work", f_tp, "policy-agent-months/s", f"{f_dt / 5:.3f} s a replicate")
    add("fast / reference throughput", f_tp / ref_tp, "x", "same run, same machine")
    if args.ratio:
        after = calib(args.calib)
        if after is not None:
            add("machine speed after (calibrator)", after, "s", str(args.calib))
        return
    # 2. the full default study, one process
    full = spec_for(study)
    dt, tp = fast(full, 10)
    add(f"default study ({P} policies, {full.n_months} months), 1 job", tp,
        "policy-agent-months/s", f"{dt / 10:.3f} s a replicate = {10 / dt:.2f} replicates/s")
    # issue 3's figure: agent-months per second of the monthly step, status quo only
    sq = spec_for(study, months=60, policies=study.policies[:1])
    dt, tp = fast(sq, 10)
    add("monthly step, status quo only, 60 months, 1 job", tp, "agent-months/s",
        "world + model + reductions")
    # 3. scaling with population size (status quo + the recommended policy)
    two = [study.policies[0]] + [p for p in study.policies if p.name == "percentile+phased"]
    sizes = (1_000, 5_000, 20_000) + ((100_000,) if args.full else ())
    for n in sizes:
        s = spec_for(study, pop=resample(study.population, n), policies=two)
        reps = 3 if n <= 20_000 else 2
        dt, tp = fast(s, reps)
        add(f"population {n:,}, 2 policies, {s.n_months} months", dt / reps, "s/replicate",
            f"{tp:,.0f} policy-agent-months/s")
    # 4. scaling with months and replicates
    for months in (24, 48, 72):
        dt, tp = fast(spec_for(study, months=months), 4)
        add(f"default policies, {months} months", dt / 4, "s/replicate", f"{tp:,.0f} p-a-m/s")
    # 5. replicates, jobs and peak memory, through the CLI (start-up and tables included)
    targets: list[tuple[str, str, bool]] = [
        ("fast path >= 100x the reference's throughput", f"{f_tp / ref_tp:.0f}x", f_tp / ref_tp >= 100)]
    runs_list = (100, 1000) if args.full else (100,)
    for runs in runs_list:
        for jobs in (1, 2):
            dt, big, tot = cli_run(runs, jobs)
            add(f"default study, {runs} replicates, --jobs {jobs}", dt, "s wall",
                f"{runs / dt:.2f} replicates/s; peak RSS {big:.0f} MB largest process, "
                f"{tot:.0f} MB all processes")
            if runs == 1000 and jobs == 2:
                targets.append(("default study, 1,000 replicates < 60 s (2 jobs)", f"{dt:.0f} s", dt < 60))
            if jobs == 2 and runs == max(runs_list):
                targets.append((f"default study peak memory < 1 GB, flat in replicates "
                                f"({runs} replicates)", f"{tot:.0f} MB all processes", tot < 1024))
    # 6. a county of 100,000 people, one RAS policy beside the status quo
    county_runs = 1000 if args.full else 50
    with tempfile.TemporaryDirectory() as tmp:
        dt, big, tot = cli_run(county_runs, 2, large_study(Path(tmp), 100_000))
    add(f"100,000 people, percentile+phased + status quo, {county_runs} replicates, --jobs 2",
        dt, "s wall", f"{county_runs / dt:.2f} replicates/s; peak RSS {big:.0f} MB largest "
        f"process, {tot:.0f} MB all processes")
    if args.full:
        targets.append(("100,000 people, 1,000 replicates of one policy < 5 min", f"{dt / 60:.1f} min",
                        dt < 300))

    after = calib(args.calib)
    if after is not None:
        add("machine speed after (calibrator)", after, "s", str(args.calib))
    desc = machine()
    with open(OUT / "bench.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    lines = ["# Benchmarks", "", f"Machine: {desc}", "", "| benchmark | value | unit | note |",
             "| --- | ---: | --- | --- |"]
    lines += [f"| {r['benchmark']} | {r['value']:,} | {r['unit']} | {r['note']} |" for r in rows]
    lines += ["", "| target (issue 7) | measured | met |", "| --- | --- | --- |"]
    lines += [f"| {name} | {value} | {'yes' if ok else 'NO'} |" for name, value, ok in targets]
    (OUT / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[-len(targets) - 2:]))
    print(f"\nwrote {OUT / 'bench.csv'} and {OUT / 'bench.md'}")


if __name__ == "__main__":
    main()
