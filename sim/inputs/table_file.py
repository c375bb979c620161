"""Reading population files (CSV or Excel .xlsx) as tables of text, within limits.

Councils keep extracts in Excel and save them as CSV, so the likely faults are a
wrong encoding, a workbook renamed, or a separator other than commas; each is
refused with the reason.  Every cell is kept as text so validation can quote it.

Limits keep a wrong or hostile file from exhausting memory or time (a population of
a large council is some tens of thousands of people, a few MB):

- CSV files up to 100 MB (about a million people);
- .xlsx files up to 50 MB, unpacking to at most 100 MB (about 150,000 people; save a
  larger population as CSV), in at most 1,000 parts, checked from the zip directory
  before the workbook is opened.  Worksheets are streamed; shared strings are kept
  (at most 10 MB of them); other XML parts, such as styles, are parsed whole at some
  hundred bytes of memory per byte, so each may unpack to at most 2 MB;
- at most 200 columns and 10,000,000 cells (rows x columns, as the table is padded to
  a rectangle); a sheet may not go past Excel's last row.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from sim.inputs.files import MB, read_regular_file
from sim.inputs.schema import PopulationError
from sim.inputs.text import quoted

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SAVE_AS = "save it from Excel as 'CSV UTF-8 (comma delimited)' or as .xlsx"
CSV_MAX_BYTES = 100 * MB
XLSX_MAX_BYTES = 50 * MB
XLSX_MAX_UNPACKED = 100 * MB
XLSX_MAX_PARTS = 1_000
XLSX_MAX_XML_PART = 2 * MB  # an XML part parsed whole
XLSX_MAX_STRINGS = 10 * MB  # the shared strings part
XLSX_MAX_ROWS = 1_048_576  # Excel's own last row
MAX_COLUMNS = 200
MAX_CELLS = 10_000_000
_HEADER = re.compile(r'(?:[^"\r\n]+|"[^"]*")*')  # the first record, quoted newlines and all


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or .xlsx file with every cell as text, so validation can quote bad values."""
    path = Path(path)
    return parse_table(path, read_population_bytes(path))


def read_population_bytes(path: Path) -> bytes:
    """The file's bytes: ordinary files only, within the size limit of their kind."""
    excel = path.suffix.lower() in EXCEL_SUFFIXES
    data = read_regular_file(path, "population file", XLSX_MAX_BYTES if excel else CSV_MAX_BYTES,
                             PopulationError)
    if not data.strip():
        raise PopulationError(f"{path}: the file is empty (no header, no rows)")
    return data


def parse_table(path: Path, data: bytes) -> pd.DataFrame:
    """The table in data (path's suffix says CSV or .xlsx; anything else is read as CSV).

    Unreadable files (binary, not UTF-8, broken or oversized workbook) are refused here.
    """
    if path.suffix.lower() in EXCEL_SUFFIXES:
        raw = _read_xlsx(path, data)
    else:
        raw = _read_csv(path, _decode(path, data))
    if raw.shape[0] == 0:
        raise PopulationError(f"{path}: the file is empty (no header, no rows)")
    if raw.shape[0] == 1:
        raise PopulationError(f"{path}: the file has a header but no rows")
    return _with_header(raw)


def cell_text(value: object) -> str:
    """A cell as stripped text; empty, None and NaN all become ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


# ------------------------------------------------------------------------------- CSV


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
    _check_csv_size(path, text)
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


def _check_csv_size(path: Path, text: str) -> None:
    """Refuse before parsing a table too wide or too big: the parser pads short rows."""
    columns = text.count(",", 0, _HEADER.match(text).end()) + 1  # at most; quoted commas count
    if columns > MAX_COLUMNS:
        raise PopulationError(_too_wide(path, columns))
    rows = max(text.count("\n"), text.count("\r")) + 1  # at most
    if rows * columns > MAX_CELLS:
        raise PopulationError(_too_many_cells(path))


def _parser_reason(exc: Exception) -> str:
    """pandas' tokenizer message in spreadsheet words ('line 5 has 12 values, the header 11')."""
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if m:
        want, line, got = m.groups()
        return (f"line {line} has {got} values but the header has {want}; "
                "a value containing a comma must be in double quotes")
    return str(exc).replace("Error tokenizing data. C error: ", "").strip()


# ------------------------------------------------------------------------------ Excel


