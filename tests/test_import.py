"""`run-sim import`: a council's extract through a mapping file into a population, with a
data-quality report; the example extract is the synthetic population in disguise."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.inputs.extract.importer import import_extract
from sim.inputs.extract.mapping import MappingError, load_mapping
from sim.inputs.extract.people import combine_pb_types
from sim.inputs.extract.pseudonym import load_salt, pseudonym
from sim.inputs.schema import COLUMNS
from tests.conftest import ROOT

EXAMPLE = ROOT / "populations" / "extract_example"
EXTRACT, MAPPING = EXAMPLE / "extract.csv", EXAMPLE / "mapping.toml"
EXPECTED, EVENTS = EXAMPLE / "expected_totals.toml", EXAMPLE / "events.csv"
SALT = b"a-test-salt-of-some-length"


@pytest.fixture(scope="module")
def example():
    return import_extract(EXTRACT, load_mapping(MAPPING), SALT, EXPECTED)


def mapping_variant(tmp_path, old: str, new: str):
    text = MAPPING.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "mapping.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_example_extract_gives_back_the_synthetic_population(example, population):
    """Every clean person of the example extract is the synthetic person it was made from:
    codes translated back, age from the date of birth, weekly and four-weekly amounts
    annualised and summed over service rows (within rounding of the amounts to pennies)."""
    got = example.population
    assert len(got) == len(population) == 2111
    for col in ("age", "sex", "ethnicity", "client_group", "facs_band", "ras_points", "pb_type",
                "months_since_review", "team"):
        np.testing.assert_array_equal(getattr(got, col), getattr(population, col), err_msg=col)
    assert got.teams == population.teams
    np.testing.assert_allclose(got.annual_budget, population.annual_budget, atol=1.0)
    assert got.synthetic and "make_example.py" in got.description


def test_quality_figures_count_every_dirty_row_by_reason(example):
    q = example.quality
    assert (q.rows_read, q.people_found, q.people_kept, q.duplicates) == (3170, 2119, 2111, 1)
    assert q.rows_dropped["duplicate row"] == 1 and q.rows_dropped["no person identifier"] == 1
    assert sum(q.people_dropped.values()) == 8 and q.people_dropped["rows disagree on sex"] == 1
    assert set(q.unmapped) == {("ethnicity", "Ethnicity", "Z"), ("team", "Team", "TEMP"),
                               ("annual_budget", "Frequency", "Monthly")}
    assert q.implausible == {"age": 1, "annual_budget": 1}
    dropped = dict(q.columns_dropped)
    assert set(dropped) == {"Surname", "Forename", "Address", "Postcode", "NHS Number",
                            "Case Notes", "Service"}
    assert dropped["NHS Number"].startswith("identifies people")
    pub = q.published.set_index("figure")
    assert pub.loc["people, PB commissioned", "extract"] == 961
    assert pub.loc["people, PB direct payment", "extract"] == 200
    assert abs(pub.loc["annual cost (£), PB direct payment", "difference"]) < 1e-5
    assert "March 2012 report, 4.6" in pub.loc["people, PB commissioned", "source"]


def test_service_rows_combine_into_one_budget_and_pb_type():
    assert combine_pb_types(pd.Series(["direct_payment", "commissioned"])) == "mixed"
    assert combine_pb_types(pd.Series(["direct_payment", "direct_payment"])) == "direct_payment"
    assert combine_pb_types(pd.Series(["commissioned", "old_style"])) == "commissioned"
    assert combine_pb_types(pd.Series(["old_style"])) == "old_style"


def _small_extract(tmp_path, rows: list[dict], name="x.csv"):
    base = pd.read_csv(EXTRACT, dtype=str, keep_default_na=False).iloc[0].to_dict()
    df = pd.DataFrame([{**base, **r} for r in rows])
    path = tmp_path / name
    if name.endswith(".xlsx"):
        df.to_excel(path, index=False)
    else:
        df.to_csv(path, index=False)
    return path


def test_amounts_are_annualised_by_period_and_summed(tmp_path):
    path = _small_extract(tmp_path, [
        {"Client ID": "A1", "Service Type": "Cash Payment", "Amount": "100", "Frequency": "Weekly"},
        {"Client ID": "A1", "Service Type": "Commissioned Service", "Amount": "£1,000.00",
         "Frequency": "4 Weekly"},
        {"Client ID": "B2", "Service Type": "Commissioned Service", "Amount": "5200",
         "Frequency": "Annual"}])
    pop = import_extract(path, load_mapping(MAPPING), SALT).population.to_frame()
    assert pop["annual_budget"].tolist() == [100 * 52.14 + 1000 * 13.04, 5200.0]
    assert pop["pb_type"].tolist() == ["mixed", "commissioned"]


def test_xlsx_extract_with_date_cells_reads_like_csv(tmp_path):
    """A workbook's real date cells (not text) give the same ages and months since review."""
    rows = [{"Client ID": "A1"}, {"Client ID": "B2", "Gender": "M"}]
    csv = import_extract(_small_extract(tmp_path, rows), load_mapping(MAPPING), SALT)
    base = pd.read_csv(EXTRACT, dtype=str, keep_default_na=False).iloc[0]
    as_date = lambda text: pd.to_datetime(text, dayfirst=True)     # the extract's dd/mm/yyyy
    dated = [{**r, "DOB": as_date(base["DOB"]), "Last Review": as_date(base["Last Review"])}
             for r in rows]
    xlsx = import_extract(_small_extract(tmp_path, dated, "x.xlsx"), load_mapping(MAPPING), SALT)
    pd.testing.assert_frame_equal(csv.population.to_frame(), xlsx.population.to_frame())


