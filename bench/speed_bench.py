"""Issue 23's speed targets (not run in CI): a CANDIDATE checkout against a REFERENCE commit in
the same run, through the CLI, the two alternated for each target, with the calibrator's
machine-speed figure measured just before and just after each pair.

    python bench/speed_bench.py --calib PATH/calib.py        # every target, once each
    python bench/speed_bench.py --only run                    # the 1,000-replicate run alone
    python bench/speed_bench.py --quick                       # scaled-down sizes: does it work?
    python bench/speed_bench.py --reference main --candidate ../other-checkout --repeat 3

Targets (issue 23 item 2), every command with --jobs 2 and its own temporary --out:
  run          `run_sim.py run --runs 1000 --jobs 2 --quiet` (every table and the report) <= 15 s
  memory       peak resident memory of that run's whole process tree (sampled every 0.2 s)
               <= 1 GB, with the same run's CSVs compared byte for byte (issue 23 item 4)
  sensitivity  the README's `run_sim.py sensitivity scenarios/default.toml --samples 256
               --jobs 2` <= 3 min
  search       `run_sim.py search scenarios/search_default.toml --trials 200 --runs 50 --jobs 2`
               (the confirmation run included) <= 40 s

The reference (a git ref of this repository, default da78133) is checked out with `git worktree
add --detach` under /tmp and removed at the end, even on an error, Ctrl-C or SIGTERM. Each
checkout runs its own code: `python CHECKOUT/run_sim.py` from CHECKOUT with PYTHONPATH set to
it and nothing else from the caller's environment; both are byte-compiled before the first
timing. Pairs alternate which side runs first (candidate first on even repeats); a target's
figure is the median of its --repeat pairs and passes when the candidate's median is within the
limit. The ratio is reference / candidate: above 1 the candidate is faster (or smaller).
Writes bench/out/speed.md (the table) and bench/out/speed.csv (every pair).
"""
from __future__ import annotations

import argparse
import csv
import filecmp
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import CALIB, CALIB_HELP, OUT, Measured, calib, clean_env, machine, run_sampled

REFERENCE = "da78133"  # main when issue 23 was taken up (issue 23: "today's main")
MEMORY_LIMIT_MB = 1024.0
SIDES = ("candidate", "reference")


@dataclass(frozen=True)
class Target:
    """A timed CLI command: run_sim.py arguments (without --out) at full and --quick size."""
    name: str
    labels: tuple[str, str]  # full, quick
    limit_s: float
    full: tuple[str, ...]
    quick: tuple[str, ...]

    def args(self, quick: bool) -> tuple[str, ...]:
        return self.quick if quick else self.full

    def label(self, quick: bool) -> str:
        return self.labels[quick]


TARGETS = (
    Target("run", ("default study, 1,000 replicates, tables and report",
                   "default study, 100 replicates, tables and report"), 15.0,
           ("run", "--runs", "1000", "--jobs", "2", "--quiet"),
           ("run", "--runs", "100", "--jobs", "2", "--quiet")),
    # The README's command verbatim (tests/test_speed_bench.py holds them together).
    Target("sensitivity", ("the README's sensitivity command (N = 256, 8 replicates a point)",
                           "sensitivity, N = 4, 1 replicate a point"), 180.0,
           ("sensitivity", "scenarios/default.toml", "--samples", "256", "--jobs", "2"),
           ("sensitivity", "scenarios/default.toml", "--samples", "4", "--replicates", "1",
            "--jobs", "2")),
    Target("search", ("options search, 200 trials x 50 replicates, confirmation included",
                      "options search, 20 trials x 10 replicates, confirmation included"), 40.0,
           ("search", "scenarios/search_default.toml", "--trials", "200", "--runs", "50",
            "--jobs", "2"),
           ("search", "scenarios/search_default.toml", "--trials", "20", "--runs", "10",
            "--jobs", "2")),
)
BY_NAME = {t.name: t for t in TARGETS}


