"""Shared fixtures: the shipped population, default parameters, small worlds."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.inputs.population import load_population
from sim.model.params import load_parameters

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
# The [study] lines that point a test study at the shipped population and scenario files.
SHIPPED_PATHS = f"""population = "{ROOT.as_posix()}/populations/bnes_2012_synthetic.csv"
parameters = "{ROOT.as_posix()}/scenarios/parameters.toml"
calibrations_file = "{ROOT.as_posix()}/scenarios/calibrations.toml"
transitions_file = "{ROOT.as_posix()}/scenarios/transitions.toml\""""
# A client-group table of zeros, for switching a choice off in a study's [overrides].
ZERO_BY_GROUP = ("{ older_people = 0.0, physical_sensory = 0.0, mental_health = 0.0, "
                 "learning_disability = 0.0 }")


@pytest.fixture(scope="session")
def population():
    return load_population(ROOT / "populations" / "bnes_2012_synthetic.csv")


@pytest.fixture(scope="session")
def params():
    return load_parameters()


@pytest.fixture(scope="session")
def small_population(population):
    """Every 8th person of the shipped population: fast, still covers every group."""
    from sim.inputs.population import Population

    idx = np.arange(0, len(population), 8)
    fields = {k: getattr(population, k)[idx] for k in (
        "id", "age", "sex", "ethnicity", "client_group", "team", "facs_band", "ras_points",
        "pb_type", "annual_budget", "months_since_review")}
    return Population(teams=population.teams, source="small", **fields)


# ---- no test leaves processes behind ---------------------------------------------------
# Every process the tests start inherits this tag; at the end of the session none may be left.
SESSION_TAG = f"RAS_SIM_TEST_SESSION={os.getpid()}-{time.time_ns()}"
os.environ["RAS_SIM_TEST_SESSION"] = SESSION_TAG.split("=", 1)[1]


def leftover_processes() -> list[str]:
    """Tagged processes that would outlive pytest (its own resource trackers end with it)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            try:
                if SESSION_TAG.encode() not in (proc / "environ").read_bytes():
                    continue
                cmd = (proc / "cmdline").read_bytes()
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if not (parent == os.getpid() and b"resource_tracker" in cmd):
                found.append(f"{proc.name}: {cmd[:120]!r}")
    return found


def pytest_sessionfinish(session, exitstatus):
    """Shut down this process's own worker pool, then fail the run if anything is left."""
    if not sys.platform.startswith("linux"):
        return
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True, kill_workers=True)
    deadline = time.time() + 15
    while (left := leftover_processes()) and time.time() < deadline:
        time.sleep(0.2)
    if left:
        print("\nprocesses left behind by the tests:\n  " + "\n  ".join(left), file=sys.stderr)
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    """Size rules (marker `size`) counted apart from behaviour tests, so a red run says which."""
    counts = {"size": [0, 0], "behaviour": [0, 0]}
    for outcome, col in (("passed", 0), ("failed", 1)):
        for rep in terminalreporter.stats.get(outcome, []):
            if rep.when == "call" or outcome == "failed":
                kind = "size" if "size" in rep.keywords else "behaviour"
                counts[kind][col] += 1
    size, beh = counts["size"], counts["behaviour"]
    if size[0] + size[1]:
        terminalreporter.write_line(f"behaviour tests: {beh[0]} passed, {beh[1]} failed; "
                                    f"size rules: {size[0]} passed, {size[1]} failed")
