"""Validation of population tables: every problem found, each naming file, column and rows.

Councils keep extracts in Excel and save them as CSV, so the likely faults are a
wrong encoding, a renamed column, a typed-in category label or a stray blank row.
Rows are numbered as a spreadsheet user sees them: the header is row 1, so the
first person is row 2.  All problems are gathered into one PopulationError (one
line per problem, each starting with the file name), so a file can be fixed in
one pass.  Nothing here raises anything but PopulationError for a bad file.
"""
from __future__ import annotations

import difflib
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from sim.inputs.categories import MAX_AGE, MIN_AGE, Category
from sim.inputs.schema import CODED, COLUMNS, PopulationError

SHOW_ROWS = 5  # row numbers quoted per problem before "and N more"
SHOW_VALUES = 3  # offending values quoted per problem
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SAVE_AS = "save it from Excel as 'CSV UTF-8 (comma delimited)' or as .xlsx"

# column -> (lowest, highest or None, must be whole); the numeric columns of the schema.
NUMBERS: dict[str, tuple[float, float | None, bool]] = {
    "age": (MIN_AGE, MAX_AGE, False),
    "ras_points": (0, None, False),
    "annual_budget": (0, None, False),
    # Bounded so it fits the int16 array: no review can predate adulthood.
    "months_since_review": (0, (MAX_AGE - MIN_AGE) * 12, True),
}


# ---------------------------------------------------------------------------- reading


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or .xlsx file with every cell as text, so validation can quote bad values.

    Any suffix other than .xlsx/.xlsm is read as CSV.  Unreadable files (missing,
    empty, binary, not UTF-8, broken workbook) are refused here with the reason.
    """
    path = Path(path)
    data = _read_bytes(path)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        raw = _read_xlsx(path, data)
    else:
        raw = _read_csv(path, _decode(path, data))
    if raw.shape[0] == 0:
        raise PopulationError(f"{path}: the file is empty (no header, no rows)")
    if raw.shape[0] == 1:
        raise PopulationError(f"{path}: the file has a header but no rows")
    return _with_header(raw)


def _read_bytes(path: Path) -> bytes:
    """The whole file (population files are small); missing and unreadable files refused."""
    if not path.exists():
        raise PopulationError(f"{path}: file not found")
    if path.is_dir():
        raise PopulationError(f"{path}: is a folder, not a population file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PopulationError(f"{path}: cannot be opened ({exc.strerror})") from None
    if not data.strip():
        raise PopulationError(f"{path}: the file is empty (no header, no rows)")
    return data


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 text (a BOM is fine); binary files and other encodings are refused by name."""
    kind = _binary_kind(data)
    if kind:
        raise PopulationError(f"{path}: not a CSV file (it is {kind}); {SAVE_AS}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PopulationError(
            f"{path}: cannot be read as UTF-8 text (byte 0x{data[exc.start]:02x} at position "
            f"{exc.start}, line {_line_of(data, exc.start)}); {SAVE_AS}") from None
    if not text.strip():
        raise PopulationError(f"{path}: the file is empty (no header, no rows)")
    return text


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _binary_kind(data: bytes) -> str:
    """What a non-text file looks like ('' for text): the usual mix-ups get their own words."""
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive: an Excel workbook renamed? Then name it .xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old-style Excel .xls workbook, which is not supported"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 'Unicode text', not UTF-8"
    controls = sum(1 for b in head if b < 0x20 and b not in b"\t\n\r\x0c")
    if b"\x00" in head or controls > len(head) // 100:
        return "binary data, not text"
    return ""


def _read_csv(path: Path, text: str) -> pd.DataFrame:
    """All cells as text, header kept as a data row, blank lines kept so row numbers match."""
    try:
        raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                          skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise PopulationError(f"{path}: the file is empty (no header, no rows)") from None
    except pd.errors.ParserError as exc:
        raise PopulationError(f"{path}: not a readable CSV table ({_parser_reason(exc)}); "
                              f"{SAVE_AS}") from None
    if raw.shape[1] == 1:
        sep = next((s for s in (";", "\t", "|") if s in str(raw.iat[0, 0])), None)
        if sep:
            raise PopulationError(f"{path}: columns are separated by {sep!r}, not commas; "
                                  f"{SAVE_AS}")
    return raw


def _parser_reason(exc: Exception) -> str:
    """pandas' tokenizer message in spreadsheet words ('line 5 has 12 values, the header 11')."""
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if m:
        want, line, got = m.groups()
        return (f"line {line} has {got} values but the header has {want}; "
                "a value containing a comma must be in double quotes")
    return str(exc).replace("Error tokenizing data. C error: ", "").strip()


