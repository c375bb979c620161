"""Command line: run a study, validate inputs, rebuild a report, rebuild the synthetic population.

Exit status: 0 done, 2 bad input (nothing written), 130 interrupted (completed
checkpoints kept; rerun with --resume), 1 unexpected error.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sim.errors import InputError
from sim.paths import DEFAULT_POPULATION, DEFAULT_STUDY

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130



def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="run-sim",
        description="Simulate adult social care personal budgets under RAS calibrations and "
        "transition scenarios; report spend, savings against target and equalities impact. "
        "With no command, runs the default study (scenarios/default.toml).",
        epilog="Examples:\n  run-sim                                  # the default study\n"
        "  run-sim run scenarios/default.toml --runs 1000 --jobs 2\n"
        "  run-sim validate populations/bnes_2012_synthetic.csv\n"
        "  run-sim report results/default",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="command")
    r = sub.add_parser("run", help="run a study and write a results folder",
                       description="Run every policy of a study over Monte Carlo replicates.")
    r.add_argument("study", nargs="?", default=str(DEFAULT_STUDY),
                   help="study file (TOML); default: scenarios/default.toml")
    r.add_argument("--runs", type=int, help="number of replicates (default: the study's 'runs')")
    r.add_argument("--seed", type=int, help="master seed (default: the study's 'seed')")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel worker processes on this machine (default: all cores, "
                   f"{os.cpu_count()} here); results do not depend on it")
    r.add_argument("--out", help="results folder (default: results/<study name>)")
    r.add_argument("--resume", action="store_true",
                   help="continue an interrupted run in --out from its completed checkpoints")
    r.add_argument("--overwrite", action="store_true",
                   help="replace an existing results folder (otherwise refused)")
    r.add_argument("--backend", choices=("loky", "dask"), default="loky",
                   help="loky: processes on this machine; dask: a Dask cluster (pip install "
                   ".[dask]) at --scheduler")
    r.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 "
                   "(with --backend dask; default: a local cluster)")
    r.add_argument("--no-report", action="store_true",
                   help="write the tables only, skip figures, report.html and results.xlsx")
    r.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    v = sub.add_parser("validate", help="check a population file (.csv/.xlsx) or a study (.toml)")
    v.add_argument("path")
    p = sub.add_parser("report", help="rebuild tables, figures, report.html and results.xlsx "
                       "from a results folder without rerunning")
    p.add_argument("results_dir")
    s = sub.add_parser("synthesize", help="rebuild the synthetic B&NES 2012 population")
    s.add_argument("--out", default=str(DEFAULT_POPULATION))
    s.add_argument("--targets", help="targets file (default populations/synthetic_targets.toml)")
    s.add_argument("--seed", type=int, help="seed (default: the targets file's)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is None:
        args = _parser().parse_args(["run"])
    try:
        return {"run": cmd_run, "validate": cmd_validate, "report": cmd_report,
                "synthesize": cmd_synthesize}[args.command](args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\ninterrupted: completed checkpoints are kept; rerun with --resume to continue",
              file=sys.stderr)
        return EXIT_INTERRUPTED


def cmd_validate(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.suffix.lower() == ".toml":
        from sim.study.study_file import load_study

        st = load_study(path)
        print(f"{path}: valid study '{st.spec.name}': {len(st.policies)} policies "
              f"({len(st.calibrations)} calibrations x {len(st.transitions)} transitions + "
              f"status quo), population {st.population.source} ({len(st.population)} people), "
              f"{st.spec.runs} replicates, months {st.months[0]} to {st.months[-1]}")
        return 0
    from sim.inputs.population import load_population

    pop = load_population(path)
    print(f"{path}: valid population of {len(pop)} people")
    return 0


def cmd_synthesize(args: argparse.Namespace) -> int:
    from sim.inputs.population import write_population
    from sim.inputs.synthetic import check_targets, generate, load_targets

    targets = load_targets(args.targets)
    from sim.model.params import load_parameters

    thresholds = load_parameters().need.facs_thresholds
    pop = generate(targets, facs_thresholds=thresholds, seed=args.seed)
    write_population(pop, args.out)
    print(f"wrote {args.out} ({len(pop)} people)")
    for row in check_targets(pop, targets):
        print(f"  {'ok ' if row['ok'] else 'OFF'} {row['target']}: {row['actual']} "
              f"(target {row['expected']}, {row['source']})")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from sim.outputs.report import build_report

    folder = Path(args.results_dir)
    if not (folder / "aggregates.npz").exists():
        raise InputError(f"{folder}: not a results folder (no aggregates.npz)")
    for path in build_report(folder):
        print(path)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim.study.runner import prepare_output, run_study
    from sim.study.study_file import load_study

    if args.runs is not None and args.runs < 1:
        raise InputError("--runs must be at least 1")
    if args.jobs < 1:
        raise InputError("--jobs must be at least 1")
    if args.scheduler and args.backend != "dask":
        raise InputError("--scheduler goes with --backend dask")
    study = load_study(args.study, runs=args.runs, seed=args.seed)
    out = Path(args.out) if args.out else Path("results") / study.spec.name
    prepare_output(out, study, resume=args.resume, overwrite=args.overwrite)
    client = None
    if args.backend == "dask":
        client = _dask_client(args.scheduler, args.jobs)
    try:
        summary = run_study(study, out, jobs=args.jobs, backend=args.backend,
                            report=not args.no_report, progress=None if not args.quiet else False)
    finally:
        if client is not None:
            client.close()
    if not args.quiet:
        print(summary)
    return 0


def _dask_client(address: str | None, jobs: int):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--backend dask needs Dask: pip install '.[dask]'") from None
    if address:
        return Client(address)
    return Client(LocalCluster(n_workers=jobs, threads_per_worker=1, host="127.0.0.1",
                               dashboard_address=None, processes=True))


if __name__ == "__main__":
    sys.exit(main())
