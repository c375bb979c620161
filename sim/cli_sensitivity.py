"""`run-sim sensitivity`: which assumptions the headline results depend on, and each policy's
threshold; resumable (--resume) and on Dask (--backend dask) like `run`."""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from sim.cli_common import check_counts, cluster, folder_options, jobs, out_folder


def add_parser(sub: argparse._SubParsersAction) -> None:
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
    folder_options(a, "results/<study name>-sensitivity", "analysis")


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.analysis.job_size import check_sensitivity
    from sim.analysis.sensitivity import pipeline as sensitivity
    from sim.study.lifecycle import SENSITIVITY, ResultsFolder
    from sim.study.study_file import load_study

    check_counts(args)
    study = load_study(args.study, seed=args.seed)
    policies = [n.strip() for n in args.policies.split(",")] if args.policies else None
    plan = sensitivity.plan(study, method=args.method, samples=args.samples,
                            replicates=args.replicates, policies=policies)
    out = out_folder(args, Path("results") / f"{study.spec.name}-sensitivity")
    n_jobs = jobs(args.jobs)
    folder = ResultsFolder(out, SENSITIVITY, resume=args.resume, overwrite=args.overwrite)
    folder.claim()
    check_sensitivity(plan, n_jobs, out)
    with cluster(args, n_jobs), folder.open(sensitivity.identity(plan)):
        outcome = sensitivity.analyse(plan, n_jobs, progress=None if not args.quiet else False,
                                      backend=args.backend, checkpoints=out / "checkpoints")
        paths = sensitivity.write(plan, outcome, out, jobs=n_jobs)
        shutil.rmtree(out / "checkpoints")   # only --resume needs them; the analysis is done
    if not args.quiet:
        print(f"{plan.design.n_points} model evaluations in {outcome.seconds:.0f} s; wrote "
              f"{len(paths)} files to {out} (open sensitivity.html)")
    return 0
