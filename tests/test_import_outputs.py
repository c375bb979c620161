"""End to end: identifiers planted in an extract never reach any output, and the example
extract, imported and run, gives the synthetic population's results."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from tests.conftest import ROOT

EXAMPLE = ROOT / "populations" / "extract_example"
SALT = "planted-salt-value-0123456789"
PLANTED = {"Surname": "Zebedeeplantedsurname", "Forename": "Quintilliaplanted",
           "Address": "77 Plantedaddress Road, Bath", "Postcode": "ZX9 9QZ",
           "NHS Number": "943 476 5919", "Case Notes": "PLANTED NOTE: lives at the old mill",
           "Service": "Plantedservice"}


def _texts(path: Path) -> list[bytes]:
    """The file's bytes, and each member's if it is a zip (xlsx, docx, npz)."""
    data = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return [data]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [data, *(z.read(n) for n in z.namelist())]


def _planted_extract(tmp_path: Path) -> tuple[Path, list[str]]:
    """The first 150 people of the example with identifying values planted in every row
    (each person's own name), and the secrets to look for."""
    df = pd.read_csv(EXAMPLE / "extract.csv", dtype=str, keep_default_na=False)
    df = df[df["Client ID"].isin(df["Client ID"].unique()[:150])].copy()
    secrets = list(PLANTED.values()) + [SALT]
    for col, value in PLANTED.items():
        df[col] = [f"{value}{i:03d}" for i in range(len(df))]
    secrets += list(df["Client ID"].unique()) + list(df["DOB"].unique())
    secrets += [pd.to_datetime(d, dayfirst=True).strftime("%Y-%m-%d") for d in df["DOB"].unique()]
    path = tmp_path / "extract.csv"
    df.to_csv(path, index=False)
    return path, secrets


def _study(tmp_path: Path, population: Path, runs: int, name: str, extra: str = "") -> Path:
    text = (ROOT / "tests" / "data" / "small_study.toml").read_text(encoding="utf-8")
    text = text.replace('population = "../../populations/bnes_2012_synthetic.csv"',
                        f'population = "{population.as_posix()}"')
    for key in ("parameters", "calibrations_file", "transitions_file"):
        text = text.replace(f'{key} = "../../scenarios/', f'{key} = "{ROOT.as_posix()}/scenarios/')
    text = text.replace('name = "small"', f'name = "{name}"{extra}').replace("runs = 6",
                                                                           f"runs = {runs}")
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_planted_identifiers_reach_no_output(tmp_path, monkeypatch):
    """Names, addresses, postcodes, NHS numbers, notes, raw identifiers, dates of birth and
    the salt appear nowhere: not in POP.csv, the quality report, the rates overlay, nor in
    any file of a study run on it (tables, report.html, results.xlsx, eia.docx, unzipped)."""
    extract, secrets = _planted_extract(tmp_path)
    (tmp_path / "salt").write_text(SALT)
    monkeypatch.delenv("RAS_SIM_SALT", raising=False)
    pop = tmp_path / "pop.csv"
    assert main(["import", str(extract), "--mapping", str(EXAMPLE / "mapping.toml"), "--out",
                 str(pop), "--events", str(EXAMPLE / "events.csv"), "--salt-file",
                 str(tmp_path / "salt")]) == 0
    out = tmp_path / "results"
    assert main(["run", str(_study(tmp_path, pop, 2, "planted")), "--out", str(out), "--jobs",
                 "1", "--quiet"]) == 0
    files = [pop, tmp_path / "pop.quality.html", tmp_path / "pop.rates.toml",
             *(p for p in out.rglob("*") if p.is_file())]
    names = {p.name for p in files}
    assert {"report.html", "results.xlsx", "eia.docx", "pop.quality.html"} <= names
    leaks = [(p.name, s) for p in files for t in _texts(p) for s in secrets
             if s.encode("utf-8") in t]
    assert not leaks, leaks[:10]
    assert "Event history rows left out: none" in (tmp_path / "pop.quality.html").read_text()
    ids = pd.read_csv(pop)["id"]
    assert ids.str.fullmatch(r"H[0-9a-f]{16}").all() and ids.is_unique


def test_imported_example_runs_like_the_synthetic_population(tmp_path, monkeypatch):
    """The default study on the imported example extract gives the synthetic population's
    savings and spend, every option, within Monte Carlo error (2 standard errors of the
    difference over 4 replicates: the two populations agree to rounding, so the runs share
    their random worlds and differ far less)."""
    from sim.model.params import load_parameters  # noqa: F401 - warm import
    from sim.outputs.finance import savings, total_spend
    from sim.study.lifecycle import RUN, prepare
    from sim.study.runner import identity, run_study
    from sim.study.study_file import load_study

    monkeypatch.setenv("RAS_SIM_SALT", SALT)
    pop = tmp_path / "pop.csv"
    assert main(["import", str(EXAMPLE / "extract.csv"), "--mapping",
                 str(EXAMPLE / "mapping.toml"), "--out", str(pop)]) == 0
    results = {}
    for name, path in (("imported", pop),
                       ("synthetic", ROOT / "populations" / "bnes_2012_synthetic.csv")):
        study = load_study(_default_study(tmp_path, path, name), runs=4)
        out = tmp_path / name
        out.mkdir()
        prepare(out, RUN, identity(study), resume=False, overwrite=False)
        res = run_study(study, out, jobs=1, progress=False)
        results[name] = (savings(res), total_spend(res))
    for k, what in enumerate(("savings", "total spend")):
        a, b = results["imported"][k], results["synthetic"][k]
        se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
        gap = np.abs(a.mean(axis=0) - b.mean(axis=0))
        assert (gap <= 2 * se + 1.0).all(), (what, float((gap - 2 * se).max()))
        assert np.abs(b.mean(axis=0)).max() > 1e5  # not trivially zero


def _default_study(tmp_path: Path, population: Path, name: str) -> Path:
    text = (ROOT / "scenarios" / "default.toml").read_text(encoding="utf-8")
    text = text.replace('population = "../populations/bnes_2012_synthetic.csv"',
                        f'population = "{population.as_posix()}"')
    for key, file in (("parameters", "parameters"), ("calibrations_file", "calibrations"),
                      ("transitions_file", "transitions"), ("transitions_file", "phased_variants")):
        text = text.replace(f'{key} = "{file}.toml"',
                            f'{key} = "{ROOT.as_posix()}/scenarios/{file}.toml"')
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace('name = "default"', f'name = "{name}"'), encoding="utf-8")
    return path


