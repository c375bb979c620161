"""A Dask cluster for the replicates: a scheduler's address, or a local cluster."""
from __future__ import annotations

from typing import Any

from sim.errors import EnvironmentFailure, InputError


def dask_client(address: str | None, jobs: int) -> Any:
    """A Dask client: bad addresses are bad input (exit 2), unreachable ones the
    environment (exit 3)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--backend dask needs Dask: pip install '.[dask]'") from None
    if address:
        try:
            return Client(address, timeout=15)
        except ValueError as exc:
            raise InputError(f"--scheduler {address!r} is not a scheduler address ({exc}); "
                             "e.g. tcp://10.0.0.5:8786") from None
        except (OSError, TimeoutError) as exc:
            raise EnvironmentFailure(f"cannot reach the Dask scheduler at {address} ({exc})") from None
    return Client(LocalCluster(n_workers=jobs, threads_per_worker=1, host="127.0.0.1",
                               dashboard_address=None, processes=True))
