"""`run-sim search`: the options search, in the same results-folder lifecycle as `run`
(sim.study.lifecycle), resumable and on Dask like it."""
from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli_common import check_counts, cluster, folder_options, jobs, out_folder


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "search", help="search the calibration and transition levers for the options that meet "
        "the target while hurting the fewest people (multi-objective, confirmed on fresh seeds)",
        description="Options search: try settings of the levers named in SEARCH (Optuna "
        "NSGA-II), every candidate on the same replicates; re-run the Pareto front on fresh "
        "seeds with the shipped scenarios through the normal pipeline; write trials.csv, "
        "pareto.csv, confirmed.csv, frontier.png, search_report.md, search.html, options/ "
        "(ready-to-run "
        "blocks) and confirm/ (the full report).")
    s.add_argument("search", help="search file (TOML), e.g. scenarios/search_default.toml")
    s.add_argument("--trials", type=int, help="candidates to try (default: the file's 'trials')")
    s.add_argument("--runs", type=int, help="replicates per candidate (default: the file's "
                   "'runs'); the confirmation uses the file's 'confirm_runs'")
    folder_options(s, "results/<search name>", "search")


def cmd_search(args: argparse.Namespace) -> int:
    from sim.analysis.job_size import check_search
    from sim.analysis.search.file import load_search
    from sim.analysis.search.folder import identity
    from sim.analysis.search.pipeline import execute
    from sim.study.lifecycle import SEARCH, ResultsFolder

    check_counts(args, "trials", "runs")
    search = load_search(args.search, trials=args.trials, runs=args.runs)
    out = out_folder(args, Path("results") / search.spec.name)
    n_jobs = jobs(args.jobs)
    folder = ResultsFolder(out, SEARCH, resume=args.resume, overwrite=args.overwrite)
    folder.claim()
    check_search(search, n_jobs, out)
    with cluster(args, n_jobs), folder.open(identity(search)):
        outcome = execute(search, out, jobs=n_jobs, resume=args.resume,
                          progress=None if not args.quiet else False, backend=args.backend)
    if not args.quiet:
        took = ", ".join(f"{k} {v:.0f} s" for k, v in outcome.seconds.items())
        print(f"{len(outcome.trials)} trials -> {out} ({took})\n{outcome.message}")
    return 0
