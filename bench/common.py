"""Helpers shared by the benchmarks (not run in CI): the calibrator's machine-speed figure, the
machine's description, and commands run through the CLI in a clean environment with the
memory of their whole process tree sampled.

Imports nothing from `sim`, so a benchmark can measure another checkout's code.
"""
from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
# The calibrator beside a main checkout; from a worktree elsewhere, give --calib.
CALIB = ROOT.parent / "shared" / "bench" / "calib.py"
CALIB_HELP = "machine-speed calibrator script (skipped if missing)"


def calib(path: Path | None) -> float | None:
    """The calibrator's machine-speed figure (seconds; about 1.0 on a quiet machine), or None
    when there is no calibrator at path."""
    if path is None or not path.is_file():
        return None
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         check=False).stdout
    found = re.findall(r"[-+]?\d*\.\d+|\d+", out)
    return float(found[-1]) if found else None


def calib_note(before: float | None, after: float | None, path: Path) -> str:
    if before is None or after is None:
        return f"no calibrator at {path}: give --calib"
    return f"calibrator {before:.2f} s before, {after:.2f} s after; about 1.0 s when quiet"


def machine() -> str:
    import numpy as np

    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "unknown CPU")
    mem = next((int(line.split()[1]) / 1024 ** 2 for line in
                Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), 0)
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.machine()}, "
            f"Python {platform.python_version()}, numpy {np.__version__}")


def clean_env(checkout: Path) -> dict[str, str]:
    """An environment in which `python run_sim.py` runs checkout's own code and nothing the
    caller's shell set (no inherited PYTHONPATH, no installed copy shadowing it)."""
    return {"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin",
            "HOME": os.environ.get("HOME", "/root")}


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def cpu_s(pid: int) -> tuple[tuple[int, str], float]:
    """((pid, start time), user + system CPU seconds so far) of a process: the key tells a
    process from a later one given the same pid."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return (pid, ""), 0.0
    return (pid, fields[19]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Measured:
    """One command's wall time, peak resident memory (MB) of its largest process and of all
    its processes together, and the CPU seconds of all its processes (user + system; on a busy
    machine, less disturbed than the wall time), sampled every `interval` seconds."""
    wall: float
    largest_mb: float
    total_mb: float
    cpu: float = 0.0


def run_sampled(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
                log: IO[str] | None = None, interval: float = 0.2) -> Measured:
    """Run cmd to the end, sampling its process tree's memory; a failure stops the benchmark
    (SystemExit naming the command), and an interrupted benchmark leaves no process behind."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=log)
    largest = total = 0.0
    cpu: dict[tuple[int, str], float] = {}
    try:
        while proc.poll() is None:
            tree = process_tree(proc.pid)
            rss = [rss_mb(p) for p in tree]
            largest, total = max(largest, max(rss, default=0.0)), max(total, sum(rss))
            for key, seconds in map(cpu_s, tree):
                cpu[key] = max(cpu.get(key, 0.0), seconds)
            time.sleep(interval)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait()
    wall = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed with status {proc.returncode}"
                         + (f" (output in {log.name})" if log is not None else ""))
    return Measured(wall, largest, total, sum(cpu.values()))
