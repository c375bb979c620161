"""Population files: loading, the bad-file corpus, and the shipped synthetic baseline."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import DATA, ROOT

from sim.cli import main
from sim.inputs.categories import CATEGORIES, CLIENT_GROUP, PB_TYPE
from sim.inputs.population import Population, load_population, write_population
from sim.inputs.schema import CODED, COLUMNS, PopulationError
from sim.inputs.synthetic import check_targets, generate
from sim.inputs.table_file import read_table
from sim.inputs.validation import validate_frame
from sim.model.params import load_parameters

BAD = DATA / "bad"
GOOD = DATA / "good_small.csv"
FIELDS = ("age", "sex", "ethnicity", "client_group", "team", "facs_band", "ras_points",
          "pb_type", "annual_budget", "months_since_review")

# file -> words the message must contain (the file name is always checked)
CORPUS = {
    "missing_column.csv": ["facs_band", "missing column"],
    "misspelt_column.csv": ["'clientgroup'", "did you mean 'client_group'"],
    "wrong_type.csv": ["'age'", "must be a number", "row 4", "'eighty'"],
    "unknown_category.csv": ["'client_group'", "rows 3, 6 (2 rows in all)", "Learning Disability",
                             "did you mean 'learning_disability'", "older_people"],
    "age_out_of_range.csv": ["'age'", "rows 2, 7", "between 18 and 120"],
    "negative_budget.csv": ["'annual_budget'", "row 5", "between 0 and 2,000,000"],
    "missing_budget.csv": ["'annual_budget'", "row 8", "missing"],
    "duplicate_ids.csv": ["'id'", "rows 2, 9", "duplicate", "'T01'"],
    "bad_months.csv": ["'months_since_review'", "row 3", "row 6", "whole number"],
    "blank_id_team.csv": ["'id'", "row 4", "'team'", "row 7"],
    "blank_row.csv": ["row 5 is blank"],
    "two_problems.csv": ["'age'", "row 4", "'sex'", "row 10", "'unknown'"],
    "ragged_row.csv": ["line 6", "double quotes"],
    "empty.csv": ["empty"],
    "header_only.csv": ["no rows"],
    "not_a_csv.csv": ["not a CSV"],
    "zip_renamed.csv": ["not a CSV", "zip"],
    "latin1.csv": ["UTF-8", "0xc9", "line 2"],
    "broken.xlsx": ["Excel workbook"],
}


def refusal(path) -> str:
    """The PopulationError message for a file that must not load."""
    with pytest.raises(PopulationError) as err:
        load_population(path)
    return str(err.value)


def good_text() -> pd.DataFrame:
    return pd.read_csv(GOOD, dtype=str, keep_default_na=False)


def frame_refusal(df: pd.DataFrame) -> str:
    with pytest.raises(PopulationError) as err:
        validate_frame(df, "frame.csv")
    return str(err.value)


# ------------------------------------------------------------------------ good files


def test_csv_and_xlsx_load_to_the_same_population():
    a = load_population(GOOD)
    b = load_population(DATA / "good_small.xlsx")
    assert len(a) == 12
    for col in FIELDS:
        np.testing.assert_array_equal(getattr(a, col), getattr(b, col))
    np.testing.assert_array_equal(a.id, b.id)
    assert a.teams == b.teams
    assert set(a.pb_type) == set(range(len(PB_TYPE)))
    assert set(a.client_group) == set(range(len(CLIENT_GROUP)))
    assert CLIENT_GROUP.codes[a.client_group[2]] == "learning_disability"


def test_from_frame_codes_agree_with_categories():
    df = good_text()
    pop = Population.from_frame(df, source="good")
    for col, cat in CODED.items():
        assert CATEGORIES[col] is cat
        assert [cat.codes[i] for i in getattr(pop, col)] == df[col].tolist()
        assert getattr(pop, col).dtype == np.int8
    assert [pop.teams[i] for i in pop.team] == df["team"].tolist()
    assert pop.teams == tuple(sorted(set(df["team"])))
    np.testing.assert_array_equal(pop.age, df["age"].astype(float))
    np.testing.assert_array_equal(pop.months_since_review, df["months_since_review"].astype(int))


def test_validate_frame_gives_schema_columns_and_types():
    out = validate_frame(good_text(), "good")
    assert tuple(out.columns) == COLUMNS
    for col in ("age", "ras_points", "annual_budget"):
        assert out[col].dtype == np.float64
    assert out["months_since_review"].dtype == np.int64
    for col in ("id", "team", *CODED):
        assert pd.api.types.is_string_dtype(out[col])


def test_round_trip_keeps_values(tmp_path):
    pop = load_population(GOOD)
    write_population(pop, tmp_path / "x.csv")
    again = load_population(tmp_path / "x.csv")
    for col in FIELDS:
        np.testing.assert_allclose(getattr(again, col), getattr(pop, col))
    np.testing.assert_array_equal(again.id, pop.id)
    assert again.teams == pop.teams
    assert not list(tmp_path.glob("*.tmp"))


def test_frame_of_numbers_validates_like_the_file():
    """Population.to_frame gives floats and ints, not text; validation takes those too."""
    pop = load_population(GOOD)
    again = Population.from_frame(pop.to_frame())
    for col in FIELDS:
        np.testing.assert_array_equal(getattr(again, col), getattr(pop, col))


def test_case_spaces_bom_and_trailing_blanks_are_accepted(tmp_path):
    text = GOOD.read_text().replace("female", " Female ").replace("critical", "CRITICAL")
    lines = text.splitlines()
    lines = [lines[0] + ","] + [line + "," for line in lines[1:]] + [",,,,,,,,,,,", ""]
    path = tmp_path / "excel_ish.csv"
    path.write_text("\ufeff" + "\n".join(lines), encoding="utf-8")
    pop = load_population(path)
    np.testing.assert_array_equal(pop.sex, load_population(GOOD).sex)
    np.testing.assert_array_equal(pop.facs_band, load_population(GOOD).facs_band)


def test_read_table_keeps_every_cell_as_text():
    df = read_table(GOOD)
    assert list(df.columns) == list(COLUMNS)
    assert all(pd.api.types.is_string_dtype(df[c]) for c in df.columns)
    assert df.loc[0, "annual_budget"] == "8000.0"


# ------------------------------------------------------------------------ bad files


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_file_is_refused_with_file_column_and_rows(name):
    msg = refusal(BAD / name)
    assert name in msg
    for words in CORPUS[name]:
        assert words in msg, (words, msg)
    assert "Traceback" not in msg


def test_every_corpus_file_is_covered_and_documented():
    files = {p.name for p in BAD.iterdir() if p.suffix != ".md"}
    assert files == set(CORPUS)
    readme = (BAD / "README.md").read_text()
    assert all(f"| {name} |" in readme for name in files)


def test_every_problem_is_reported_at_once():
    lines = refusal(BAD / "two_problems.csv").splitlines()
    assert len(lines) == 2
    assert all(line.startswith(str(BAD / "two_problems.csv") + ": ") for line in lines)
    assert "'age'" in lines[0] and "'sex'" in lines[1]


def test_problems_of_every_kind_are_gathered():
    df = good_text()
    df = df.rename(columns={"ethnicity": "ethnicty"})
    df.loc[0, "age"] = "old"
    df.loc[1, "sex"] = "f"
    df.loc[2, "annual_budget"] = ""
    df.loc[3, "id"] = df.loc[4, "id"]
    df["notes"] = "x"
    msg = frame_refusal(df)
    for words in ("'ethnicty' is not in the schema; did you mean 'ethnicity'?",
                  "missing column 'ethnicity'", "column 'notes' is not in the schema",
                  "'age' must be a number, but row 2", "'sex' has unknown values in row 3",
                  "'annual_budget' is missing (blank) in row 4", "duplicate ids", "rows 5, 6"):
        assert words in msg, (words, msg)
    assert len(msg.splitlines()) == 7


def test_long_lists_of_rows_are_cut_short():
    df = pd.concat([good_text()] * 3, ignore_index=True)
    df["id"] = [f"P{i}" for i in range(len(df))]
    df["age"] = "12"
    msg = frame_refusal(df)
    assert "rows 2, 3, 4, 5, 6 and 31 more (36 rows in all)" in msg
    assert msg.count("'12'") == 1


def test_missing_cells_in_a_frame_are_reported_as_missing():
    df = good_text().astype(object)
    df.loc[2, "age"] = np.nan
    df.loc[3, "sex"] = None
    msg = frame_refusal(df)
    assert "'age' is missing (blank) in row 4" in msg
    assert "'sex' is missing (blank) in row 5" in msg


def test_repeated_and_unnamed_columns(tmp_path):
    lines = GOOD.read_text().splitlines()
    path = tmp_path / "cols.csv"
    path.write_text("\n".join([lines[0] + ",age,"] + [line + ",50,x" for line in lines[1:]]))
    msg = refusal(path)
    assert "'age' appears 2 times in the header (spreadsheet columns B, L)" in msg
    assert "column M has values but no name" in msg


def test_xlsx_problems_use_spreadsheet_rows(tmp_path):
    wb = openpyxl.load_workbook(DATA / "good_small.xlsx")
    ws = wb.active
    ws["B5"] = "eighty"  # age of the fourth person
    ws["J9"] = -5  # budget of the eighth
    wb.save(tmp_path / "bad.xlsx")
    msg = refusal(tmp_path / "bad.xlsx")
    assert "'age' must be a number, but row 5" in msg
    assert "'annual_budget' must be between 0 and 2,000,000, but row 9" in msg


@pytest.mark.parametrize(("name", "content", "words"), [
    ("semicolons.csv", GOOD.read_text().replace(",", ";").encode(), "separated by ';'"),
    ("unicode.csv", GOOD.read_text().encode("utf-16"), "UTF-16"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), ".xls"),
    ("bom_only.csv", b"\xef\xbb\xbf", "empty"),
    ("spaces.csv", b"  \n\n ", "empty"),
    ("text.xlsx", b"PK\x03\x04 broken zip", "Excel workbook"),
])
def test_other_unreadable_files(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    msg = refusal(path)
    assert name in msg and words in msg


def test_missing_file_and_folder(tmp_path):
    assert "file not found" in refusal(tmp_path / "nope.csv")
    assert "folder" in refusal(tmp_path)


@pytest.mark.parametrize("name", ["good_small.csv", "good_small.xlsx"])
def test_damaged_copies_never_escape_as_other_errors(tmp_path, name):
    """Truncated or corrupted files either load or raise PopulationError, nothing else."""
    data = (DATA / name).read_bytes()
    rng = np.random.default_rng(0)
    cuts = [*np.linspace(1, len(data) - 1, 6).astype(int), *[len(data)] * 14]
    for i, cut in enumerate(cuts):
        damaged = bytearray(data[:cut])
        for _ in range(i % 3):  # whole files get one or two bytes changed
            damaged[rng.integers(len(damaged))] = int(rng.integers(256))
        path = tmp_path / f"damaged{i}{(DATA / name).suffix}"
        path.write_bytes(bytes(damaged))
        try:
            load_population(path)
        except PopulationError as exc:
            assert path.name in str(exc)


# ------------------------------------------------------------------- the command line


def test_validate_command_exit_status(capsys, tmp_path):
    assert main(["validate", str(BAD / "wrong_type.csv")]) == 2
    err = capsys.readouterr().err
    assert "wrong_type.csv" in err and "Traceback" not in err
    assert main(["validate", str(GOOD)]) == 0
    assert main(["validate", str(tmp_path / "nope.csv")]) == 2


def test_validate_in_a_real_process_has_no_traceback():
    res = subprocess.run([sys.executable, str(ROOT / "run_sim.py"), "validate",
                          str(BAD / "not_a_csv.csv")], capture_output=True, text=True, cwd=ROOT,
                         check=False)
    assert res.returncode == 2
    assert "not_a_csv.csv" in res.stderr and "Traceback" not in res.stderr


# ------------------------------------------------------------ the shipped population


def test_shipped_population_is_valid_and_meets_the_seed_targets(population):
    rows = check_targets(population)
    failed = [r for r in rows if not r["ok"]]
    assert not failed, failed
    assert len(population) == 2111


def test_generator_is_deterministic_and_matches_the_shipped_file(population):
    params = load_parameters()
    facs = {"facs_thresholds": params.need.facs_thresholds,
            "facs_team_offsets": params.facs.team_offset_points}
    fresh = generate(**facs)
    np.testing.assert_allclose(fresh.annual_budget, population.annual_budget, atol=0.006)
    np.testing.assert_array_equal(fresh.client_group, population.client_group)
    np.testing.assert_array_equal(fresh.facs_band, population.facs_band)  # offsets: one home
    other = generate(**facs, seed=1)
    assert not np.array_equal(other.client_group, fresh.client_group)
    # targets hold for any seed, the FACS rows included
    assert all(r["ok"] for r in check_targets(other, facs_thresholds=facs["facs_thresholds"]))
