"""The study runner: reproducible whatever the workers or backend, resumable after a kill."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import DATA, ROOT

from sim.cli import main
from sim.study.results import StudyResults

SMALL = DATA / "small_study.toml"
TABLES = ("spend.csv",)


def run_cli(*args: str) -> int:
    return main(["run", *args, "--quiet", "--no-report"])


def read(folder, name="spend.csv") -> bytes:
    return (folder / name).read_bytes()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    assert run_cli(str(SMALL), "--out", str(out), "--jobs", "1") == 0
    return out


def test_results_folder_contents(reference):
    for name in ("manifest.json", "spend.csv", "aggregates.npz", "aggregates.json"):
        assert (reference / name).exists()
    import json

    man = json.loads((reference / "manifest.json").read_text())
    assert man["seed"] == 99 and man["runs"] == 6 and len(man["population_sha256"]) == 64
    assert man["finished"] and "numpy" in man["package_versions"] and "[study]" in man["study_text"]
    res = StudyResults.load(reference)
    assert res.n_replicates == 6 and len(res.policies) == 6      # + the no-creep status quo
    assert len(res.persons) == 2  # reservoir capped at reservoir_replicates


def test_same_seed_same_bytes_with_two_jobs(reference, tmp_path):
    assert run_cli(str(SMALL), "--out", str(tmp_path / "j2"), "--jobs", "2") == 0
    assert read(tmp_path / "j2") == read(reference)
    a, b = StudyResults.load(reference), StudyResults.load(tmp_path / "j2")
    np.testing.assert_array_equal(a.eia_sum, b.eia_sum)
    np.testing.assert_array_equal(a.spend_month_group_sum, b.spend_month_group_sum)


def test_other_seed_other_results(reference, tmp_path):
    assert run_cli(str(SMALL), "--out", str(tmp_path / "s"), "--seed", "7") == 0
    assert read(tmp_path / "s") != read(reference)


def test_existing_folder_is_never_silently_overwritten(reference, capsys):
    before = read(reference)
    assert run_cli(str(SMALL), "--out", str(reference)) == 2
    assert "exists" in capsys.readouterr().err
    assert read(reference) == before


def test_dask_backend_gives_identical_tables(reference, tmp_path):
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        code = run_cli(str(SMALL), "--out", str(tmp_path / "dask"), "--backend", "dask",
                       "--scheduler", cluster.scheduler_address)
    assert code == 0
    assert read(tmp_path / "dask") == read(reference)


def test_kill_and_resume_gives_the_uninterrupted_tables(tmp_path):
    study = tmp_path / "kill.toml"
    study.write_text(SMALL.read_text().replace("runs = 6", "runs = 24")
                     .replace('horizon_end = "2014-12"', 'horizon_end = "2018-03"')
                     .replace("../../", f"{ROOT.as_posix()}/"))
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_sim.py"), "run", str(study),
                             "--out", str(out), "--quiet", "--no-report"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not (out / "checkpoints" / "chunk_00001.npz").exists():
        assert time.time() < deadline and proc.poll() is None, "run ended before a checkpoint"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = sorted((out / "checkpoints").glob("chunk_*.npz"))
    assert 2 <= len(done) < 12, "the kill should land mid-run"
    assert not (out / "spend.csv").exists()
    assert run_cli(str(study), "--out", str(out), "--resume") == 0
    full = tmp_path / "full"
    assert run_cli(str(study), "--out", str(full)) == 0
    assert read(out) == read(full)


def test_resume_refuses_a_different_run(reference, tmp_path, capsys):
    assert run_cli(str(SMALL), "--out", str(reference), "--resume", "--seed", "5") == 2
    assert "same study" in capsys.readouterr().err
    assert run_cli(str(SMALL), "--out", str(tmp_path / "none"), "--resume") == 2


def test_a_finished_run_drops_its_checkpoints_and_has_nothing_to_resume(reference, capsys):
    """Chunks serve only an interrupted run; a finished folder holds the aggregates."""
    assert not (reference / "checkpoints").exists()
    before = (reference / "aggregates.npz").read_bytes()
    assert run_cli(str(SMALL), "--out", str(reference), "--resume") == 2
    assert "complete" in capsys.readouterr().err
    assert (reference / "aggregates.npz").read_bytes() == before


def test_monthly_spend_groups_add_up_to_the_total(reference):
    from sim.outputs.finance import monthly_table

    t = monthly_table(StudyResults.load(reference))
    total = t[t.characteristic == "all"].set_index(["policy", "month"])["spend_mean"]
    for char in ("client_group", "pb_type", "age_band"):
        parts = t[t.characteristic == char].groupby(["policy", "month"])["spend_mean"].sum()
        np.testing.assert_allclose(parts.loc[total.index], total, rtol=1e-12)
    assert (total > 0).all()
