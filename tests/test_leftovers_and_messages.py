"""Issue 26 items 10-12: `sensitivity` survives kill -9, SIGTERM and a full disk and says so
truly; messages name the file; what killed processes leave (scratch folders, half-written
report files) is removed on the next start, only if their process is dead."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, ROOT

from sim import cli, scratch
from sim.analysis.sensitivity import pipeline as sensitivity
from sim.cli import main

SMALL = str(DATA / "small_study.toml")
ARGS = ["sensitivity", SMALL, "--method", "morris", "--samples", "4", "--replicates", "1",
        "--policies", "percentile+phased", "--jobs", "1", "--quiet"]
TABLES = ("sensitivity.csv", "samples.csv", "thresholds.csv", "noise.csv")


def tables(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "sens"
    assert main([*ARGS, "--out", str(out)]) == 0
    return out


def dead_pid() -> int:
    """The id of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "run_sim.py"), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the command ended before it could be stopped"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_or_terminated_analysis_resumes_to_the_uninterrupted_tables(
        reference, tmp_path, sig):
    """kill -9 or SIGTERM after the first block of design points: SIGTERM exits 130 saying
    --resume (now true); either way --resume finishes with the very bytes of an uninterrupted
    analysis (both used to lose the whole analysis)."""
    out = tmp_path / "sens"
    proc = start([*ARGS, "--out", str(out)])
    wait_for(out / "checkpoints" / "index.json", proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if sig == signal.SIGTERM:
        assert proc.returncode == 130 and f"kept in {out}; rerun with --resume" in err.decode()
    assert main([*ARGS, "--out", str(out), "--resume"]) == 0
    assert tables(out) == tables(reference)


def test_a_full_disk_names_the_file_keeps_the_blocks_and_resume_finishes(
        reference, tmp_path, monkeypatch, capsys):
    """ENOSPC while a block is written (a failed write() carries no file name): exit 3, the
    message names the block's file and offers --resume, which gives the uninterrupted tables."""
    out = tmp_path / "full"
    real, calls = np.lib.format.write_array, []

    def full_on_the_third(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(*a, **k)
    monkeypatch.setattr(np.lib.format, "write_array", full_on_the_third)
    assert main([*ARGS, "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "block_00002.npz: No space left on device" in err and "--resume" in err
    monkeypatch.setattr(np.lib.format, "write_array", real)
    assert main([*ARGS, "--out", str(out), "--resume"]) == 0
    assert tables(out) == tables(reference)


def test_an_interruption_before_any_folder_is_started_does_not_offer_resume(
        tmp_path, monkeypatch, capsys):
    def stopped(*_a, **_k):
        raise KeyboardInterrupt
    monkeypatch.setattr(sensitivity, "plan", stopped)
    assert main([*ARGS, "--out", str(tmp_path / "never")]) == 130
    err = capsys.readouterr().err
    assert "--resume" not in err and "run the command again" in err


@pytest.mark.parametrize("command", [["run", SMALL], ARGS[:2],
                                     ["search", str(ROOT / "scenarios" / "search_default.toml")]])
def test_an_empty_out_is_refused_by_every_command(tmp_path, monkeypatch, capsys, command):
    monkeypatch.chdir(tmp_path)
    assert main([*command, "--out", " ", "--quiet"]) == 2
    assert "--out is empty" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_scratch_of_dead_processes_is_removed_on_the_next_start_and_no_other(tmp_path):
    """What kill -9 leaves (joblib's memory-mapping folders, openpyxl's sheet files) lives in
    run-sim-scratch-<pid>: the next start removes a dead process's, keeps a running one's and
    never touches a folder that is not ours."""
    dead = dead_pid()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as live:
        try:
            roots = scratch.roots()
            planted = {}
            for root in roots:
                for pid in (dead, live.pid):
                    folder = root / f"{scratch.PREFIX}{pid}"
                    (folder / "joblib_memmapping_folder_1_a_b").mkdir(parents=True)
                    (folder / "openpyxl.abc.xml").write_text("<sheet/>")
                    planted[folder] = pid
                other = root / f"joblib_memmapping_folder_{dead}_rel2test_x"
                other.mkdir()
                planted[other] = None
            assert main(["validate", str(DATA / "good_small.csv")]) == 0
            for folder, pid in planted.items():
                assert folder.exists() == (pid != dead), folder
        finally:
            live.kill()
            for folder in planted:
                if folder.exists():
                    import shutil
                    shutil.rmtree(folder)


def test_a_command_keeps_its_temporary_files_in_its_own_scratch(monkeypatch):
    """joblib's JOBLIB_TEMP_FOLDER and tempfile's folder (openpyxl's sheets) are the process's
    scratch while a command runs, and removed after."""
    seen = {}

    def look(_args):
        seen["joblib"] = os.environ["JOBLIB_TEMP_FOLDER"]
        seen["tempfile"] = tempfile.gettempdir()
        return 0
    monkeypatch.setitem(cli.COMMANDS, "validate", look)
    assert main(["validate", "x"]) == 0
    name = f"{scratch.PREFIX}{os.getpid()}"
    assert Path(seen["joblib"]).name == name and Path(seen["tempfile"]).name == name
    assert not Path(seen["joblib"]).exists() and not Path(seen["tempfile"]).exists()
    assert tempfile.gettempdir() != seen["tempfile"]


def test_a_run_killed_with_sigkill_leaves_scratch_that_its_resume_removes(tmp_path):
    out = tmp_path / "run"
    study = tmp_path / "long.toml"
    study.write_text((DATA / "small_study.toml").read_text().replace("runs = 6", "runs = 40")
                     .replace("../../", f"{ROOT.as_posix()}/"))
    proc = start(["run", str(study), "--out", str(out), "--jobs", "2", "--no-report", "--quiet"])
    wait_for(out / "checkpoints" / "index.json", proc)
    proc.kill()
    proc.communicate(timeout=60)
    left = [root / f"{scratch.PREFIX}{proc.pid}" for root in scratch.roots()]
    assert any(p.exists() for p in left)
    assert main(["run", str(study), "--out", str(out), "--resume", "--jobs", "1", "--quiet",
                 "--no-report"]) == 0
    assert not any(p.exists() for p in left)
