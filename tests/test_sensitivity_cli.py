"""`run-sim sensitivity`: bad input exits 2 with nothing written; a run writes its files."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import DATA

from sim.cli import main

STUDY = str(DATA / "small_study.toml")


@pytest.mark.parametrize("args, why", [
    (["--samples", "1"], "--samples must be at least 2"),
    (["--replicates", "0"], "--replicates must be at least 1"),
    (["--policies", "percentile+phase"], "did you mean 'percentile+phased'"),
    (["--jobs", "0"], "--jobs must be at least 1"),
])
def test_bad_input_exits_2_with_nothing_written(tmp_path, capsys, args, why):
    out = tmp_path / "out"
    assert main(["sensitivity", STUDY, "--out", str(out), *args]) == 2
    assert why in capsys.readouterr().err
    assert not out.exists()


def test_a_folder_it_did_not_write_is_left_untouched(tmp_path, capsys):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("precious")
    assert main(["sensitivity", STUDY, "--out", str(out), "--samples", "2"]) == 2
    assert "was not made by run-sim" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["chapter1.docx"]


def test_a_morris_run_writes_its_files_and_never_replaces_them_unasked(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["sensitivity", STUDY, "--out", str(out), "--method", "morris", "--samples", "2",
            "--policies", "percentile+phased", "--replicates", "1", "--jobs", "1",
            "--quiet"]
    assert main(args) == 0
    table = pd.read_csv(out / "sensitivity.csv")
    assert list(table.columns) == ["output", "policy", "parameter", "mu_star", "mu_star_conf",
                                   "sigma"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["method"] == "morris" and len(manifest["parameters"]) >= 16
    assert len(pd.read_csv(out / "samples.csv")) == 2 * (len(manifest["parameters"]) + 1)
    assert (out / "thresholds.csv").is_file() and (out / "figures" / "tornado_1.png").is_file()
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--samples", "1000000000"], ["--replicates", "100000000"]])
def test_a_job_too_big_for_the_machine_is_refused_before_anything_is_written(
        tmp_path, monkeypatch, capsys, args):
    """A billion base samples (27 billion evaluations) or a hundred million replicates per
    evaluation: exit 2 with the memory figure, no folder (it used to traceback after marking
    the folder, or run for ever)."""
    from sim.analysis.sensitivity import pipeline as sensitivity

    def started(*a, **k):
        raise AssertionError("the analysis started")
    monkeypatch.setattr(sensitivity, "analyse", started)
    out = tmp_path / "out"
    assert main(["sensitivity", STUDY, "--out", str(out), "--jobs", "1", *args]) == 2
    err = capsys.readouterr().err
    assert "GiB of memory" in err and "nothing was written" in err
    assert not out.exists()


def test_the_default_study_s_analysis_fits_a_modest_machine(monkeypatch):
    """The shipped study's default analysis (32 samples, 8 replicates, 2 jobs) is accepted
    on a machine with 2 GiB free and 1 GiB of disk."""
    from conftest import ROOT

    from sim.analysis.job_size import check_sensitivity, sensitivity_need
    from sim.analysis.sensitivity import pipeline as sensitivity
    from sim.study import resources
    from sim.study.study_file import load_study

    plan = sensitivity.plan(load_study(ROOT / "scenarios" / "default.toml"))
    monkeypatch.setattr(resources, "available_bytes", lambda: 2.0 * 2**30)
    monkeypatch.setattr(resources, "free_disk_bytes", lambda folder: 1.0 * 2**30)
    check_sensitivity(plan, 2, ROOT / "results" / "never_written")
    assert sensitivity_need(plan, 2).memory > 400 * 2**20   # two model processes at least


def test_policy_names_from_input_files_are_written_inert_in_every_csv(tmp_path):
    """A calibration block named like a spreadsheet formula (`=cmd|' /C calc'!A0`): no cell
    or heading of sensitivity.csv, thresholds.csv, noise.csv or samples.csv starts with a
    formula character; the name is kept, prefixed with ' as run's tables do."""
    import csv

    from conftest import ROOT

    evil = "=cmd|' /C calc'!A0"
    cal = (ROOT / "scenarios" / "calibrations.toml").read_text()
    (tmp_path / "cal.toml").write_text(cal.replace("[percentile]", f"[{json.dumps(evil)}]"))
    study = tmp_path / "study.toml"
    study.write_text((DATA / "small_study.toml").read_text()
                     .replace("../../", f"{ROOT.as_posix()}/")
                     .replace(f"{ROOT.as_posix()}/scenarios/calibrations.toml", "cal.toml")
                     .replace('["price_per_point", "percentile"]', f"[{json.dumps(evil)}]")
                     .replace('["immediate", "phased"]', '["phased"]'))
    out = tmp_path / "out"
    assert main(["sensitivity", str(study), "--out", str(out), "--method", "morris",
                 "--samples", "2", "--replicates", "1", "--jobs", "1", "--quiet"]) == 0
    seen = []
    for name in ("sensitivity.csv", "thresholds.csv", "noise.csv", "samples.csv"):
        with open(out / name, newline="", encoding="utf-8") as f:
            cells = [c for row in csv.reader(f) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@") and not _number(c)], name
        seen += [c for c in cells if evil in c]
    assert f"'{evil}+phased" in seen


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
