"""Command line: run a study, validate inputs, rebuild a report, rebuild the synthetic population,
search the levers for the best options.

Exit status: 0 done; 2 bad input (nothing written); 3 the environment failed (disk full,
no permission, scheduler unreachable), completed checkpoints kept; 130 interrupted (Ctrl-C
or SIGTERM; completed checkpoints kept, rerun with --resume); 1 unexpected error.
"""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim import __version__
from sim.errors import EnvironmentFailure, InputError
from sim.cli_import import add_parser as add_import_parser
from sim.cli_import import cmd_import
from sim.cli_common import check_counts, cluster, folder_options, jobs, out_folder
from sim.cli_search import add_parser as add_search_parser
from sim.cli_search import cmd_search
from sim.cli_sensitivity import add_parser as add_sensitivity_parser
from sim.cli_sensitivity import cmd_sensitivity
from sim.paths import DEFAULT_POPULATION, DEFAULT_STUDY

if TYPE_CHECKING:
    from sim.outputs.registry import Tables

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
    add_search_parser(sub)
    add_sensitivity_parser(sub)
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
    folder_options(r, "results/<study name>, or results/<study name>-uncertainty for a "
                   "probabilistic run", "run")
    r.add_argument("--no-report", action="store_true",
                   help="write the CSV tables only: skip figures, report.html and results.xlsx")
    r.add_argument("--uncertainty", action="store_true",
                   help="probabilistic run: each replicate draws the uncertain parameters from "
                   "their distributions (parameters.toml); target.csv then shows events only "
                   "and events plus assumptions (study key: uncertainty = true)")


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
    from sim.scratch import scratch
    from sim.study import lifecycle

    previous = signal.signal(signal.SIGTERM, _terminate)
    lifecycle.forget()
    try:
        with scratch():
            return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, EnvironmentFailure) as exc:
        print(f"error: {_describe(exc)}; {_what_is_kept(lifecycle.opened())}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        _stop_workers()
        print(f"\ninterrupted: {_what_is_kept(lifecycle.opened())}", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


def _what_is_kept(opened: list[Path]) -> str:
    """What an interrupted or failed command leaves, truly: a results folder it had started
    can be resumed; before that, nothing was written."""
    if opened:
        from sim.outputs.terminal import kept

        return f"{kept(opened[-1])}; rerun with --resume to continue"
    return "no checkpoints to resume from; run the command again"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return str(exc)


def cmd_validate(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.suffix.lower() == ".toml" and _is_search_file(path):
        from sim.analysis.search.file import load_search

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
        run_folder.remove_temporaries(folder)   # left by a killed report (their pid is dead)
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


def _publish(folder: Path, *, report: bool, quiet: bool = True,
             tables: Tables | None = None) -> list[Path]:
    from sim.outputs.write import write_outputs

    return write_outputs(folder, report=report, phase=lambda label: _phase(label, quiet),
                         tables=tables)


def cmd_run(args: argparse.Namespace) -> int:
    from sim.outputs.write import folder_tables
    from sim.study.lifecycle import RUN, ResultsFolder
    from sim.study.resources import check_fits
    from sim.study.runner import identity, identity_changes, run_study
    from sim.study.study_file import load_study

    check_counts(args)
    study = load_study(args.study, runs=args.runs, seed=args.seed,
                       uncertainty=True if args.uncertainty else None)
    default = study.spec.name + ("-uncertainty" if study.spec.uncertainty else "")
    out = out_folder(args, Path("results") / default)
    folder = ResultsFolder(out, RUN, resume=args.resume, overwrite=args.overwrite)
    folder.claim()
    n_jobs = jobs(args.jobs)
    check_fits(study, n_jobs, out)
    with cluster(args, n_jobs), folder.open(identity(study), identity_changes):
        _phase(f"simulating {study.spec.runs} replicates of {len(study.policies)} policies "
               f"on {n_jobs} process{'es' if n_jobs > 1 else ''}", args.quiet)
        run_study(study, out, jobs=n_jobs, backend=args.backend,
                  progress=None if not args.quiet else False)   # saved: not kept twice
        tables = folder_tables(out)     # built once: for the files, then for the headline
        _publish(out, report=not args.no_report, quiet=args.quiet, tables=tables)
    if not args.quiet:
        from sim.outputs.terminal import finished

        print(finished(tables.results, out, tables))
    return 0


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "report": cmd_report,
            "synthesize": cmd_synthesize, "search": cmd_search, "sensitivity": cmd_sensitivity,
            "import": cmd_import}


if __name__ == "__main__":
    sys.exit(main())
