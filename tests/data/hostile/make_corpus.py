"""Rebuild the generated files of this corpus (see README.md): python make_corpus.py

The CSV files are edits of ../good_small.csv and the workbooks edits of
../good_small.xlsx, so each differs from a valid population in one hostile way.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOOD_CSV = HERE.parent / "good_small.csv"
GOOD_XLSX = HERE.parent / "good_small.xlsx"
HEADER = GOOD_CSV.read_text(encoding="utf-8").splitlines()[0]


def edited_csv(name: str, edits: dict[tuple[int, str], str]) -> None:
    """good_small.csv with cells replaced: (spreadsheet row, column) -> text."""
    lines = GOOD_CSV.read_text(encoding="utf-8").splitlines()
    columns = HEADER.split(",")
    for (row, column), value in edits.items():
        cells = lines[row - 1].split(",")
        cells[columns.index(column)] = value
        lines[row - 1] = ",".join(cells)
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def rebuilt(name: str, parts: dict[str, bytes]) -> None:
    """good_small.xlsx with parts replaced or added (name -> content)."""
    src = zipfile.ZipFile(GOOD_XLSX)
    parts = dict(parts)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            z.writestr(info.filename, parts.pop(info.filename, src.read(info)))
        for part, data in parts.items():
            z.writestr(part, data)
    (HERE / name).write_bytes(buf.getvalue())


def sheet(rows: str) -> bytes:
    """A sheet of the schema's header, then rows (sheet XML)."""
    header = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{column}</t></is></c>'
                     for i, column in enumerate(HEADER.split(",")))
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'
            f'<sheetData><row r="1">{header}</row>{rows}</sheetData></worksheet>').encode()


def with_shared_strings(count: int) -> dict[str, bytes]:
    """A shared strings part of count empty strings, declared in the content types."""
    types = zipfile.ZipFile(GOOD_XLSX).read("[Content_Types].xml").replace(
        b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
        "</Types>".encode())
    strings = f'<sst xmlns="{MAIN_NS}">'.encode() + b"<si/>" * count + b"</sst>"
    return {"[Content_Types].xml": types, "xl/sharedStrings.xml": strings}


def main() -> None:
    edited_csv("control_char_team.csv", {(3, "team"): "Sirona\x07learning disabilities"})
    edited_csv("bidi_id.csv", {(4, "id"): "T\u202e40"})
    edited_csv("lookalike_cyrillic_team.csv", {(2, "team"): "\u0405irona older people"})
    edited_csv("lookalike_nbsp_team.csv", {(2, "team"): "Sirona\u00a0older people"})
    edited_csv("zero_width_team.csv", {(2, "team"): "Sirona\u200b older people",
                                       (5, "team"): "Sirona\u200b older people"})
    edited_csv("huge_numbers.csv", {(2, "ras_points"): "1e300", (3, "annual_budget"): "1e300"})
    edited_csv("nan_inf_numbers.csv", {(2, "age"): "nan", (3, "ras_points"): "inf",
                                       (4, "annual_budget"): "-inf"})
    (HERE / "not_a_population.csv").write_text(
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
        encoding="utf-8")
    (HERE / "wide_header.csv").write_text(",".join(["x"] * 5000) + "\n1\n", encoding="utf-8")
    (HERE / "padded_rows.csv").write_text(",".join(["x"] * 200) + "\n" + "\n" * 50_001,
                                          encoding="utf-8")
    rebuilt("zip_bomb.xlsx", {"xl/worksheets/sheet1.xml": sheet(" " * 110_000_000)})
    rebuilt("many_parts.xlsx", {f"xl/extra/{i}.xml": b"" for i in range(1001)})
    rebuilt("far_cell.xlsx", {"xl/worksheets/sheet1.xml": sheet(
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')})
    rebuilt("styles_bomb.xlsx", {"xl/styles.xml": f'<styleSheet xmlns="{MAIN_NS}"><cellXfs>'
                                 .encode() + b"<xf/>" * 500_000 + b"</cellXfs></styleSheet>"})
    rebuilt("strings_bomb.xlsx", with_shared_strings(2_200_000))
    (HERE / "deep_arrays.toml").write_text("x = " + "[" * 2000 + "]" * 2000 + "\n",
                                           encoding="utf-8")
    (HERE / "deep_tables.toml").write_text("[" + ".".join(["a"] * 3000) + "]\nx = 1\n",
                                           encoding="utf-8")


if __name__ == "__main__":
    main()
