"""Stopping a run: SIGTERM behaves like Ctrl-C, and no worker outlives a killed run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import DATA, ROOT

from sim.cli import main

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def tagged(tag: str) -> list[int]:
    """Processes whose environment carries the tag (the run and anything it started)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if f"RAS_SIM_TEST_TAG={tag}".encode() in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def wait_gone(tag: str, seconds: float = 10.0) -> list[int]:
    deadline = time.time() + seconds
    while (left := tagged(tag)) and time.time() < deadline:
        time.sleep(0.1)
    return left


def start_long_run(tmp_path: Path, tag: str) -> tuple[subprocess.Popen, Path, Path]:
    study = tmp_path / "long.toml"
    study.write_text((DATA / "small_study.toml").read_text().replace("runs = 6", "runs = 400")
                     .replace('horizon_end = "2014-12"', 'horizon_end = "2018-03"')
                     .replace("../../", f"{ROOT.as_posix()}/"))
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_sim.py"), "run", str(study), "--out",
                             str(out), "--quiet", "--no-report", "--jobs", "2"], cwd=tmp_path,
                            env={**os.environ, "RAS_SIM_TEST_TAG": tag},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.time() + 120
    while not list((out / "checkpoints").glob("chunk_00001*")):
        assert time.time() < deadline and proc.poll() is None, "run ended before a checkpoint"
        time.sleep(0.02)
    return proc, study, out


def test_sigterm_stops_like_ctrl_c_and_leaves_no_process(tmp_path):
    tag = uuid.uuid4().hex
    proc, study, out = start_long_run(tmp_path, tag)
    try:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert b"--resume" in err and b"Traceback" not in err
        assert wait_gone(tag) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in tagged(tag):
            os.kill(pid, signal.SIGKILL)
    study.write_text(study.read_text().replace("runs = 400", "runs = 2"))
    assert main(["run", str(study), "--out", str(out), "--overwrite", "--quiet", "--no-report",
                 "--jobs", "1"]) == 0


def test_ctrl_c_says_how_many_chunks_are_kept_and_leaks_no_library_warning(tmp_path):
    # a terminal's Ctrl-C signals the whole process group: the run and its workers alike
    tag = uuid.uuid4().hex
    proc, _, out = start_long_run(tmp_path, tag)
    try:
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        text = err.decode()
        assert proc.returncode == 130, text
        kept = len(list((out / "checkpoints").glob("chunk_*.npz")))
        assert kept >= 2
        assert f"interrupted: {kept} completed chunks of replicates kept in " in text
        assert "Traceback" not in text and "Warning" not in text, text
        assert wait_gone(tag) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in tagged(tag):
            os.kill(pid, signal.SIGKILL)


def test_a_killed_run_leaves_no_worker_behind(tmp_path):
    tag = uuid.uuid4().hex
    proc, _, _ = start_long_run(tmp_path, tag)
    try:
        proc.kill()  # SIGKILL: the run itself cannot tidy up
        proc.wait(timeout=30)
        assert wait_gone(tag) == []
    finally:
        for pid in tagged(tag):
            os.kill(pid, signal.SIGKILL)
