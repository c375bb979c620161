"""Hostile inputs: nonsense numbers, invisible characters, special files, bombs, odd TOML.

Each is refused as bad input (exit status 2, one clear message naming the file, no
traceback, nothing written) instead of running to nonsense, hanging, or exhausting memory.
Cases that could hang or exhaust memory if a check regressed run in a child process with
a time limit and a memory cap, so a regression fails the test instead of the machine.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA, ROOT
from pydantic import BaseModel

from sim.cli import main
from sim.errors import InputError
from sim.inputs.calendar import check_month
from sim.inputs.population import load_population
from sim.inputs.schema import PopulationError
from sim.inputs.toml_file import TomlFileError, read_toml
from sim.inputs.validation import MAX_TEAMS, validate_frame
from sim.model.params import ParameterError, Parameters, load_parameters

HOSTILE = DATA / "hostile"
SHIPPED_PARAMETERS = ROOT / "scenarios" / "parameters.toml"

# file -> words the CLI's message must contain (the file name is always checked)
CORPUS = {
    "control_char_team.csv": ["'team'", "row 3", "U+0007", "remove them"],
    "bidi_id.csv": ["'id'", "row 4", "RIGHT-TO-LEFT OVERRIDE"],
    "zero_width_team.csv": ["'team'", "rows 2, 5", "ZERO WIDTH SPACE"],
    "lookalike_cyrillic_team.csv": ["'team'", "row 2", "two scripts",
                                    "did you mean 'Sirona older people'"],
    "huge_numbers.csv": ["'ras_points' must be between 0 and 1,000, but row 2",
                         "'annual_budget' must be between 0 and 2,000,000, but row 3", "'1e300'"],
    "nan_inf_numbers.csv": ["'age' must be a number", "'nan'", "'inf'", "'-inf'"],
    "not_a_population.csv": ["does not look like a population file"],
    "wide_header.csv": ["5,000 columns"],
    "padded_rows.csv": ["10,000,000 cells"],
    "far_cell.xlsx": ["16,384 columns"],
    "zip_bomb.xlsx": ["unpacks to more than 100 MB"],
    "many_parts.xlsx": ["1,000 parts"],
    "styles_bomb.xlsx": ["'xl/styles.xml'", "more than 2 MB"],
    "strings_bomb.xlsx": ["'xl/sharedStrings.xml'", "more than 10 MB"],
    "study_deep_arrays.toml": ["deep_arrays.toml", "nests tables or arrays"],
    "study_deep_tables.toml": ["deep_tables.toml", "nests tables or arrays"],
    "search_int_fractional.toml": ["'lever[1].type'", "whole-number ends", "[0.05, 0.5]"],
    "search_lever_twice.toml": ["'lever[2].path'", "is already lever[1]"],
    "search_floor_over_cap.toml": ["floor can reach 50000", "cap can be as low as 30000"],
    "search_nan_constraint.toml": ["at_least", "finite number"],
    "search_probability_above_1.toml": ["'constraint[1].at_least'", "outside [0, 1]"],
}
ISOLATED = {name for name in CORPUS if name.endswith(".xlsx")}  # costly if a check regressed
# Look-alikes that are read as what they look like (NFKC), not refused: tested one by one.
NORMALISED = {"lookalike_nbsp_team.csv"}


def refused(capsys, *argv: str) -> str:
    """The CLI's message for input it must refuse with exit status 2."""
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def hostile_parameters(tmp: Path, old: str, new: str) -> Path:
    """The shipped parameter file with one value replaced."""
    text = SHIPPED_PARAMETERS.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp / "parameters.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def study_with_parameters(tmp: Path, parameters: Path | str) -> Path:
    """A small study (tests/data/small_study.toml) that uses the given parameter file."""
    text = (DATA / "small_study.toml").read_text(encoding="utf-8")
    for key in ("population", "calibrations_file", "transitions_file"):
        line = next(x for x in text.splitlines() if x.startswith(f"{key} ="))
        target = (DATA / line.split('"')[1]).resolve().as_posix()
        text = text.replace(line, f'{key} = "{target}"')
    line = next(x for x in text.splitlines() if x.startswith("parameters ="))
    text = text.replace(line, f'parameters = "{Path(parameters).as_posix()}"')
    path = tmp / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -------------------------------------------------------------------- the corpus


@pytest.mark.parametrize("name", sorted(set(CORPUS) - ISOLATED))
def test_hostile_file_is_refused_by_the_cli(capsys, name):
    err = refused(capsys, "validate", str(HOSTILE / name))
    assert name.removeprefix("study_") in err  # a study's message names its parameter file
    for words in CORPUS[name]:
        assert words in err, (words, err)


