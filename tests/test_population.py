"""Population files: loading, the bad-file corpus, and the shipped synthetic baseline."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sim.categories import CLIENT_GROUP, PB_TYPE
from sim.cli import main
from sim.population import PopulationError, load_population, write_population
from sim.synthetic import check_targets, generate

from conftest import DATA, ROOT

BAD = DATA / "bad"
# file -> words the message must contain (file name is always checked)
CORPUS = {
    "missing_column.csv": ["facs_band", "missing column"],
    "misspelt_column.csv": ["clientgroup", "did you mean 'client_group'"],
    "wrong_type.csv": ["'age'", "row 4", "eighty"],
    "unknown_category.csv": ["'client_group'", "rows 3, 6", "Learning Disability"],
    "age_out_of_range.csv": ["'age'", "rows 2, 7", "between 18 and 120"],
    "negative_budget.csv": ["'annual_budget'", "row 5"],
    "missing_budget.csv": ["'annual_budget'", "row 8", "missing"],
    "duplicate_ids.csv": ["'id'", "rows 2, 9", "duplicate"],
    "empty.csv": ["empty"],
    "header_only.csv": ["no rows"],
    "not_a_csv.csv": ["not a CSV"],
    "latin1.csv": ["UTF-8"],
    "broken.xlsx": ["Excel workbook"],
}


def test_csv_and_xlsx_load_to_the_same_population():
    a = load_population(DATA / "good_small.csv")
    b = load_population(DATA / "good_small.xlsx")
    assert len(a) == 12
    for col in ("age", "sex", "ethnicity", "client_group", "team", "facs_band", "ras_points",
                "pb_type", "annual_budget", "months_since_review"):
        np.testing.assert_array_equal(getattr(a, col), getattr(b, col))
    assert a.teams == b.teams
    assert set(a.pb_type) == set(range(len(PB_TYPE)))
    assert CLIENT_GROUP.codes[a.client_group[2]] == "learning_disability"


def test_round_trip_keeps_values(tmp_path):
    pop = load_population(DATA / "good_small.csv")
    write_population(pop, tmp_path / "x.csv")
    again = load_population(tmp_path / "x.csv")
    np.testing.assert_allclose(again.annual_budget, pop.annual_budget)
    np.testing.assert_array_equal(again.id, pop.id)
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_file_is_refused_with_file_column_and_rows(name):
    with pytest.raises(PopulationError) as err:
        load_population(BAD / name)
    msg = str(err.value)
    assert name in msg
    for words in CORPUS[name]:
        assert words in msg


def test_every_problem_is_reported_at_once():
    with pytest.raises(PopulationError) as err:
        load_population(BAD / "two_problems.csv")
    assert "'age'" in str(err.value) and "'sex'" in str(err.value)


def test_every_corpus_file_is_covered():
    assert {p.name for p in BAD.iterdir() if p.suffix != ".md"} == set(CORPUS) | {"two_problems.csv"}


def test_validate_command_exit_status(capsys, tmp_path):
    assert main(["validate", str(BAD / "wrong_type.csv")]) == 2
    err = capsys.readouterr().err
    assert "wrong_type.csv" in err and "Traceback" not in err
    assert main(["validate", str(DATA / "good_small.csv")]) == 0
    assert main(["validate", str(tmp_path / "nope.csv")]) == 2


def test_validate_in_a_real_process_has_no_traceback():
    res = subprocess.run([sys.executable, str(ROOT / "run_sim.py"), "validate",
                          str(BAD / "not_a_csv.csv")], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2
    assert "not_a_csv.csv" in res.stderr and "Traceback" not in res.stderr


def test_shipped_population_is_valid_and_meets_the_seed_targets(population):
    rows = check_targets(population)
    failed = [r for r in rows if not r["ok"]]
    assert not failed, failed
    assert len(population) == 2111


def test_generator_is_deterministic_and_matches_the_shipped_file(population):
    fresh = generate()
    np.testing.assert_allclose(fresh.annual_budget, population.annual_budget, atol=0.006)
    np.testing.assert_array_equal(fresh.client_group, population.client_group)
    other = generate(seed=1)
    assert not np.array_equal(other.client_group, fresh.client_group)
    assert all(r["ok"] for r in check_targets(other))  # targets hold for any seed
