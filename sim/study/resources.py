"""Will a run fit in memory?  An estimate made before anything is written, so a study that
asks for the impossible (a billion referrals a month, a century of months) is refused at
once instead of exhausting the machine part-way."""
from __future__ import annotations

import os
from pathlib import Path

from sim.errors import InputError
from sim.model.draws import arrival_rates
from sim.study.study_file import Study

# Bytes per person-month of the world's (months x people) arrays, and per person-policy of
# the model's (policies x people) arrays, with room for temporaries: an upper estimate
# checked against the benchmark (100,000 people, 72 months, 2 policies: 526 MB measured).
BYTES_PER_PERSON_MONTH = 40
BYTES_PER_PERSON_POLICY = 64
BASE_BYTES = 200 * 2**20   # interpreter, numpy, pandas, Mesa


class TooBigError(InputError):
    """The run would need more memory than this machine has."""


def worker_bytes(study: Study) -> float:
    """Estimated peak memory of one process running one replicate of the study."""
    arrivals = float(arrival_rates(study.population, study.params, study.n_months).sum())
    people = len(study.population) + arrivals + 6.0 * arrivals ** 0.5
    return (BASE_BYTES + people * study.n_months * BYTES_PER_PERSON_MONTH
            + people * len(study.policies) * BYTES_PER_PERSON_POLICY)


def available_bytes() -> float:
    """Memory available now (Linux MemAvailable), else the machine's physical memory."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check_fits(study: Study, jobs: int) -> None:
    """Refuse a run whose estimated memory (every worker and the main process) exceeds
    what the machine has available."""
    need = worker_bytes(study) * (jobs + 1)
    have = available_bytes()
    if need > have:
        gib = 2**30
        raise TooBigError(
            f"{study.path}: this run needs about {need / gib:,.1f} GiB of memory ({jobs + 1} "
            f"processes x {worker_bytes(study) / gib:,.1f} GiB) but {have / gib:,.1f} GiB is "
            "available; use fewer --jobs, a shorter horizon, a smaller population or fewer "
            "arrivals")