def _read_xlsx(path: Path, data: bytes) -> pd.DataFrame:
    """The first sheet, all cells as text; a file that is not a workbook is refused.

    The zip directory is checked before openpyxl sees the file, and the sheet's size
    (as pandas will pad it) in one streaming pass before pandas reads it.
    """
    import openpyxl  # here: a replicate's worker unpickles populations, never reads a workbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise PopulationError(f"{path}: not a valid Excel workbook (.xlsx); save it again "
                              "from Excel, or as 'CSV UTF-8'")
    _check_zip(path, data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                      keep_links=False)
    except Exception as exc:  # noqa: BLE001 - zipfile, zlib, XML and openpyxl all raise their own
        raise PopulationError(_unreadable(path, exc)) from None
    try:
        _check_sheet(path, book.worksheets[0])
        return pd.read_excel(book, header=None, dtype=str, keep_default_na=False,
                             engine="openpyxl")
    except PopulationError:
        raise
    except Exception as exc:  # noqa: BLE001 - as above
        raise PopulationError(_unreadable(path, exc)) from None
    finally:
        book.close()


def _unreadable(path: Path, exc: Exception) -> str:
    return f"{path}: not a readable Excel workbook ({type(exc).__name__}: {exc})"


def _check_zip(path: Path, data: bytes) -> None:
    """Refuse a workbook with too many parts or unpacking too large, from the zip directory.

    Each directory entry starts with a signature, so counting signatures bounds the
    entries zipfile will build; reads never exceed the declared sizes checked here.
    """
    if data.count(b"PK\x01\x02") > XLSX_MAX_PARTS:
        raise PopulationError(f"{path}: not a workbook Excel writes (more than "
                              f"{XLSX_MAX_PARTS:,} parts in the file)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > XLSX_MAX_UNPACKED:
                raise PopulationError(f"{path}: the workbook unpacks to more than "
                                      f"{XLSX_MAX_UNPACKED / MB:g} MB; save a population this "
                                      "large as CSV")
            streamed = _streamed_parts(path, archive)
    except PopulationError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged directory raises several kinds
        raise PopulationError(_unreadable(path, exc)) from None
    for info in infos:
        limit = streamed.get(info.filename, XLSX_MAX_XML_PART)
        if info.filename.lower().endswith((".xml", ".rels")) and info.file_size > limit:
            raise PopulationError(f"{path}: the workbook's part {quoted(info.filename)} unpacks "
                                  f"to more than {limit / MB:g} MB; copy the cells into a new "
                                  "workbook, or save as CSV")


def _streamed_parts(path: Path, archive: zipfile.ZipFile) -> dict[str, int]:
    """Worksheets and shared strings (by the declared content types) -> their size limits.

    A part declared as anything else as well is parsed whole, so it gets no exemption.
    """
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS, WORKSHEET_TYPE

    size = archive.getinfo(ARC_CONTENT_TYPES).file_size
    if size > XLSX_MAX_XML_PART:
        raise PopulationError(f"{path}: the workbook's part '{ARC_CONTENT_TYPES}' unpacks to "
                              f"more than {XLSX_MAX_XML_PART / MB:g} MB")
    kinds: dict[str, set[str]] = {}
    for node in ElementTree.fromstring(archive.read(ARC_CONTENT_TYPES)).iter():
        if node.tag.endswith("Override"):
            part = node.get("PartName", "").lstrip("/")
            kinds.setdefault(part, set()).add(node.get("ContentType", ""))
    limits = {WORKSHEET_TYPE: XLSX_MAX_UNPACKED, SHARED_STRINGS: XLSX_MAX_STRINGS}
    return {part: limits[next(iter(types))] for part, types in kinds.items()
            if len(types) == 1 and next(iter(types)) in limits}


def _check_sheet(path: Path, sheet) -> None:
    """Refuse a sheet whose cells, as pandas will read and pad them, exceed the limits.

    Like pandas, ignore the declared dimensions (often wrong) and trim empty cells at
    the end of each row; a few cells far apart must not become a vast padded table.
    """
    sheet.reset_dimensions()
    cells = width = last = 0
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > XLSX_MAX_ROWS:
            raise PopulationError(f"{path}: the sheet goes past row {XLSX_MAX_ROWS:,}, "
                                  "Excel's last")
        cells += len(row)
        used = len(row)
        while used and row[used - 1] in (None, ""):
            used -= 1
        if used:
            last, width = number, max(width, used)
        if width > MAX_COLUMNS:
            raise PopulationError(_too_wide(path, width))
        if cells > MAX_CELLS or last * width > MAX_CELLS:
            raise PopulationError(_too_many_cells(path))


def _too_wide(path: Path, columns: int) -> str:
    return (f"{path}: has {columns:,} columns, more than the {MAX_COLUMNS} a population file "
            "may have")


def _too_many_cells(path: Path) -> str:
    return (f"{path}: too large: more than {MAX_CELLS:,} cells (rows x columns); a population "
            "file is far smaller")


# ------------------------------------------------------------------------------ header


def _with_header(raw: pd.DataFrame) -> pd.DataFrame:
    """First row as column names (stripped; duplicates and blanks kept for checking)."""
    names = [cell_text(v) for v in raw.iloc[0]]
    body = raw.iloc[1:].reset_index(drop=True)
    body.columns = names
    return body