@pytest.mark.parametrize("old,new,hint", [
    ('column = "Gender"', 'colum = "Gender"', "did you mean 'column'"),
    ('OP = "older_people", PD', 'OP = "older_peple", PD', "did you mean 'older_people'"),
    ('[fields.sex]', '[fields.sexx]', "did you mean 'sex'"),
])
def test_mapping_typos_get_did_you_mean(tmp_path, old, new, hint):
    with pytest.raises(MappingError, match=hint):
        load_mapping(mapping_variant(tmp_path, old, new))


def test_a_column_not_in_the_extract_is_named_with_the_nearest(tmp_path):
    m = load_mapping(mapping_variant(tmp_path, 'column = "Gender"', 'column = "Gendr"'))
    with pytest.raises(MappingError, match="no column 'Gendr'.*did you mean 'Gender'"):
        import_extract(EXTRACT, m, SALT)


def _drop_block(text: str, header: str) -> str:
    start = text.index(header)
    return text[:start] + text[text.index("\n[", start + 1) + 1:]


@pytest.mark.parametrize("problem", ["unmapped fields", "absent columns"])
def test_unmappable_required_fields_exit_2_listing_all_and_write_nothing(
        tmp_path, monkeypatch, capsys, problem):
    """Every problem at once (two fields the mapping leaves out, or two columns the extract
    lacks), exit status 2, and no file written."""
    monkeypatch.setenv("RAS_SIM_SALT", SALT.decode())
    text = MAPPING.read_text(encoding="utf-8")
    if problem == "unmapped fields":
        text = _drop_block(_drop_block(text, "[fields.sex]"), "[fields.facs_band]")
        wanted = ["key 'fields.sex' is missing", "key 'fields.facs_band' is missing"]
    else:
        text = text.replace('column = "Team"', 'column = "Teem"').replace('"Gender"', '"Gendr"')
        wanted = ["no column 'Teem'", "did you mean 'Team'", "no column 'Gendr'"]
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["import", str(EXTRACT), "--mapping", str(bad), "--out", str(out / "pop.csv"),
                 "--events", str(EVENTS)]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s)" in err and all(w in err for w in wanted), err
    assert list(out.iterdir()) == []