def test_every_corpus_file_is_covered_and_documented():
    files = {p.name for p in HOSTILE.iterdir() if p.suffix not in (".md", ".py")}
    inputs = {f.removeprefix("study_") for f in CORPUS if f.startswith("study_")}
    assert files == set(CORPUS) | inputs | NORMALISED
    readme = (HOSTILE / "README.md").read_text(encoding="utf-8")
    assert all(f"| {name} |" in readme for name in files)


# -------------------------------------------- parameters: every number in a range


DP_USE = "[money.utilisation.direct_payment]\nvalue = 0.92"  # that record's value line


@pytest.mark.parametrize(("old", "new", "words"), [
    (DP_USE, DP_USE.replace("0.92", "nan"), ["'money.utilisation.direct_payment'", "finite"]),
    (DP_USE, DP_USE.replace("0.92", "inf"), ["'money.utilisation.direct_payment'", "finite"]),
    (DP_USE, DP_USE.replace("0.92", "-5"), ["'money.utilisation.direct_payment'",
                                             "greater than or equal to 0"]),
    (DP_USE, DP_USE.replace("0.92", "1.6"), ["'money.utilisation.direct_payment'",
                                              "less than or equal to 1.5"]),
    ("value = 0.8\n", "value = inf\n", ["'need.noise_sd_per_month'", "finite"]),
    ("rate_per_month = { value = 0.0", "rate_per_month = { value = 1e9",
     ["'demand.rate_per_month'", "less than or equal to 5000"]),
    ('value = "2012-04"', 'value = "0000-01"', ["'time.start'", "year 0000", "2000-2100"]),
    ('value = "2012-04"', 'value = "2014-99"', ["'time.start'", "month 99"]),
    ('value = "2012-04"', 'value = "2013-00"', ["'time.start'", "month 00"]),
    ('value = "2013-04"', 'value = "2013-13"', ["'time.conversion_deadline'", "month 13"]),
    ('value = "2013-04"', 'value = "2011-04"', ["'time'", "before start 2012-04"]),
    ("value = [0.006,", "value = [1e300,", ["'death.by_age_band.0'"]),
    ("learning_disability = 1.2", "learning_disability = nan",
     ["'death.client_group_multiplier.learning_disability'", "finite"]),
    ("max_points = { value = 150.0", "max_points = { value = 1e308", ["'need.max_points'"]),
    ('source = "PSSRU projection model: unit costs +2% a year in real terms; DP',
     'source = "\\u202ePSSRU projection model: unit costs +2% a year in real terms; DP',
     ["'money.source'", "RIGHT-TO-LEFT OVERRIDE"]),
])
def test_out_of_range_parameter_is_refused_by_key(tmp_path, capsys, old, new, words):
    path = hostile_parameters(tmp_path, old, new)
    with pytest.raises(ParameterError) as err:
        load_parameters(path)
    for w in words:
        assert w in str(err.value), (w, str(err.value))
    assert str(path) in str(err.value)
    msg = refused(capsys, "validate", str(study_with_parameters(tmp_path, path)))
    assert all(w in msg for w in words)


def test_a_refused_study_writes_nothing(tmp_path, capsys):
    params = hostile_parameters(tmp_path, DP_USE, DP_USE.replace("0.92", "nan"))
    out = tmp_path / "results"
    refused(capsys, "run", str(study_with_parameters(tmp_path, params)), "--out", str(out))
    assert not out.exists()


