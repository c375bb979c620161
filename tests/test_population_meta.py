"""A population says whether it is synthetic in its own metadata file (<name>.meta.toml
beside it), never through its file name; the study records it for the report."""
from __future__ import annotations

import shutil

import pytest
from conftest import ROOT

from sim.inputs.population import about_path, load_population, write_population
from sim.inputs.schema import PopulationError

SHIPPED = ROOT / "populations" / "bnes_2012_synthetic.csv"


def test_the_shipped_population_declares_itself_synthetic(population):
    assert population.synthetic is True
    assert "B&NES Wellbeing Policy Development and Scrutiny Panel" in population.description
    assert about_path(SHIPPED).name == "bnes_2012_synthetic.meta.toml"


def test_a_file_without_metadata_is_real_records_whatever_its_name(tmp_path):
    copy = tmp_path / "synthetic_looking_name.csv"
    shutil.copy(SHIPPED, copy)
    pop = load_population(copy)
    assert pop.synthetic is False and pop.description == ""


def test_metadata_travels_with_any_file_name(tmp_path):
    copy = tmp_path / "extract.csv"
    shutil.copy(SHIPPED, copy)
    shutil.copy(about_path(SHIPPED), about_path(copy))
    assert load_population(copy).synthetic is True


@pytest.mark.parametrize("text, words", [
    ("synthetic = yes\n", "is not valid TOML"),
    ('synthetic = "yes"\n', "must be true or false"),
])
def test_bad_metadata_is_refused_naming_the_file(tmp_path, text, words):
    copy = tmp_path / "p.csv"
    shutil.copy(SHIPPED, copy)
    about_path(copy).write_text(text, encoding="utf-8")
    with pytest.raises(PopulationError, match=words) as err:
        load_population(copy)
    assert "p.meta.toml" in str(err.value)


def test_writing_keeps_the_metadata_with_the_file(tmp_path, population, small_population):
    out = tmp_path / "pop.csv"
    write_population(population, out)
    assert load_population(out).synthetic is True
    assert load_population(out).description == population.description
    write_population(small_population, out)          # not synthetic: the stale file goes
    assert not about_path(out).exists() and load_population(out).synthetic is False