def test_salt_is_required_and_keys_the_pseudonym(tmp_path, monkeypatch):
    monkeypatch.delenv("RAS_SIM_SALT", raising=False)
    with pytest.raises(Exception, match="RAS_SIM_SALT"):
        load_salt()
    (tmp_path / "s").write_text("short")
    with pytest.raises(Exception, match="at least 16"):
        load_salt(tmp_path / "s")
    assert pseudonym("CM1", SALT) == pseudonym(" CM1 ", SALT) != pseudonym("CM1", SALT + b"x")
    assert pseudonym("CM1", SALT) != pseudonym("CM2", SALT)


def test_an_identifying_column_may_not_feed_a_field(tmp_path):
    m = load_mapping(mapping_variant(tmp_path, 'column = "Team"', 'column = "Postcode"'))
    with pytest.raises(MappingError, match="'Postcode' identifies people"):
        import_extract(EXTRACT, m, SALT)


def test_team_labels_that_look_like_postcodes_are_refused(tmp_path):
    text = MAPPING.read_text(encoding="utf-8")
    start = text.index("[fields.team]")
    end = text.index("[fields.facs_band]")
    path = tmp_path / "m.toml"
    path.write_text(text[:start] + '[fields.team]\ncolumn = "Team"\n\n' + text[end:])
    rows = [{"Client ID": "A1", "Team": "BA2 4QP"}, {"Client ID": "B2", "Team": "Bath"}]
    with pytest.raises(MappingError, match="look like a postcode"):
        import_extract(_small_extract(tmp_path, rows), load_mapping(path), SALT)
    ok = import_extract(_small_extract(tmp_path, [rows[1]]), load_mapping(path), SALT)
    assert ok.population.teams == ("Bath",)


def test_population_columns_are_the_schema_only(example, tmp_path):
    from sim.inputs.population import write_population

    write_population(example.population, tmp_path / "p.csv")
    assert list(pd.read_csv(tmp_path / "p.csv").columns) == list(COLUMNS)


def test_quality_report_shows_the_figures_and_escapes_codes(example, tmp_path):
    """quality.html: summary, drops by reason, unmapped codes (escaped: a code is data, not
    markup) and the extract beside the published figures, in the study report's style."""
    from sim.outputs.quality_page import render_quality
    from sim.outputs.style import CSS

    rows = [{"Client ID": "A1", "Ethnicity": "<script>alert(1)</script>"},
            {"Client ID": "B2"}]
    dirty = import_extract(_small_extract(tmp_path, rows), load_mapping(MAPPING), SALT, EXPECTED)
    page = render_quality(dirty.quality)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    page = render_quality(example.quality, "made up")
    assert CSS in page
    for text in ("Rows and people dropped", "unmapped ethnicity code", "rows disagree on sex",
                 "Codes with no translation", "Monthly", "The extract beside the published",
                 "March 2012 report, 4.6", "3,170", "2,111", "NHS Number", "made up"):
        assert text in page, text


def test_a_failed_write_leaves_no_output_at_all(tmp_path, monkeypatch):
    """The disk fails while the rates overlay is written: the population and the report are
    not put in place either (exit 3, the folder as it was)."""
    from pathlib import Path

    write_text = Path.write_text

    def failing(self, *args, **kwargs):
        if ".rates.toml" in self.name:
            raise OSError(28, "No space left on device", str(self))
        return write_text(self, *args, **kwargs)

    monkeypatch.setenv("RAS_SIM_SALT", SALT.decode())
    monkeypatch.setattr(Path, "write_text", failing)
    assert main(["import", str(EXTRACT), "--mapping", str(MAPPING), "--out",
                 str(tmp_path / "pop.csv"), "--events", str(EVENTS)]) == 3
    assert list(tmp_path.iterdir()) == []


def test_the_shipped_example_is_what_its_script_writes(tmp_path):
    """make_example.py is deterministic and the shipped extract and events are its output
    (so they can be rebuilt, and a change to the synthetic population shows here)."""
    import subprocess
    import sys

    subprocess.run([sys.executable, str(EXAMPLE / "make_example.py"), str(tmp_path)],
                   check=True, capture_output=True)
    for name in ("extract.csv", "events.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes(), name
