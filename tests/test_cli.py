"""The command line says what it does: help on every argument, a version, the README's
commands work as written, and nothing shipped is overwritten without asking."""
from __future__ import annotations

import argparse

import pytest
from conftest import ROOT

from sim import __version__
from sim.cli import main, parser


def test_every_argument_of_every_command_has_help():
    ap = parser()
    sub = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        assert command.description, name
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"{name} {action.dest}"


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_options_alone_run_the_default_study_as_the_readme_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--runs", "2", "--quiet", "--no-report", "--jobs", "1"]) == 0
    assert (tmp_path / "results" / "default" / "target.csv").is_file()
    assert main(["--overwrite", "--runs", "2", "--quiet", "--no-report", "--jobs", "1"]) == 0


def test_synthesize_refuses_to_overwrite_without_asking(tmp_path, capsys):
    shipped = tmp_path / "population.csv"
    shipped.write_text("precious")
    assert main(["synthesize", "--out", str(shipped)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert shipped.read_text() == "precious"
    assert main(["synthesize", "--out", str(shipped), "--overwrite"]) == 0
    assert shipped.read_text().startswith("id,")


def test_the_readme_test_and_run_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]" && python -m pytest -q' in readme
    assert 'pip install -q -e ".[test]"' in ci and "python -m pytest -q" in ci
    assert "pip install -e . && python run_sim.py" in readme
