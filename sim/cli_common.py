"""Options and helpers shared by the commands that write a results folder (`run`, `search`,
`sensitivity`): the same flags, the same checks, the same cluster."""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import InputError


def folder_options(p: argparse.ArgumentParser, default_out: str, what: str) -> None:
    """--jobs, --out, --overwrite, --quiet, --resume, --backend and --scheduler."""
    p.add_argument("--jobs", type=int, help="parallel worker processes on this machine (default "
                   f"and most: all cores, {os.cpu_count()} here); results do not depend on it")
    p.add_argument("--out", help=f"output folder (default: {default_out})")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing folder written by run-sim (any other folder is "
                   "refused)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument("--resume", action="store_true",
                   help=f"continue an interrupted {what} in --out from its checksummed "
                   "checkpoints")
    p.add_argument("--backend", choices=("loky", "dask"), default="loky",
                   help="loky: processes on this machine; dask: a Dask cluster (pip install "
                   ".[dask]) at --scheduler; the results are the same")
    p.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 "
                   "(with --backend dask; default: a local cluster)")


def check_counts(args: argparse.Namespace, *flags: str) -> None:
    """Each named count option, when given, is at least 1; --scheduler goes with dask."""
    for flag in ("jobs", *flags):
        value = getattr(args, flag, None)
        if value is not None and value < 1:
            raise InputError(f"--{flag} must be at least 1")
    if args.scheduler and args.backend != "dask":
        raise InputError("--scheduler goes with --backend dask")


def out_folder(args: argparse.Namespace, default: Path) -> Path:
    """--out (refused when empty: it would be the current folder) or the default."""
    if args.out is None:
        return default
    if not args.out.strip():
        raise InputError("--out is empty; give a folder, e.g. --out results/mine")
    return Path(args.out)


def jobs(requested: int | None) -> int:
    cores = os.cpu_count() or 1
    if requested is None:
        return cores
    if requested > cores:
        print(f"note: --jobs {requested} is more than the {cores} cores here; using {cores}",
              file=sys.stderr)
        return cores
    return requested


@contextmanager
def cluster(args: argparse.Namespace, n_jobs: int) -> Iterator[None]:
    """With --backend dask, a client (the default for joblib's dask backend) for the block."""
    if args.backend != "dask":
        yield
        return
    from sim.study.dask_client import dask_client

    client = dask_client(args.scheduler, n_jobs)
    try:
        yield
    finally:
        client.close()