@dataclass(frozen=True)
class Pair:
    """One candidate and one reference run of a target, with the calibrator around them."""
    target: str
    repeat: int
    first: str
    candidate: Measured
    reference: Measured
    calib_before: float | None
    calib_after: float | None
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before, after


@dataclass(frozen=True)
class Row:
    """One line of speed.md: a target's medians over its pairs."""
    target: str
    limit: str
    candidate: float
    reference: float
    unit: str
    passed: bool | None  # None: not judged (--quick)
    calib: str

    @property
    def ratio(self) -> float:
        return self.reference / self.candidate if self.candidate else float("nan")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", default=REFERENCE,
                    help=f"git ref of this repository to measure against (default {REFERENCE})")
    ap.add_argument("--candidate", type=Path, default=ROOT,
                    help="checkout to measure (default: this one)")
    ap.add_argument("--only", choices=sorted(BY_NAME),
                    help="one target (memory and the CSV check come with run)")
    ap.add_argument("--repeat", type=int, default=1, help="pairs per target (default 1)")
    ap.add_argument("--quick", action="store_true",
                    help="scaled-down sizes (100 replicates, N = 4, 20 trials x 10 replicates) "
                         "to check the script; targets not judged")
    ap.add_argument("--calib", type=Path, default=CALIB, help=CALIB_HELP)
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if not (args.candidate / "run_sim.py").is_file():
        ap.error(f"--candidate {args.candidate}: no run_sim.py there")
    args.candidate = args.candidate.resolve()
    return args


def _git(*args: str, repo: Path = ROOT) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def describe(checkout: Path) -> str:
    """checkout's commit, and whether it has uncommitted changes (what a candidate runs)."""
    try:
        head = _git("rev-parse", "--short", "HEAD", repo=checkout)
        dirty = _git("status", "--porcelain", "--untracked-files=no", repo=checkout)
    except (subprocess.CalledProcessError, FileNotFoundError):
        return f"{checkout} (not a git checkout)"
    return f"{checkout} at {head}" + (" with uncommitted changes" if dirty else "")


@contextmanager
def reference_checkout(ref: str) -> Iterator[Path]:
    """A detached worktree of ref under /tmp, removed on the way out whatever happens."""
    try:
        _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except subprocess.CalledProcessError:
        print(f"speed_bench: --reference {ref}: not a commit of {ROOT}", file=sys.stderr)
        raise SystemExit(2) from None
    path = Path(tempfile.mkdtemp(prefix="speed-ref-"))
    try:
        _git("worktree", "add", "--detach", "--quiet", str(path), ref)
        yield path
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                       capture_output=True, check=False)
        shutil.rmtree(path, ignore_errors=True)


def compare_csvs(a: Path, b: Path) -> str:
    """'identical (N CSVs)', or the CSVs that differ or that only one folder holds."""
    left = {p.relative_to(a).as_posix() for p in a.rglob("*.csv")}
    right = {p.relative_to(b).as_posix() for p in b.rglob("*.csv")}
    differ = sorted(n for n in left & right if not filecmp.cmp(a / n, b / n, shallow=False))
    only = [f"{n} (candidate only)" for n in sorted(left - right)]
    only += [f"{n} (reference only)" for n in sorted(right - left)]
    if not left | right:
        return "no CSVs written"
    if not differ and not only:
        return f"identical ({len(left)} CSVs)"
    return "DIFFERENT: " + ", ".join(differ + only)


def run_side(checkout: Path, args: Sequence[str], out: Path) -> Measured:
    """One CLI command of checkout's own code; on failure, the tail of its output."""
    log_path = out.with_suffix(".log")
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            return run_sampled([sys.executable, str(checkout / "run_sim.py"), *args,
                                "--out", str(out)], cwd=checkout, env=clean_env(checkout),
                               log=log)
        except SystemExit:
            tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
            print("\n".join(tail), file=sys.stderr)
            raise


