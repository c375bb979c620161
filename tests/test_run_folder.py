"""Results folders: only ours are replaced, one writer at a time, resume only the same run."""
from __future__ import annotations

import json
import os

import pytest
from conftest import DATA, ROOT

from sim.cli import main
from sim.study import run_folder

SMALL = DATA / "small_study.toml"


def run(*args: str) -> int:
    return main(["run", *args, "--quiet", "--no-report", "--jobs", "1"])


def study_named(tmp_path, name: str):
    path = tmp_path / f"study_{len(list(tmp_path.iterdir()))}.toml"
    path.write_text(SMALL.read_text().replace('name = "small"', f'name = "{name}"')
                    .replace("runs = 6", "runs = 2").replace("../../", f"{ROOT.as_posix()}/"))
    return path


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("fin") / "run"
    assert run(str(SMALL), "--out", str(out), "--runs", "2") == 0
    return out


@pytest.mark.parametrize("name", ["..", "."])
def test_a_study_name_cannot_reach_outside_results(tmp_path, monkeypatch, name):
    project = tmp_path / "project"
    (project / "results" / "other_run").mkdir(parents=True)
    (project / "precious.py").write_text("source")
    (project / "results" / "other_run" / "spend.csv").write_text("x")
    monkeypatch.chdir(project)
    assert run(str(study_named(tmp_path, name)), "--overwrite") == 2
    assert (project / "precious.py").read_text() == "source"
    assert (project / "results" / "other_run" / "spend.csv").exists()


def test_overwrite_refuses_a_folder_this_tool_did_not_make(tmp_path, capsys):
    mine = tmp_path / "thesis"
    (mine / "chapters").mkdir(parents=True)
    (mine / "thesis.docx").write_bytes(b"years of work")
    assert run(str(SMALL), "--out", str(mine), "--overwrite") == 2
    assert "not made by run-sim" in capsys.readouterr().err
    assert (mine / "thesis.docx").read_bytes() == b"years of work"
    assert sorted(p.name for p in mine.iterdir()) == ["chapters", "thesis.docx"]


def test_overwrite_refuses_our_folder_with_someone_elses_file_in_it(finished, tmp_path, capsys):
    out = tmp_path / "copy"
    out.mkdir()
    for f in finished.iterdir():
        if f.is_file():
            (out / f.name).write_bytes(f.read_bytes())
    (out / "notes.txt").write_text("mine")
    assert run(str(SMALL), "--out", str(out), "--overwrite") == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"


def test_overwrite_replaces_our_own_folder(finished, tmp_path):
    out = tmp_path / "again"
    assert run(str(SMALL), "--out", str(out), "--runs", "2") == 0
    assert run(str(SMALL), "--out", str(out), "--runs", "2", "--seed", "5", "--overwrite") == 0
    assert json.loads((out / "run.json").read_text())["seed"] == 5


def test_out_as_a_symlink_or_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert run(str(SMALL), "--out", str(tmp_path / "link")) == 2
    (tmp_path / "file").write_text("x")
    assert run(str(SMALL), "--out", str(tmp_path / "file")) == 2
    assert "not a folder" in capsys.readouterr().err
    assert list((tmp_path / "real").iterdir()) == []


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path, capsys):
    out = tmp_path / "busy"
    with run_folder.locked(out):
        assert run(str(SMALL), "--out", str(out), "--overwrite") == 2
    assert "another run" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == [run_folder.LOCK]
    assert run(str(SMALL), "--out", str(out), "--runs", "2") == 0  # released: usable again


def test_a_lock_left_by_a_dead_process_is_not_stale(tmp_path):
    out = tmp_path / "stale"
    out.mkdir()
    (out / run_folder.LOCK).write_text("999999")  # a pid that holds nothing
    assert run(str(SMALL), "--out", str(out), "--runs", "2") == 0


def _interrupted_copy(finished, tmp_path):
    """A folder that looks like an interrupted run of `study` (identity + empty checkpoints)."""
    study = tmp_path / "study.toml"
    params = tmp_path / "parameters.toml"
    params.write_text((ROOT / "scenarios" / "parameters.toml").read_text())
    study.write_text(SMALL.read_text().replace("runs = 6", "runs = 2")
                     .replace('"../../scenarios/parameters.toml"', '"parameters.toml"')
                     .replace("../../", f"{ROOT.as_posix()}/"))
    out = tmp_path / "interrupted"
    assert run(str(study), "--out", str(out)) == 0
    (out / "checkpoints").mkdir()
    return study, params, out