def _numeric_bounds(annotation, metadata) -> list[tuple[bool, bool]]:
    """(has a lower bound, has an upper bound) for each number a field holds."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        return _numeric_bounds(args[0], [*metadata, *args[1:]])
    if typing.get_origin(annotation) in (list, dict):
        return _numeric_bounds(args[-1], [])
    if annotation in (int, float):
        kinds = {type(m).__name__ for m in metadata}
        for m in metadata:  # pydantic keeps Field(...) constraints in a FieldInfo's metadata
            kinds |= {type(x).__name__ for x in getattr(m, "metadata", [])}
        return [(bool(kinds & {"Ge", "Gt"}), bool(kinds & {"Le", "Lt"}))]
    return []


def test_every_numeric_parameter_has_a_documented_range():
    unbounded = []
    for section, field in Parameters.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for name, f in model.model_fields.items():
            bounds = _numeric_bounds(f.annotation, f.metadata)
            if bounds and (not all(lo and hi for lo, hi in bounds) or not f.description):
                unbounded.append(f"{section}.{name}")
    assert not unbounded, unbounded
    assert Parameters.model_config.get("allow_inf_nan") is False


@pytest.mark.parametrize("text", ["2012-04", "2000-01", "2100-12"])
def test_real_months_pass(text):
    assert check_month(text) == text


@pytest.mark.parametrize("text", ["0000-01", "2014-99", "2013-13", "2013-00", "1999-12",
                                  "2101-01", "2012-4", "2012-04\n", "2012/04", "٢٠١٢-٠٤", ""])
def test_impossible_months_fail(text):
    with pytest.raises(ValueError, match="month|year"):
        check_month(text)


# ------------------------------------------------------------ population files


def test_a_system_file_is_not_quoted(capsys):
    passwd = Path("/etc/passwd")
    if not passwd.is_file():
        pytest.skip("no /etc/passwd here")
    err = refused(capsys, "validate", str(passwd))
    users = [line.split(":")[0] for line in passwd.read_text(errors="replace").splitlines()]
    assert not any(f"'{user}" in err for user in users if user), err


def test_a_misspelt_header_still_gets_did_you_mean(tmp_path, capsys):
    text = (DATA / "good_small.csv").read_text(encoding="utf-8")
    header, body = text.split("\n", 1)
    path = tmp_path / "shouting.csv"
    path.write_text(header.upper().replace("CLIENT_GROUP", "CLIENT GROUP") + "\n" + body)
    err = refused(capsys, "validate", str(path))
    assert "column 'AGE' is not in the schema; did you mean 'age'?" in err
    assert "column 'CLIENT GROUP' is not in the schema; did you mean 'client_group'?" in err


def test_visible_text_beyond_ascii_is_accepted(tmp_path):
    text = (DATA / "good_small.csv").read_text(encoding="utf-8")
    path = tmp_path / "accents.csv"
    path.write_text(text.replace("Sirona older people", "Équipe\u00a0Nord – Bath"), "utf-8")
    pop = load_population(path)
    assert "Équipe Nord – Bath" in pop.teams   # the no-break space NFKC-normalised (item 9)


def test_too_many_teams_are_refused():
    df = pd.read_csv(DATA / "good_small.csv", dtype=str, keep_default_na=False)
    df = df.loc[[0] * (MAX_TEAMS + 1)].reset_index(drop=True)
    df["id"] = [f"P{i}" for i in range(len(df))]
    df["team"] = [f"Team {i}" for i in range(len(df))]
    with pytest.raises(PopulationError, match=f"{MAX_TEAMS + 1:,} different teams"):
        validate_frame(df, "teams.csv")


def test_population_checksum_is_of_the_bytes_read():
    pop = load_population(DATA / "good_small.csv")
    assert pop.sha256 == hashlib.sha256((DATA / "good_small.csv").read_bytes()).hexdigest()


# --------------------------------------------------------------- TOML files


def test_parameter_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SHIPPED_PARAMETERS.read_bytes())
    with_bom = load_parameters(path)
    assert with_bom.model_dump(exclude={"source"}) == load_parameters().model_dump(
        exclude={"source"})
    raw, text = read_toml(path, "parameter file")
    assert not text.startswith("\ufeff") and raw["time"]["start"]["value"] == "2012-04"


@pytest.mark.parametrize(("content", "words"), [
    (b"a = 1\nb = \xff\n", "not UTF-8"),
    (b"a = [1,\n", "not valid TOML"),
    (b"x = " + b"[" * 5000 + b"]" * 5000, "nests"),
    (b"x = " + b"{a = " * 500 + b"1" + b"}" * 500, "nests"),
])
def test_unreadable_toml_is_an_input_error_naming_the_file(tmp_path, content, words):
    path = tmp_path / "odd.toml"
    path.write_bytes(content)
    with pytest.raises(TomlFileError) as err:
        read_toml(path, "study file")
    assert isinstance(err.value, InputError)
    assert str(path) in str(err.value) and words in str(err.value)


def test_missing_parameter_file(tmp_path):
    with pytest.raises(ParameterError, match="parameter file not found"):
        load_parameters(tmp_path / "nope.toml")


# ------------------------------------------- special files and bombs, isolated

CHILD = r"""
import contextlib, io, json, resource, signal, sys
cap = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from sim.cli import main

def give_up(signum, frame):
    raise TimeoutError("still running after 30 s")

signal.signal(signal.SIGALRM, give_up)
results = {}
for name, argv in json.loads(sys.argv[1]).items():
    err = io.StringIO()
    signal.alarm(30)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
    except BaseException as exc:
        code = f"{type(exc).__name__}: {exc}"
    signal.alarm(0)
    results[name] = [code, err.getvalue()]