def measure_pair(target: Target, repeat: int, checkouts: dict[str, Path], tmp: Path,
                 quick: bool, calib_path: Path) -> tuple[Pair, dict[str, Path]]:
    order = SIDES if repeat % 2 == 0 else SIDES[::-1]
    before, load = calib(calib_path), os.getloadavg()[0]
    measured, outs = {}, {}
    for side in order:
        outs[side] = tmp / f"{target.name}-{repeat}-{side}"
        measured[side] = run_side(checkouts[side], target.args(quick), outs[side])
        print(f"  {target.name} #{repeat + 1} {side}: {measured[side].wall:.1f} s wall, "
              f"{measured[side].cpu:.0f} s CPU, peak {measured[side].total_mb:.0f} MB",
              flush=True)
    after = calib(calib_path)
    pair = Pair(target.name, repeat, order[0], measured["candidate"], measured["reference"],
                before, after, (load, os.getloadavg()[0]))
    return pair, outs


def _calibs(pairs: list[Pair]) -> str:
    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.2f}"
    return "; ".join(f"{fmt(p.calib_before)}/{fmt(p.calib_after)}" for p in pairs)


def summarise(pairs: list[Pair], quick: bool) -> list[Row]:
    """A row per target (medians over its pairs), and the memory row after run's."""
    rows = []
    for target in TARGETS:
        mine = [p for p in pairs if p.target == target.name]
        if not mine:
            continue
        cand = statistics.median(p.candidate.wall for p in mine)
        ref = statistics.median(p.reference.wall for p in mine)
        rows.append(Row(target.label(quick), f"{target.limit_s:g} s", cand, ref, "s",
                        None if quick else cand <= target.limit_s, _calibs(mine)))
        if target.name == "run":
            cand_mb = statistics.median(p.candidate.total_mb for p in mine)
            ref_mb = statistics.median(p.reference.total_mb for p in mine)
            rows.append(Row("peak memory of that run (all processes)",
                            f"{MEMORY_LIMIT_MB:g} MB", cand_mb, ref_mb, "MB",
                            None if quick else cand_mb <= MEMORY_LIMIT_MB, _calibs(mine)))
    return rows


def markdown_table(rows: list[Row]) -> list[str]:
    header = ("| target | limit | candidate | reference | ratio ref/cand | pass "
              "| calibrator s before/after |")
    lines = [header, "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        digits = 0 if r.unit == "MB" else 1
        verdict = "n/a (quick)" if r.passed is None else ("yes" if r.passed else "NO")
        lines.append(f"| {r.target} | {r.limit} | {r.candidate:,.{digits}f} {r.unit} | "
                     f"{r.reference:,.{digits}f} {r.unit} | {r.ratio:.2f} | {verdict} | "
                     f"{r.calib} |")
    return lines


def write_csv(path: Path, pairs: list[Pair], quick: bool) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["target", "repeat", "first", "quick", "candidate_s", "reference_s",
                    "ratio", "candidate_cpu_s", "reference_cpu_s", "candidate_peak_mb",
                    "reference_peak_mb", "candidate_largest_mb", "reference_largest_mb",
                    "calib_before", "calib_after", "load_before", "load_after"])
        for p in pairs:
            c, r = p.candidate, p.reference
            w.writerow([p.target, p.repeat + 1, p.first, quick, f"{c.wall:.2f}", f"{r.wall:.2f}",
                        f"{r.wall / c.wall:.3f}", f"{c.cpu:.1f}", f"{r.cpu:.1f}",
                        f"{c.total_mb:.0f}", f"{r.total_mb:.0f}", f"{c.largest_mb:.0f}",
                        f"{r.largest_mb:.0f}", p.calib_before, p.calib_after,
                        f"{p.load[0]:.2f}", f"{p.load[1]:.2f}"])