def test_resume_names_an_edited_parameter_file(finished, tmp_path, capsys):
    study, params, out = _interrupted_copy(finished, tmp_path)
    params.write_text(params.read_text().replace("value = 0.02\n", "value = 0.03\n", 1))
    assert run(str(study), "--out", str(out), "--resume") == 2
    assert "parameters file" in capsys.readouterr().err


def test_resume_removes_temporary_files_of_a_killed_run(finished, tmp_path):
    study, _, out = _interrupted_copy(finished, tmp_path)
    stray = [out / ".spend.csv.123.abcdef01.tmp", out / "checkpoints" / ".chunk_00000.9.ab.tmp"]
    for f in stray:
        f.write_text("half")
    assert run(str(study), "--out", str(out), "--resume") == 0
    assert not any(f.exists() for f in stray)


@pytest.mark.parametrize("option", [["--seed", "-1"], ["--runs", "1000000000000"], ["--runs", "0"]])
def test_bad_command_line_values_write_nothing(tmp_path, option, capsys):
    out = tmp_path / "out"
    assert run(str(SMALL), "--out", str(out), *option) == 2
    assert not out.exists()
    assert option[0].lstrip("-") in capsys.readouterr().err


def test_environment_failures_exit_3_with_one_line(tmp_path, monkeypatch, capsys):
    from sim.study import results

    def full(*_a, **_k):
        raise OSError(28, "No space left on device", str(tmp_path / "x"))

    monkeypatch.setattr(results.StudyResults, "save", full)
    assert run(str(SMALL), "--out", str(tmp_path / "full"), "--runs", "2") == 3
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err