@pytest.mark.parametrize("column", ["NHS Number", "Case Notes"])
def test_mapping_a_field_to_an_identifying_column_exits_2(tmp_path, monkeypatch, column):
    monkeypatch.setenv("RAS_SIM_SALT", SALT)
    text = (EXAMPLE / "mapping.toml").read_text(encoding="utf-8")
    bad = tmp_path / "m.toml"
    bad.write_text(text.replace('column = "Team"', f'column = "{column}"'), encoding="utf-8")
    assert main(["import", str(EXAMPLE / "extract.csv"), "--mapping", str(bad), "--out",
                 str(tmp_path / "pop.csv")]) == 2
    assert not (tmp_path / "pop.csv").exists()


def test_the_example_study_is_the_default_study_but_for_its_files():
    """The example's study.toml says it is 'the default study on the example extract': every
    setting but the [study] file paths (and name) must be the default's, so it cannot drift."""
    import tomllib

    default = tomllib.loads((ROOT / "scenarios" / "default.toml").read_text(encoding="utf-8"))
    example = tomllib.loads((EXAMPLE / "study.toml").read_text(encoding="utf-8"))
    files = {"name", "description", "population", "parameters", "parameter_overlays",
             "calibrations_file", "transitions_file"}
    strip = lambda study: {k: v for k, v in study["study"].items() if k not in files}
    assert strip(example) == strip(default)
    rest = lambda study: {k: v for k, v in study.items() if k not in ("study", "variants")}
    assert rest(example) == rest(default)
    assert {k: v for k, v in example.get("variants", {}).items() if k != "transitions_file"} == \
        {k: v for k, v in default.get("variants", {}).items() if k != "transitions_file"}
