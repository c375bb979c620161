"""Outputs as a registry (issue 25 item 3): one entry makes a table a CSV file, a workbook
sheet with its contents line and headings, and (when the report shows it) a section of
report.html, with no other change; every table is built once, and the headline builds none."""
from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from built_report import MANIFEST, META
from openpyxl import load_workbook
from results_fixture import constructed

from sim.outputs import equalities, finance, registry, summary
from sim.outputs.columns import PCT
from sim.outputs.headline import headline
from sim.outputs.registry import OutputTable, Tables
from sim.outputs.write import write_outputs


def _folder(tmp_path: Path) -> Path:
    """A results folder of the hand-built results, as a run leaves it before its outputs."""
    res = constructed(with_persons=True)
    res.meta.update(META)
    (tmp_path / "manifest.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    res.save(tmp_path, covering=("manifest.json",))
    return tmp_path


def _shares(t: Tables) -> pd.DataFrame:
    s = t["summary"]                       # built from a table already built
    return pd.DataFrame({"policy": s["policy"], "odd_share": s["share_lose10"] / 2})


EXTRA = OutputTable("odd_shares", _shares, "Half of each option's share losing more than 10%",
                    report=True, headings={"odd_share": ("half the share losing", PCT)})


def test_one_registry_entry_makes_a_csv_a_sheet_a_contents_line_and_a_report_section(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "TABLES", (*registry.TABLES, EXTRA))
    folder = _folder(tmp_path)
    written = write_outputs(folder)
    assert folder / "odd_shares.csv" in written
    csv = pd.read_csv(folder / "odd_shares.csv")
    assert list(csv.columns) == ["policy", "odd_share"] and len(csv) == 3
    wb = load_workbook(folder / "results.xlsx")
    assert "odd_shares" in wb.sheetnames
    heads = [c.value for c in wb["odd_shares"][1]]
    assert "half the share losing" in heads                      # the entry's heading
    col = heads.index("half the share losing") + 1
    cells = [row[0] for row in wb["odd_shares"].iter_rows(min_row=2, min_col=col, max_col=col)]
    assert {c.number_format for c in cells if c.value is not None} == {"0.0%"}   # its kind
    contents = {r[0]: r[1] for r in wb["contents"].iter_rows(min_row=2, values_only=True)}
    assert contents["odd_shares"] == EXTRA.contents
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "id='further-tables'" in page and html.escape(EXTRA.contents) in page


def test_without_the_entry_there_is_no_such_table(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    write_outputs(folder, report=False)
    assert not (folder / "odd_shares.csv").exists()
    assert (folder / "summary.csv").exists()


def test_every_table_is_built_once_when_a_folder_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: Counter = Counter()

    def counted(e: OutputTable) -> OutputTable:
        def build(t: Tables, _e=e) -> pd.DataFrame:
            builds[_e.name] += 1
            return _e.build(t)
        return OutputTable(e.name, build, e.contents, e.csv, e.sheet, e.report, e.headings)

    monkeypatch.setattr(registry, "TABLES", tuple(counted(e) for e in registry.TABLES))
    write_outputs(_folder(tmp_path))
    assert set(builds) == {e.name for e in registry.TABLES}
    assert set(builds.values()) == {1}      # target and eia feed four readers, built once


def test_the_headline_reads_the_tables_it_is_given_and_builds_none(
        monkeypatch: pytest.MonkeyPatch) -> None:
    res = constructed()
    tables = Tables(res)
    given = {"summary": tables["summary"], "eia": tables["eia"]}
    calls: Counter = Counter()
    for module, name in ((summary, "summary_table"), (finance, "target_table"),
                         (equalities, "eia_table")):
        monkeypatch.setattr(module, name, lambda *a, _n=name, **k: calls.update([_n]))
    text = headline(res, "out/x", given)
    assert "a+immediate" in text and not calls
