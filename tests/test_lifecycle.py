"""One results-folder lifecycle (sim.study.lifecycle) for `run`, `search` and `sensitivity`:
the same checks, in the same words, naming the command; a folder made by one command is
never taken by another."""
from __future__ import annotations

import pytest
from conftest import DATA, ROOT

from sim.cli import main
from sim.study import lifecycle

SMALL = str(DATA / "small_study.toml")
SENSITIVITY = ["sensitivity", SMALL, "--method", "morris", "--samples", "2", "--replicates", "1",
               "--policies", "percentile+phased", "--jobs", "1", "--quiet"]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    out = tmp_path_factory.mktemp("lc") / "sens"
    assert main([*SENSITIVITY, "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("command", [["run", SMALL, "--no-report", "--jobs", "1"],
                                     SENSITIVITY[:2] + ["--jobs", "1"],
                                     ["search", str(ROOT / "scenarios" / "search_default.toml")]])
def test_resume_with_nothing_to_resume_names_the_command(tmp_path, capsys, command):
    """Every command takes --resume and refuses, naming itself, a folder with nothing in it."""
    out = tmp_path / "none"
    assert main([*command, "--out", str(out), "--resume", "--quiet"]) == 2
    assert f"no interrupted {command[0]} to resume here" in capsys.readouterr().err
    assert not out.exists()


def test_each_command_marks_its_folder_with_its_name(analysed):
    assert lifecycle.made_by(analysed) == "sensitivity"
    assert "run-sim sensitivity" in (analysed / ".ras-sim-run").read_text()
    assert not (analysed / "checkpoints").exists()   # a finished analysis keeps none


@pytest.mark.parametrize("command", [["run", SMALL, "--no-report", "--jobs", "1"],
                                     ["search", str(ROOT / "scenarios" / "search_default.toml")]])
def test_a_folder_of_one_command_is_refused_by_another_naming_who_made_it(
        analysed, capsys, command):
    """A sensitivity folder given to `run` or `search` (even with --overwrite) is left as it
    is, and the message says `run-sim sensitivity` made it (it used to say "holds files
    run-sim did not write")."""
    before = sorted(p.name for p in analysed.iterdir())
    assert main([*command, "--out", str(analysed), "--overwrite", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "holds the results of `run-sim sensitivity`" in err and "did not write" not in err
    assert sorted(p.name for p in analysed.iterdir()) == before


def test_a_folder_marked_by_an_older_version_is_known_by_its_identity(tmp_path):
    (tmp_path / ".ras-sim-run").write_text("This folder was written by run-sim; --overwrite "
                                           "may replace it.\n")
    (tmp_path / "search.json").write_text("{}")
    assert lifecycle.made_by(tmp_path) == "search"


def test_an_empty_out_is_refused(tmp_path, capsys, monkeypatch):
    """`--out ""` would be the current folder: refused with exit 2, nothing written."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", SMALL, "--out", "", "--quiet", "--jobs", "1"]) == 2
    assert "--out is empty" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
