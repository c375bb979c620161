"""`run-sim sensitivity` scales out and survives interruption: on a Dask cluster (an external
scheduler started by the test) it writes the very bytes of a local run; interrupted after some
design points, --resume computes only the rest and gives the uninterrupted indices; a worker
killed mid-analysis still lets it complete with the same tables."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import DATA, ROOT

from sim.analysis.sensitivity import checkpoints as sensitivity_checkpoints
from sim.analysis.sensitivity import evaluation as sensitivity_eval
from sim.cli import main

SMALL = str(DATA / "small_study.toml")
ARGS = ["sensitivity", SMALL, "--method", "morris", "--samples", "2", "--replicates", "1",
        "--policies", "percentile+phased", "--quiet"]
TABLES = ("sensitivity.csv", "samples.csv", "thresholds.csv", "noise.csv")


def tables(folder) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    out = tmp_path_factory.mktemp("sens") / "local"
    assert main([*ARGS, "--out", str(out), "--jobs", "1"]) == 0
    return out


def test_on_a_dask_cluster_the_tables_are_byte_identical(local, tmp_path):
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        code = main([*ARGS, "--out", str(tmp_path / "dask"), "--backend", "dask",
                     "--scheduler", cluster.scheduler_address])
    assert code == 0
    assert tables(tmp_path / "dask") == tables(local)


def test_an_interrupted_analysis_resumes_with_the_uninterrupted_indices(local, tmp_path,
                                                                        monkeypatch, capsys):
    """Ctrl-C (or SIGTERM) after 3 blocks of design points: exit 130, the message offers
    --resume, and the resumed analysis evaluates only the other blocks."""
    out = tmp_path / "cut"
    real_save = sensitivity_checkpoints.DesignCheckpoints.save
    saved = []

    def save_then_stop(self, k, points, y):
        real_save(self, k, points, y)
        saved.append(k)
        if len(saved) == 3:
            raise KeyboardInterrupt
    monkeypatch.setattr(sensitivity_checkpoints.DesignCheckpoints, "save", save_then_stop)
    assert main([*ARGS, "--out", str(out), "--jobs", "1"]) == 130
    assert "--resume" in capsys.readouterr().err
    assert not (out / "sensitivity.csv").exists()
    monkeypatch.setattr(sensitivity_checkpoints.DesignCheckpoints, "save", real_save)
    computed = []
    monkeypatch.setattr(sensitivity_checkpoints.DesignCheckpoints, "save",
                        lambda self, k, points, y: computed.append(k) or real_save(self, k,
                                                                                 points, y))
    assert main([*ARGS, "--out", str(out), "--jobs", "1", "--resume"]) == 0
    assert tables(out) == tables(local)
    n_points = len((local / "samples.csv").read_text().splitlines()) - 1
    assert computed == list(range(3, len(sensitivity_eval.blocks_of(n_points))))
    assert not (out / "checkpoints").exists()


def test_a_damaged_block_is_recomputed_not_trusted(local, tmp_path, monkeypatch, capsys):
    out = tmp_path / "damaged"
    real_save = sensitivity_checkpoints.DesignCheckpoints.save

    def save_then_stop(self, k, points, y):
        real_save(self, k, points, y)
        if k == 1:
            raise KeyboardInterrupt
    monkeypatch.setattr(sensitivity_checkpoints.DesignCheckpoints, "save", save_then_stop)
    assert main([*ARGS, "--out", str(out), "--jobs", "1"]) == 130
    monkeypatch.setattr(sensitivity_checkpoints.DesignCheckpoints, "save", real_save)
    block = out / "checkpoints" / "block_00000.npz"
    data = bytearray(block.read_bytes())
    data[-30] ^= 1
    block.write_bytes(bytes(data))
    assert main([*ARGS, "--out", str(out), "--jobs", "1", "--resume"]) == 0
    assert "does not match its checksum" in capsys.readouterr().err
    assert tables(out) == tables(local)


def test_resume_refuses_another_design(local, tmp_path, monkeypatch, capsys):
    out = tmp_path / "other"
    monkeypatch.setattr(sensitivity_checkpoints.DesignCheckpoints, "save",
                        lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    assert main([*ARGS, "--out", str(out), "--jobs", "1"]) == 130
    assert main([*ARGS, "--out", str(out), "--jobs", "1", "--resume", "--replicates", "2"]) == 2
    assert "changed since: replicates" in capsys.readouterr().err


def test_a_worker_killed_mid_analysis_still_lets_it_complete(local, tmp_path):
    """kill -9 one of two Dask workers once the first blocks are checkpointed: its task runs
    again on a worker (the nanny restarts the dead one) and the tables are the local ones."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    out = tmp_path / "killed"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run_sim.py"), *ARGS, "--out", str(out), "--backend",
             "dask", "--scheduler", cluster.scheduler_address, "--samples", "4"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        index = out / "checkpoints" / "index.json"
        deadline = time.monotonic() + 120
        while not index.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the analysis ended before a worker could be killed"
        victim = next(iter(client.run(os.getpid).values()))
        os.kill(victim, signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert len(list(out.glob("*.csv"))) == len(TABLES)
    reference = tmp_path / "reference"
    assert main([*ARGS, "--out", str(reference), "--jobs", "1", "--samples", "4"]) == 0
    assert tables(out) == tables(reference)
