"""Command line: run a study, validate inputs, rebuild a report, rebuild the synthetic population,
search the levers for the best options.

Exit status: 0 done; 2 bad input (nothing written); 3 the environment failed (disk full,
no permission, scheduler unreachable), completed checkpoints kept; 130 interrupted (Ctrl-C
or SIGTERM; completed checkpoints kept, rerun with --resume); 1 unexpected error.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from sim import __version__
from sim.errors import EnvironmentFailure, InputError
from sim.cli_import import add_parser as add_import_parser
from sim.cli_import import cmd_import
from sim.paths import DEFAULT_POPULATION, DEFAULT_STUDY

EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERRUPTED = 130


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="run-sim",
        description="Simulate adult social care personal budgets under RAS calibrations and "
        "transition scenarios; report spend, savings against target and equalities impact. "
        "With no command (or only run options), runs the default study.",
        epilog="Examples:\n  run-sim                                  # the default study\n"
        "  run-sim --overwrite                      # the default study, replacing its results\n"
        "  run-sim run scenarios/default.toml --runs 1000 --jobs 2\n"
        "  run-sim validate populations/bnes_2012_synthetic.csv\n"
        "  run-sim report results/default\n"
        "  run-sim search scenarios/search_default.toml --jobs 2\n"
        "  run-sim import EXTRACT.csv --mapping MAP.toml --out POP.csv\n\n"
        "Exit status: 0 done, 2 bad input (nothing written), 3 environment failure (disk, "
        "permissions, network), 130 interrupted (rerun with --resume).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    _run_parser(sub)
    _search_parser(sub)
    _sensitivity_parser(sub)
    add_import_parser(sub)
    v = sub.add_parser("validate", help="check a population file (.csv/.xlsx), a study or a "
                       "search (.toml)",
                       description="Check an input file and say what is wrong, without running.")
    v.add_argument("path", help="a population file (.csv or .xlsx), a study file or an options "
                   "search file (.toml)")
    p = sub.add_parser("report", help="rebuild tables, figures, report.html and results.xlsx "
                       "from a results folder without rerunning",
                       description="Rebuild every table, figure and document of a finished run.")
    p.add_argument("results_dir", help="a results folder written by `run-sim run`")
    s = sub.add_parser("synthesize", help="rebuild the synthetic B&NES 2012 population",
                       description="Rebuild the synthetic baseline population from its targets.")
    s.add_argument("--out", default=str(DEFAULT_POPULATION),
                   help="population file to write (default: the shipped one)")
    s.add_argument("--targets", help="targets file (default: populations/synthetic_targets.toml)")
    s.add_argument("--seed", type=int, help="seed (default: the targets file's)")
    s.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    return ap


def _run_parser(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("run", help="run a study and write a results folder",
                       description="Run every policy of a study over Monte Carlo replicates.")
    r.add_argument("study", nargs="?", default=str(DEFAULT_STUDY),
                   help="study file (TOML); default: the shipped scenarios/default.toml")
    r.add_argument("--runs", type=int, help="number of replicates (default: the study's 'runs')")
    r.add_argument("--seed", type=int, help="master seed (default: the study's 'seed')")
    _folder_options(r, "results/<study name>, or results/<study name>-uncertainty for a "
                    "probabilistic run")
    r.add_argument("--resume", action="store_true",
                   help="continue an interrupted run in --out from its completed checkpoints")
    r.add_argument("--backend", choices=("loky", "dask"), default="loky",
                   help="loky: processes on this machine; dask: a Dask cluster (pip install "
                   ".[dask]) at --scheduler")
    r.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 "
                   "(with --backend dask; default: a local cluster)")
    r.add_argument("--no-report", action="store_true",
                   help="write the CSV tables only: skip figures, report.html and results.xlsx")
    r.add_argument("--uncertainty", action="store_true",
                   help="probabilistic run: each replicate draws the uncertain parameters from "
                   "their distributions (parameters.toml); target.csv then shows events only "
                   "and events plus assumptions (study key: uncertainty = true)")


def _folder_options(p: argparse.ArgumentParser, default_out: str) -> None:
    """--jobs, --out, --overwrite and --quiet: the same for every command writing a folder."""
    p.add_argument("--jobs", type=int, help="parallel worker processes on this machine (default "
                   f"and most: all cores, {os.cpu_count()} here); results do not depend on it")
    p.add_argument("--out", help=f"output folder (default: {default_out})")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing folder written by run-sim (any other folder is "
                   "refused)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def _search_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "search", help="search the calibration and transition levers for the options that meet "
        "the target while hurting the fewest people (multi-objective, confirmed on fresh seeds)",
        description="Options search: try settings of the levers named in SEARCH (Optuna "
        "NSGA-II), every candidate on the same replicates; re-run the Pareto front on fresh "
        "seeds with the shipped scenarios through the normal pipeline; write trials.csv, "
        "pareto.csv, confirmed.csv, frontier.png, search_report.md, search.html, options/ "
        "(ready-to-run blocks) and confirm/ (the full report).")
    s.add_argument("search", help="search file (TOML), e.g. scenarios/search_default.toml")
    s.add_argument("--trials", type=int, help="candidates to try (default: the file's 'trials')")
    s.add_argument("--runs", type=int, help="replicates per candidate (default: the file's "
                   "'runs'); the confirmation uses the file's 'confirm_runs'")
    _folder_options(s, "results/<search name>")
    s.add_argument("--resume", action="store_true",
                   help="continue an interrupted search in --out from its finished generations")


def _sensitivity_parser(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("sensitivity", help="which assumptions the headline results depend on "
                       "(Sobol or Morris), and each policy's threshold",
                       description="Global sensitivity analysis over the parameters that carry "
                       "a distribution in the study's parameter file.")
    a.add_argument("study", help="study file (TOML)")
    a.add_argument("--samples", type=int, default=32,
                   help="base samples N (Sobol: N x (parameters + 2) evaluations; Morris: N "
                   "trajectories); default 32")
    a.add_argument("--method", choices=("sobol", "morris"), default="sobol",
                   help="sobol: first-order and total indices (default); morris: cheaper "
                   "screening (mu*, sigma)")
    a.add_argument("--replicates", type=int, default=8,
                   help="replicate worlds per evaluation, the same for every one (default 8: "
                   "fewer leave much of the savings' variance to chance, see noise.csv)")
    a.add_argument("--policies", help="comma-separated policies to analyse (default: the "
                   "recommended calibration with every transition)")
    a.add_argument("--seed", type=int, help="seed of the design and the worlds (default: the "
                   "study's)")
    _folder_options(a, "results/<study name>-sensitivity")


def _terminate(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM behaves like Ctrl-C: clean up, keep checkpoints


def _stop_workers() -> None:
    """End the loky worker processes now (they would otherwise outlive an interrupted run)."""
    try:
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=False, kill_workers=True)
    except Exception:  # noqa: BLE001 - best effort while exiting
        pass


def _normalise(argv: list[str]) -> list[str]:
    """`run-sim --overwrite` is `run-sim run --overwrite`: options alone mean the default run."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        return ["run", *argv]
    return argv


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(_normalise(sys.argv[1:] if argv is None else list(argv)))
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, EnvironmentFailure) as exc:
        print(f"error: {_describe(exc)}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        _stop_workers()
        from sim.outputs.terminal import kept

        print(f"\ninterrupted: {kept(getattr(args, 'checkpoints', None))}; rerun with --resume "
              "to continue", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror} (completed checkpoints, if any, are kept)"
    return str(exc)


def cmd_validate(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.suffix.lower() == ".toml" and _is_search_file(path):
        from sim.analysis.search_file import load_search

        se = load_search(path)
        print(f"{path}: valid options search '{se.spec.name}': {len(se.levers)} levers, "
              f"{len(se.objectives)} objectives, {len(se.constraints)} constraints, "
              f"{se.spec.trials} trials x {se.spec.runs} replicates on study "
              f"'{se.study.spec.name}'")
        return 0
    if path.suffix.lower() == ".toml":
        from sim.study.study_file import load_study

        st = load_study(path)
        variants = sum(1 for p in st.policies if p.variant_of)
        print(f"{path}: valid study '{st.spec.name}': {len(st.policies)} policies "
              f"({len(st.calibrations)} calibrations x {len(st.transitions)} transitions + "
              f"status quo and status quo without creep"
              f"{f' + {variants} variants' if variants else ''}), "
              f"population {st.population.source} ({len(st.population)} people), "
              f"{st.spec.runs} replicates, months {st.months[0]} to {st.months[-1]}")
        return 0
    from sim.inputs.population import load_population

    pop = load_population(path)
    print(f"{path}: valid population of {len(pop)} people")
    return 0


def _is_search_file(path: Path) -> bool:
    """A search file has a [search] table (a study has [study]); unreadable: let the study
    loader say why."""
    from sim.inputs.toml_file import TomlFileError, read_toml

    try:
        raw, _ = read_toml(path, "study or search file")
    except (TomlFileError, InputError):
        return False
    return "search" in raw and "study" not in raw


def cmd_synthesize(args: argparse.Namespace) -> int:
    from sim.inputs.population import write_population
    from sim.inputs.synthetic import check_targets, generate, load_targets
    from sim.model.params import load_parameters

    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise InputError(f"{out}: exists; add --overwrite to replace it (the shipped population "
                         "is the one the default study and tests use)")
    targets = load_targets(args.targets)
    params = load_parameters()
    pop = generate(targets, facs_thresholds=params.need.facs_thresholds,
                   facs_team_offsets=params.facs.team_offset_points, seed=args.seed)
    write_population(pop, out)
    print(f"wrote {out} ({len(pop)} people)")
    for row in check_targets(pop, targets, params.need.facs_thresholds):
        print(f"  {'ok ' if row['ok'] else 'OFF'} {row['target']}: {row['actual']} "
              f"(target {row['expected']}, {row['source']})")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from sim.study import run_folder

    folder = Path(args.results_dir)
    if not (folder / "aggregates.npz").is_file():
        raise InputError(f"{folder}: not a results folder (no aggregates.npz)")
    run_folder.check_usable(folder)
    with run_folder.locked(folder):
        run_folder.check_no_links(folder)
        for path in _publish(folder, report=True):
            print(path)
    _note_code_change(folder)
    return 0


def _note_code_change(folder: Path) -> None:
    """Say so when the folder was run by other model code: its stored aggregates are rebuilt
    into tables by the installed code, which may read or label them differently."""
    from sim.study.manifest import code_sha256
    from sim.study.results import StudyResults, checked_manifest

    ran = checked_manifest(folder, StudyResults.load(folder))[0].get("code_sha256")
    here = code_sha256()
    if ran is not None and ran != here:
        print(f"note: {folder} was run by different model code (fingerprint "
              f"{str(ran)[:12]}, installed {here[:12]}); its tables are rebuilt by the installed "
              "code from the stored aggregates: rerun the study to regenerate them with this "
              "code", file=sys.stderr)


def _phase(label: str, quiet: bool) -> None:
    from sim.outputs.terminal import phase

    phase(label, quiet)


def _publish(folder: Path, *, report: bool, quiet: bool = True) -> list[Path]:
    from sim.outputs.report import write_outputs

    return write_outputs(folder, report=report, phase=lambda label: _phase(label, quiet))


def _jobs(requested: int | None) -> int:
    cores = os.cpu_count() or 1
    if requested is None:
        return cores
    if requested > cores:
        print(f"note: --jobs {requested} is more than the {cores} cores here; using {cores}",
              file=sys.stderr)
        return cores
    return requested


def cmd_run(args: argparse.Namespace) -> int:
    from sim.study import run_folder
    from sim.study.dask_client import dask_client
    from sim.study.resources import check_fits
    from sim.study.runner import prepare_output, run_study
    from sim.study.study_file import load_study

    if args.scheduler and args.backend != "dask":
        raise InputError("--scheduler goes with --backend dask")
    if args.jobs is not None and args.jobs < 1:
        raise InputError("--jobs must be at least 1")
    study = load_study(args.study, runs=args.runs, seed=args.seed,
                       uncertainty=True if args.uncertainty else None)
    out = Path(args.out) if args.out else Path("results") / (
        study.spec.name + ("-uncertainty" if study.spec.uncertainty else ""))
    args.checkpoints = [out / "checkpoints", out / "events_only_checkpoints"]
    run_folder.check_usable(out)
    if not args.resume:
        run_folder.claim(out, overwrite=args.overwrite)
    jobs = _jobs(args.jobs)
    check_fits(study, jobs, out)
    client = dask_client(args.scheduler, jobs) if args.backend == "dask" else None
    try:
        with run_folder.locked(out):
            prepare_output(out, study, resume=args.resume, overwrite=args.overwrite)
            _phase(f"simulating {study.spec.runs} replicates of {len(study.policies)} policies "
                   f"on {jobs} process{'es' if jobs > 1 else ''}", args.quiet)
            results = run_study(study, out, jobs=jobs, backend=args.backend,
                                progress=None if not args.quiet else False)
            _publish(out, report=not args.no_report, quiet=args.quiet)
    finally:
        if client is not None:
            client.close()
    if not args.quiet:
        from sim.outputs.terminal import finished

        print(finished(results, out))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from sim.analysis import search_folder
    from sim.analysis.job_size import check_search
    from sim.analysis.search_file import load_search
    from sim.analysis.search_pipeline import execute
    from sim.study import run_folder

    for flag in ("trials", "runs", "jobs"):
        if getattr(args, flag) is not None and getattr(args, flag) < 1:
            raise InputError(f"--{flag} must be at least 1")
    search = load_search(args.search, trials=args.trials, runs=args.runs)
    out = Path(args.out) if args.out else Path("results") / search.spec.name
    jobs = _jobs(args.jobs)
    search_folder.claim(out, overwrite=args.overwrite, resume=args.resume)
    check_search(search, jobs, out)
    with run_folder.locked(out):
        outcome = execute(search, out, jobs=jobs, resume=args.resume,
                          progress=None if not args.quiet else False)
    if not args.quiet:
        took = ", ".join(f"{k} {v:.0f} s" for k, v in outcome.seconds.items())
        print(f"{len(outcome.trials)} trials -> {out} ({took})\n{outcome.message}")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.analysis import sensitivity
    from sim.analysis.job_size import check_sensitivity
    from sim.study import run_folder
    from sim.study.study_file import load_study

    if args.jobs is not None and args.jobs < 1:
        raise InputError("--jobs must be at least 1")
    study = load_study(args.study, seed=args.seed)
    policies = [n.strip() for n in args.policies.split(",")] if args.policies else None
    plan = sensitivity.plan(study, method=args.method, samples=args.samples,
                            replicates=args.replicates, policies=policies)
    out = Path(args.out) if args.out else Path("results") / f"{study.spec.name}-sensitivity"
    jobs = _jobs(args.jobs)
    run_folder.claim(out, overwrite=args.overwrite)
    check_sensitivity(plan, jobs, out)
    with run_folder.locked(out):
        run_folder.claim(out, overwrite=args.overwrite)
        run_folder.clear(out)
        run_folder.mark(out)
        outcome = sensitivity.analyse(plan, jobs, progress=None if not args.quiet else False)
        paths = sensitivity.write(plan, outcome, out, jobs=jobs)
    if not args.quiet:
        print(f"{plan.design.n_points} model evaluations in {outcome.seconds:.0f} s; wrote "
              f"{len(paths)} files to {out} (open sensitivity.html)")
    return 0


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "report": cmd_report,
            "synthesize": cmd_synthesize, "search": cmd_search, "sensitivity": cmd_sensitivity,
            "import": cmd_import}


if __name__ == "__main__":
    sys.exit(main())