def _cpu_and_load(pairs: list[Pair]) -> str:
    """CPU seconds of each side (medians) and the load around each pair: the calibrator is a
    best of 5 and barely sees other jobs that slow a run of minutes on a shared machine."""
    parts = []
    for target in TARGETS:
        mine = [p for p in pairs if p.target == target.name]
        if mine:
            cand = statistics.median(p.candidate.cpu for p in mine)
            ref = statistics.median(p.reference.cpu for p in mine)
            loads = "; ".join(f"{p.load[0]:.1f}/{p.load[1]:.1f}" for p in mine)
            parts.append(f"{target.name} candidate {cand:,.0f} s, reference {ref:,.0f} s "
                         f"(ratio {ref / cand if cand else float('nan'):.2f}; load {loads})")
    return ("CPU time of all processes (user + system; less disturbed by other jobs than the "
            "wall time) and the 1-minute load average before/after each pair (2 cores): "
            + "; ".join(parts) + ".")


def report(rows: list[Row], pairs: list[Pair], csvs: str | None, args: argparse.Namespace,
           descs: tuple[str, str], started: str) -> str:
    chosen = [t for t in TARGETS if args.only in (None, t.name)]
    size = "QUICK (scaled-down sizes; targets not judged)" if args.quick else "full sizes"
    when = f"Started {started} UTC; {size}; {args.repeat} pair(s) a target, medians shown."
    lines = ["# Speed benchmark (issue 23)", "", when, "",
             f"- Machine: {machine()}", f"- Candidate: {descs[0]}",
             f"- Reference: {descs[1]}",
             f"- Calibrator: {args.calib} (about 1.0 s quiet; lower is faster)"
             if args.calib.is_file() else f"- Calibrator: none at {args.calib} (give --calib)",
             "",
             "Commands (each checkout's own `run_sim.py`, `--out` a temporary folder):", ""]
    lines += [f"- {t.name}: `python run_sim.py {' '.join(t.args(args.quick))}`" for t in chosen]
    lines += ["", *markdown_table(rows), ""]
    lines += [_cpu_and_load(pairs), ""]
    runs = [p for p in pairs if p.target == "run"]
    if runs:  # the sum of RSS counts each process's shared libraries again: the largest alone
        largest = {side: statistics.median(getattr(p, side).largest_mb for p in runs)
                   for side in SIDES}
        lines += [(f"Peak memory is the sum of the run's processes' resident sets, sampled "
                   f"every 0.2 s; its largest process alone: candidate "
                   f"{largest['candidate']:,.0f} MB, reference {largest['reference']:,.0f} MB."),
                  ""]
    if csvs is not None:
        lines += [f"CSVs of the run target, candidate against reference (issue 23 item 4): {csvs}.",
                  ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the worktree is removed
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    chosen = [t for t in TARGETS if args.only in (None, t.name)]
    pairs: list[Pair] = []
    csvs = None
    with reference_checkout(args.reference) as ref, \
            tempfile.TemporaryDirectory(prefix="speed-bench-") as tmp:
        descs = (describe(args.candidate), f"{args.reference} = {describe(ref)}")
        checkouts = {"candidate": args.candidate, "reference": ref}
        for checkout in checkouts.values():  # compile once, so no timing pays for it
            subprocess.run([sys.executable, "-m", "compileall", "-q", "sim", "run_sim.py"],
                           cwd=checkout, env=clean_env(checkout), check=True)
        for target in chosen:
            print(f"{target.name}: python run_sim.py {' '.join(target.args(args.quick))}",
                  flush=True)
            for i in range(args.repeat):
                pair, outs = measure_pair(target, i, checkouts, Path(tmp), args.quick,
                                          args.calib)
                pairs.append(pair)
                if target.name == "run" and i == 0:
                    csvs = compare_csvs(outs["candidate"], outs["reference"])
                for out in outs.values():
                    shutil.rmtree(out, ignore_errors=True)
    rows = summarise(pairs, args.quick)
    OUT.mkdir(parents=True, exist_ok=True)
    write_csv(OUT / "speed.csv", pairs, args.quick)
    text = report(rows, pairs, csvs, args, descs, started)
    (OUT / "speed.md").write_text(text + "\n", encoding="utf-8")
    print("\n" + text + f"\nwrote {OUT / 'speed.md'} and {OUT / 'speed.csv'}")


if __name__ == "__main__":
    main()