def _read_xlsx(path: Path, data: bytes) -> pd.DataFrame:
    """The first sheet, all cells as text; a file that is not a workbook is refused."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise PopulationError(f"{path}: not a valid Excel workbook (.xlsx); save it again "
                              "from Excel, or as 'CSV UTF-8'")
    try:
        raw = pd.read_excel(io.BytesIO(data), header=None, dtype=str, keep_default_na=False,
                            engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - zipfile, zlib, XML and openpyxl all raise their own
        raise PopulationError(f"{path}: not a readable Excel workbook "
                              f"({type(exc).__name__}: {exc})") from None
    return raw


def _with_header(raw: pd.DataFrame) -> pd.DataFrame:
    """First row as column names, exactly as written (duplicates and blanks kept for checking)."""
    names = [_cell(v) for v in raw.iloc[0]]
    body = raw.iloc[1:].reset_index(drop=True)
    body.columns = names
    return body


def _cell(value: object) -> str:
    """A cell as stripped text; empty, None and NaN all become ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


# ------------------------------------------------------------------------- validation


def validate_frame(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check every column; return a clean typed frame, or raise one PopulationError for all.

    The clean frame has the schema's columns in order: id and team as text, coded
    columns as lower-case codes, numbers as float, months_since_review as int.
    Row i of the input (0-based position) is reported as spreadsheet row i + 2.
    """
    text = _as_text(df)
    problems = _check_columns(text)
    text = _drop_unnamed_empty_columns(_drop_trailing_blank_rows(text))
    blank = _blank_rows(text)
    if len(text) == 0:
        problems.append("the file has a header but no rows")
    elif blank.any():
        problems.append(f"{_rows(blank)} {_are(blank)} blank; delete {_them(blank)}")
    body = text[~blank]
    usable = [c for c in COLUMNS if list(body.columns).count(c) == 1]
    out = pd.DataFrame(index=body.index)
    for col in usable:
        out[col], found = _check_column(body[col], col)
        problems += found
    if problems:
        raise PopulationError("\n".join(f"{source}: {p}" for p in problems))
    out["months_since_review"] = out["months_since_review"].astype(np.int64)
    return out[list(COLUMNS)].reset_index(drop=True)


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text, positions as the index (so index + 2 = spreadsheet row)."""
    df = df.reset_index(drop=True)
    cols = {i: _column_text(df.iloc[:, i]) for i in range(df.shape[1])}
    text = pd.DataFrame(cols, index=df.index)
    text.columns = [_cell(c) for c in df.columns]
    return text


def _column_text(values: pd.Series) -> pd.Series:
    """One column as stripped text with blanks for missing cells (NaN, None, pd.NA)."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _check_column(values: pd.Series, col: str) -> tuple[pd.Series, list[str]]:
    """Clean values of one schema column and the problems found in it."""
    if col in NUMBERS:
        return _check_number(values, col, *NUMBERS[col])
    if col in CODED:
        return _check_category(values, col, CODED[col])
    problems = _check_required_text(values, col)
    if col == "id":
        problems += _check_unique(values, col)
    return values, problems


def _check_columns(text: pd.DataFrame) -> list[str]:
    """Missing, unexpected, repeated and unnamed columns, with the nearest valid name."""
    names = list(text.columns)
    problems = []
    missing = [c for c in COLUMNS if c not in names]
    for i, name in enumerate(names):
        if _unnamed(name):
            if (text.iloc[:, i] != "").any():
                problems.append(f"column {_letter(i)} has values but no name in the header; "
                                "name it or delete it")
        elif name not in COLUMNS:
            problems.append(f"column {name!r} is not in the schema"
                            f"{_nearest(name, missing or COLUMNS)}")
    for name in dict.fromkeys(n for n in names if n in COLUMNS and names.count(n) > 1):
        where = ", ".join(_letter(i) for i, n in enumerate(names) if n == name)
        problems.append(f"column {name!r} appears {names.count(name)} times in the header "
                        f"(spreadsheet columns {where}); keep one")
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(repr(c) for c in missing)}; a population needs: "
                        f"{', '.join(COLUMNS)}")
    return problems


def _unnamed(name: str) -> bool:
    """A blank header cell (pandas spells it 'Unnamed: 3' when it reads the header itself)."""
    return name == "" or re.fullmatch(r"Unnamed: \d+", name) is not None


def _drop_unnamed_empty_columns(text: pd.DataFrame) -> pd.DataFrame:
    """Excel often leaves empty unnamed columns at the right; they carry nothing, so drop them."""
    keep = [not (_unnamed(n) and (text.iloc[:, i] == "").all()) for i, n in enumerate(text.columns)]
    return text.loc[:, keep]


def _drop_trailing_blank_rows(text: pd.DataFrame) -> pd.DataFrame:
    """Blank rows after the last person are harmless (Excel leaves them); inside, they are not."""
    filled = np.flatnonzero(~_blank_rows(text).to_numpy())
    return text.iloc[: filled[-1] + 1 if len(filled) else 0]


def _blank_rows(text: pd.DataFrame) -> pd.Series:
    return (text == "").all(axis=1) if text.shape[1] else pd.Series(True, index=text.index)


def _check_required_text(values: pd.Series, col: str) -> list[str]:
    """id and team are free text but every person needs one."""
    empty = values == ""
    if empty.any():
        return [f"column {col!r} is missing (blank) in {_rows(empty)}; every person needs one"]
    return []


def _check_unique(values: pd.Series, col: str) -> list[str]:
    """Ids identify people across runs and reports, so each may appear once."""
    dup = values.duplicated(keep=False) & (values != "")
    if dup.any():
        message = (f"column {col!r} has duplicate ids ({_examples(values[dup])}) in "
                   f"{_rows(dup)}; every person needs a different id")
        return [message]
    return []


def _check_number(values: pd.Series, col: str, lo: float, hi: float | None,
                  whole: bool) -> tuple[pd.Series, list[str]]:
    """Numbers only, in range, whole where asked; blanks and non-numbers reported apart."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    v = numbers.to_numpy()
    ok = np.isfinite(v)
    missing = (values == "").to_numpy()
    high = ok & (v > hi) if hi is not None else np.zeros(len(v), bool)
    rule = f"between {lo} and {hi}" if hi is not None else f"{lo} or more"
    problems = []
    if missing.any():
        problems.append(f"column {col!r} is missing (blank) in "
                        f"{_rows(_mask(missing, values))}; every person needs a value")
    for bad, need in ((~missing & ~ok, "a number"), (ok & (v < lo) | high, rule),
                      (ok & (np.floor(np.where(ok, v, 0)) != v) & whole, "a whole number")):
        bad = _mask(bad, values)
        if bad.any():
            problems.append(f"column {col!r} must be {need}, but {_rows(bad)} {_are(bad)} not "
                            f"(e.g. {_examples(values[bad])})")
    return numbers, problems


def _mask(bad: np.ndarray, like: pd.Series) -> pd.Series:
    """A boolean array as a Series on the rows it describes (their index gives row numbers)."""
    return pd.Series(bad, index=like.index)


def _check_category(values: pd.Series, col: str, cat: Category) -> tuple[pd.Series, list[str]]:
    """Codes, ignoring case and surrounding spaces; anything else named with the nearest code."""
    codes = values.str.lower()
    blank = values == ""
    bad = ~codes.isin(cat.codes) & ~blank
    problems = []
    if blank.any():
        problems.append(f"column {col!r} is missing (blank) in {_rows(blank)}; "
                        f"valid values are {', '.join(cat.codes)}")
    if bad.any():
        shown = list(dict.fromkeys(values[bad]))[:SHOW_VALUES]
        hints = ", ".join(f"{v!r}{_nearest(v, cat.codes, cat.labels, ' (did you mean {}?)')}"
                          for v in shown)
        problems.append(f"column {col!r} has unknown values in {_rows(bad)}: {hints}; "
                        f"valid values are {', '.join(cat.codes)}")
    return codes, problems


# ------------------------------------------------------------------------- wording


def _rows(mask: pd.Series) -> str:
    """'row 4', 'rows 2, 5, 9 (3 rows in all)' or 'rows 2, 3, 4, 5, 6 and 7 more (12 rows in all)'.

    Spreadsheet numbering: index label i (0-based position in the input) is row i + 2.
    """
    where = [int(i) + 2 for i in mask.index[mask.to_numpy()]]
    if len(where) == 1:
        return f"row {where[0]}"
    shown = ", ".join(str(r) for r in where[:SHOW_ROWS])
    more = f" and {len(where) - SHOW_ROWS} more" if len(where) > SHOW_ROWS else ""
    return f"rows {shown}{more} ({len(where)} rows in all)"


def _are(mask: pd.Series) -> str:
    return "is" if mask.sum() == 1 else "are"


def _them(mask: pd.Series) -> str:
    return "it" if mask.sum() == 1 else "them"


def _examples(values: pd.Series) -> str:
    """The first few distinct offending values, quoted as written in the file."""
    return ", ".join(repr(v) for v in list(dict.fromkeys(values))[:SHOW_VALUES])


def _nearest(name: str, choices: tuple[str, ...] | list[str], labels: tuple[str, ...] = (),
             template: str = "; did you mean {}?") -> str:
    """A 'did you mean' hint: a matching label's code, else the closest spelling, else ''."""
    for code, label in zip(choices, labels):
        if name.lower() == label.lower():
            return template.format(repr(code))
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    close = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    return template.format(repr(close[0])) if close else ""


def _letter(i: int) -> str:
    """Spreadsheet column letter of 0-based position i (0 -> A, 26 -> AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