print(json.dumps(results))
"""
MEMORY_CAP = 1_500_000_000  # bytes of address space for the child


@pytest.fixture(scope="module")
def isolated(tmp_path_factory) -> dict[str, tuple[object, str]]:
    """Exit status and message of each special-file and bomb case, run in one child process."""
    if not hasattr(os, "mkfifo") or sys.platform == "win32":
        pytest.skip("needs named pipes and memory limits (POSIX)")
    tmp = tmp_path_factory.mktemp("special")
    os.mkfifo(tmp / "fifo.csv")
    os.mkfifo(tmp / "fifo.toml")
    with open(tmp / "huge.csv", "wb") as f:
        f.truncate(3_000_000_000)  # sparse: no disk used
    with open(tmp / "huge.toml", "wb") as f:
        f.truncate(50_000_000)
    cases = {name: ["validate", str(HOSTILE / name)] for name in ISOLATED}
    cases |= {
        "fifo population": ["validate", str(tmp / "fifo.csv")],
        "device population": ["validate", "/dev/zero"],
        "huge population": ["validate", str(tmp / "huge.csv")],
    }
    for name, params in (("fifo", tmp / "fifo.toml"), ("device", "/dev/zero"),
                         ("huge", tmp / "huge.toml")):
        folder = tmp / name
        folder.mkdir()
        cases[f"{name} parameters"] = ["validate", str(study_with_parameters(folder, params))]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cases), str(MEMORY_CAP)],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=600,
                         check=False)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.mark.parametrize(("case", "words"), [
    ("fifo population", ["fifo.csv", "named pipe (FIFO)", "not a population file"]),
    ("device population", ["/dev/zero", "character device"]),
    ("huge population", ["huge.csv", "more than 100 MB"]),
    ("fifo parameters", ["fifo.toml", "named pipe (FIFO)", "not a parameter file"]),
    ("device parameters", ["/dev/zero", "character device"]),
    ("huge parameters", ["huge.toml", "more than 1 MB"]),
    *((name, [name, *CORPUS[name]]) for name in sorted(ISOLATED)),
])
def test_special_files_and_bombs_are_refused_quickly(isolated, case, words):
    code, err = isolated[case]
    assert code == 2, (code, err)
    assert "Traceback" not in err
    for w in words:
        assert w in err, (w, err)


def test_the_csv_writer_keeps_headings_and_tab_or_return_led_cells_inert(tmp_path):
    """The one formula-safe CSV writer: a heading that is a formula (a policy name made a
    column, as samples.csv does) and a cell led by a tab (one of OWASP's other formula
    starts) open as text."""
    import csv

    from sim.outputs.tables import write_csv

    path = write_csv(pd.DataFrame({"=1+2": ["\t=cmd|x", "@SUM(1)", "plain"], "n": [1, -2, 3]}),
                     tmp_path / "t.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["'=1+2", "n"]
    assert [r[0] for r in rows[1:]] == ["'\t=cmd|x", "'@SUM(1)", "plain"]
    assert [r[1] for r in rows[1:]] == ["1", "-2", "3"]  # numbers stay numbers


def test_a_no_break_space_look_alike_is_the_same_team():
    """'Sirona\u00a0older people' (a no-break space) is NFKC-normalised to the team it looks
    like: one team, not two rows that read the same in every table."""
    good = load_population(DATA / "good_small.csv")
    alike = load_population(HOSTILE / "lookalike_nbsp_team.csv")
    assert alike.teams == good.teams and (alike.team == good.team).all()


def test_a_parameter_label_mixing_scripts_is_refused():
    from pydantic import TypeAdapter, ValidationError

    from sim.inputs.text import PlainText

    with pytest.raises(ValidationError, match="two scripts"):
        TypeAdapter(PlainText).validate_python("\u0405irona Bath")
    assert TypeAdapter(PlainText).validate_python("Sirona\u00a0Bath") == "Sirona Bath"


DISTRIBUTION = 'distribution = { kind = "lognormal", median = 1.0, sigma = 0.175, low = 0.5, high = 2.0 }'


@pytest.mark.parametrize("new, words", [
    (DISTRIBUTION.replace("sigma = 0.175", "sigma = -1"), "sigma must be above 0"),
    (DISTRIBUTION.replace('"lognormal"', '"lognormale"'), "unknown distribution kind"),
    (DISTRIBUTION.replace("low = 0.5", "low = 3.0"), "is above high"),
    ('distribution = { median = 1.0 }', "'kind'"),
])
def test_a_bad_distribution_is_refused_naming_the_file(tmp_path, capsys, new, words):
    """Issue 26 item 11: a distribution's error names the parameter file (it named only the
    parameter, so a study with overlays left the reader guessing which file)."""
    params = hostile_parameters(tmp_path, DISTRIBUTION, new)
    err = refused(capsys, "validate", str(study_with_parameters(tmp_path, params)))
    assert str(params) in err and words in err
