"""Report inputs belong to the run (issue 25 item 5): the EIA rating rule and the
calibrations file are recorded in the manifest, the run's identity and its results when it
runs, and `run-sim report` rebuilds eia.docx by the recorded rule, saying which it is, even
after the rule file the study points at has changed."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from docx import Document

from sim.cli import main
from sim.outputs.eia.rating import load_rule, rated, rule_of
from sim.outputs.registry import Tables
from sim.paths import POPULATIONS, SCENARIOS
from sim.study.results import StudyResults
from sim.study.study_file import StudyError, load_study

STRICTER = ("adverse_rr = 1.01\npositive_rr = 0.99\nmin_people_losing = 0.0\n"
            "adverse_share = 0.001\n")


def _study(tmp_path: Path, extra: str = "") -> Path:
    """The default study, small, in a copy of the scenarios (its rule file beside it)."""
    scenarios = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, scenarios)
    path = scenarios / "default.toml"
    text = path.read_text(encoding="utf-8").replace("../populations", POPULATIONS.as_posix())
    text = text.replace('calibrations = ["price_per_point", "percentile", '
                        '"regression_loglinear", "group_price_per_point"]',
                        'calibrations = ["price_per_point"]')
    path.write_text(text.replace("[study]\n", "[study]\n" + extra, 1), encoding="utf-8")
    return path


def _ratings(docx: Path) -> list[str]:
    doc = Document(str(docx))
    cells = [row.cells[-1].text for t in doc.tables for row in t.rows[1:]]
    return [p.text for p in doc.paragraphs if "rating" in p.text.lower()] + cells


def test_report_rates_by_the_rule_the_run_recorded_not_the_file_installed_since(
        tmp_path: Path) -> None:
    study = _study(tmp_path)
    rule_file = study.parent / "eia_rating.toml"
    out = tmp_path / "out"
    assert main(["run", str(study), "--runs", "2", "--jobs", "1", "--quiet",
                 "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["eia_rating_file"] == str(rule_file.resolve())
    assert manifest["eia_rating_text"] == rule_file.read_text(encoding="utf-8")
    assert manifest["calibrations_text"] == (study.parent / "calibrations.toml").read_text(
        encoding="utf-8")
    identity = json.loads((out / "run.json").read_text(encoding="utf-8"))["inputs"]
    assert identity["EIA rating file"] == manifest["eia_rating_sha256"]
    assert "calibrations file" in identity
    before = _ratings(out / "eia.docx")
    assert any(r.startswith("Impact rating for") for r in before)

    rule_file.write_text(rule_file.read_text(encoding="utf-8").replace(
        "adverse_rr = 1.25", "adverse_rr = 1.01").replace("adverse_share = 0.10",
                                                          "adverse_share = 0.001"),
                         encoding="utf-8")
    res = StudyResults.load(out)
    bands = Tables(res)["winners_losers"]
    assert list(rated(bands, load_rule(rule_file))["rating"]) != \
        list(rated(bands, rule_of(res))["rating"])          # the edit would change ratings
    assert main(["report", str(out)]) == 0
    assert _ratings(out / "eia.docx") == before              # ... but the report keeps the run's
    text = "\n".join(p.text for p in Document(str(out / "eia.docx")).paragraphs)
    assert (f"Rule file eia_rating.toml (SHA-256 {manifest['eia_rating_sha256'][:12]}), as "
            "recorded with the run.") in text


def test_a_study_names_its_rule_file_and_a_bad_one_is_refused_before_anything_runs(
        tmp_path: Path) -> None:
    (tmp_path / "strict.toml").write_text(STRICTER + 'source = "a test"\n', encoding="utf-8")
    study = load_study(_study(tmp_path, f"eia_rating_file = '{tmp_path / 'strict.toml'}'\n"))
    assert study.eia_rule.rule().adverse_rr == 1.01
    bad = _study(tmp_path / "b", "eia_rating_file = 'nowhere.toml'\n")
    with pytest.raises(StudyError, match="study.eia_rating_file.*nowhere.toml"):
        load_study(bad)


def test_results_that_recorded_no_rule_are_rated_by_the_installed_one_and_say_so() -> None:
    from results_fixture import constructed

    rule = rule_of(constructed())
    assert rule.adverse_rr == load_rule().adverse_rr
    assert "the run recorded no rule" in rule.text()