def test_scheduler_addresses_are_checked_before_anything_is_written(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "d"
    assert run(str(SMALL), "--out", str(out), "--backend", "dask", "--scheduler", "nonsense") == 2
    assert "scheduler" in capsys.readouterr().err
    assert not out.exists()


def test_jobs_above_the_core_count_are_capped_with_a_note(tmp_path, capsys):
    assert main(["run", str(SMALL), "--out", str(tmp_path / "j"), "--runs", "2", "--quiet",
                 "--no-report", "--jobs", "500"]) == 0
    assert f"using {os.cpu_count()}" in capsys.readouterr().err


def test_no_report_still_writes_every_table(tmp_path):
    out = tmp_path / "tables"
    assert run(str(SMALL), "--out", str(out), "--runs", "2") == 0
    for name in ("spend.csv", "target.csv", "eia.csv", "eia_horizon.csv", "disparity.csv",
                 "spend_monthly.csv", "summary.csv"):
        assert (out / name).is_file(), name
    assert not (out / "report.html").exists()


def test_report_rewrites_a_stale_table(finished, tmp_path):
    import shutil

    out = tmp_path / "rep"
    shutil.copytree(finished, out)
    good = (out / "spend.csv").read_bytes()
    (out / "spend.csv").write_text("stale")
    assert main(["report", str(out)]) == 0
    assert (out / "spend.csv").read_bytes() == good


@pytest.mark.parametrize("link", ["figures", "figures/spend_fan.png", "report.html"])
def test_report_never_writes_through_a_link_inside_the_folder(finished, tmp_path, capsys, link):
    """A subfolder or file of a results folder replaced by a link to someone else's: report
    refuses (exit 2) and the other folder's file is left as it was."""
    import shutil

    out, elsewhere = tmp_path / "linked", tmp_path / "elsewhere"
    shutil.copytree(finished, out)
    elsewhere.mkdir()
    (elsewhere / "spend_fan.png").write_text("mine")
    if link == "figures":
        (out / link).symlink_to(elsewhere)
    else:
        (out / "figures").mkdir(exist_ok=True)
        (out / link).symlink_to(elsewhere / "spend_fan.png")
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err and link in err
    assert (elsewhere / "spend_fan.png").read_text() == "mine"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["spend_fan.png"]


def test_report_says_when_the_folder_was_run_by_other_code(finished, tmp_path, capsys,
                                                           monkeypatch):
    import shutil

    from sim.study import manifest

    out = tmp_path / "other_code"
    shutil.copytree(finished, out)
    assert main(["report", str(out)]) == 0
    assert "different model code" not in capsys.readouterr().err
    ran = json.loads((out / "manifest.json").read_text())["code_sha256"]
    monkeypatch.setattr(manifest, "code_sha256", lambda: "0" * 64)   # the code changed since
    assert main(["report", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"was run by different model code (fingerprint {ran[:12]}, installed 000000000000" in err


def test_report_ignores_an_edited_manifest_and_shows_the_checked_one(finished, tmp_path, capsys):
    """manifest.json's seed and runs edited after the run: report says so and the workbook's
    manifest sheet shows the run's own seed and replicates (from the checked results), never
    the edit; the checksum record covers manifest.json."""
    import shutil

    from openpyxl import load_workbook

    out = tmp_path / "edited"
    shutil.copytree(finished, out)
    assert "manifest.json" in json.loads((out / "checksums.json").read_text())["sha256"]
    edited = json.loads((out / "manifest.json").read_text())
    real = (edited["seed"], edited["runs"])
    edited.update(seed=12345, runs=999999, code_sha256="f" * 64)
    (out / "manifest.json").write_text(json.dumps(edited))
    assert main(["report", str(out)]) == 0
    err = capsys.readouterr().err
    assert "manifest.json: does not match its checksum" in err and "different model" not in err
    sheet = load_workbook(out / "results.xlsx", read_only=True)["manifest"]
    shown = {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert (shown["seed"], shown["runs"]) == real and 12345 not in shown.values()
    page = (out / "report.html").read_text()
    assert "999999" not in page and "999,999" not in page and "12345" not in page


def test_everything_a_run_writes_is_recognised_as_ours(tmp_path):
    out = tmp_path / "full"
    assert main(["run", str(SMALL), "--out", str(out), "--runs", "2", "--quiet", "--jobs", "1"]) == 0
    assert run_folder.foreign_entries(out) == []
    assert run_folder.is_ours(out)


def test_a_run_too_big_for_the_machine_is_refused_before_anything_is_written(tmp_path, monkeypatch,
                                                                             capsys):
    from sim.study import resources

    monkeypatch.setattr(resources, "available_bytes", lambda: 100 * 2**20)
    out = tmp_path / "big"
    assert run(str(SMALL), "--out", str(out)) == 2
    assert "GiB of memory" in capsys.readouterr().err
    assert not out.exists()


def _never_started(monkeypatch):
    """Fail at once if the job starts (instead of running it for hours)."""
    from sim.study import runner

    def started(*a, **k):
        raise AssertionError("the run started")
    monkeypatch.setattr(runner, "run_study", started)


def test_a_million_replicates_are_refused_with_the_figures_before_anything_is_written(
        tmp_path, monkeypatch, capsys):
    """`run --runs 1000000`: tens of GiB of per-replicate results; refused with exit 2
    and the memory and disk figures, the folder never made (it used to write a chunk, then die
    on a 45 GiB allocation)."""
    _never_started(monkeypatch)
    out = tmp_path / "huge"
    assert run(str(SMALL), "--out", str(out), "--runs", "1000000") == 2
    err = capsys.readouterr().err
    assert "1,000,000 replicates" in err and "GiB of memory" in err and "GiB of disk" in err
    assert not out.exists()


def test_a_run_too_big_for_the_disk_is_refused(tmp_path, monkeypatch, capsys):
    from sim.study import resources

    _never_started(monkeypatch)
    monkeypatch.setattr(resources.shutil, "disk_usage", lambda p: shutil_usage(free=10 * 2**20))
    out = tmp_path / "full"
    assert run(str(SMALL), "--out", str(out)) == 2
    assert "GiB of disk in" in capsys.readouterr().err and not out.exists()


def shutil_usage(free: int):
    from shutil import _ntuple_diskusage

    return _ntuple_diskusage(2**40, 2**40 - free, free)


def test_the_estimate_is_calibrated_on_the_arrays_a_run_keeps(finished):
    """The per-replicate and summed results of a finished run are exactly the estimate's
    array sizes; a replicate's raw arrays and person records are no larger than counted;
    the default study (200 replicates, 2 jobs) needs well under 2 GiB and 1 GiB of disk."""
    from sim.model.aggregates import AGGREGATES, ROWS
    from sim.study.montecarlo import run_replicate
    from sim.study.resources import array_sizes, run_need
    from sim.study.results import StudyResults
    from sim.study.runner import run_spec
    from sim.study.study_file import load_study

    study = load_study(SMALL, runs=2)
    a = array_sizes(study)
    res = StudyResults.load(finished)
    rows = sum(res.arrays[n].nbytes for n, agg in AGGREGATES.items() if agg.fold == ROWS)
    total = sum(res.arrays[n].nbytes for n, agg in AGGREGATES.items() if agg.fold != ROWS)
    assert (rows, total) == (2 * a.row, a.total)
    one = run_replicate(run_spec(study), 0)
    assert sum(v.nbytes for v in one.raw.values()) <= a.raw
    assert sum(v.nbytes for v in one.persons.values()) <= a.person
    need = run_need(load_study(ROOT / "scenarios" / "default.toml"), 2)
    assert need.memory < 2 * 2**30 and need.disk < 2**30


def test_the_memory_estimate_grows_with_arrivals(tmp_path):
    from sim.study.resources import BASE_BYTES, worker_bytes
    from sim.study.study_file import load_study

    study = tmp_path / "many.toml"
    study.write_text(SMALL.read_text().replace("../../", f"{ROOT.as_posix()}/") + (
        '\n[overrides]\n"demand.mode" = "constant"\n"demand.rate_per_month" = 5000.0\n'))
    grown = worker_bytes(load_study(study)) - BASE_BYTES
    assert grown > 10 * (worker_bytes(load_study(SMALL)) - BASE_BYTES)


def test_resume_names_a_change_of_code(finished, tmp_path, monkeypatch, capsys):
    from sim.study import runner

    study, _, out = _interrupted_copy(finished, tmp_path)
    monkeypatch.setattr(runner, "code_sha256", lambda: "0" * 64)
    assert run(str(study), "--out", str(out), "--resume") == 2
    assert "the model's code" in capsys.readouterr().err


def test_an_unreachable_scheduler_exits_3_before_anything_is_written(tmp_path, monkeypatch,
                                                                      capsys):
    distributed = pytest.importorskip("dask.distributed")

    def unreachable(*_a, **_k):
        raise OSError("Timed out trying to connect to tcp://10.255.255.1:8786 after 15 s")

    monkeypatch.setattr(distributed, "Client", unreachable)
    out = tmp_path / "d"
    assert run(str(SMALL), "--out", str(out), "--backend", "dask", "--scheduler",
               "tcp://10.255.255.1:8786") == 3
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler" in err and "Traceback" not in err
    assert not out.exists()


def test_report_removes_half_written_files_of_a_killed_report_only(finished, tmp_path):
    """Issue 26 item 12: a report killed mid-write leaves '.NAME.PID.X.tmp'; the next report
    removes those of dead processes and keeps a running writer's."""
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as live:
        stale = [finished / f".report.html.{gone.pid}.0badc0de.tmp",
                 finished / "figures" / f".savings.png.{gone.pid}.0badc0de.tmp"]
        running = finished / f".results.xlsx.{live.pid}.0badc0de.tmp"
        (finished / "figures").mkdir(exist_ok=True)
        for p in (*stale, running):
            p.write_text("half")
        try:
            assert main(["report", str(finished)]) == 0
            assert not any(p.exists() for p in stale) and running.exists()
        finally:
            live.kill()
            running.unlink()


def test_a_failed_write_names_the_file_it_was_writing(tmp_path):
    """A failed write() (disk full) raises OSError without a file name: the atomic writer
    names the file."""
    from sim.atomic import atomic_path

    target = tmp_path / "table.csv"
    with pytest.raises(OSError) as info, atomic_path(target):
        raise OSError(28, "No space left on device")
    assert info.value.filename == str(target) and not list(tmp_path.iterdir())
