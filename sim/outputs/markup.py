"""HTML building blocks for the report: escaped text, captioned tables, captioned figures.

Every piece of text that can come from an input file passes through `esc`, so a label
such as a team name is shown, never run.  The page is self-contained: no external
stylesheet, script or image.  Tables have a caption and header scopes, and sit in a box
that scrolls on its own on a narrow screen; figures have alt text and a caption that
states what they show.
"""
from __future__ import annotations

import base64
import html
import re
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.outputs.columns import heading, kind
from sim.outputs.formats import fmt
from sim.outputs.style import CSS_DPI, FIGURE_DPI


def esc(value: Any) -> str:
    """Input text made inert in HTML."""
    return html.escape(str(value))


def table(df: pd.DataFrame, caption: str, *, max_rows: int | None = None,
          kinds: dict[str, str] | None = None,
          headings: Mapping[str, tuple[str, str]] | None = None) -> str:
    """A captioned table; column headings and number formats from `columns` (or `kinds`, and
    `headings` for columns it does not name),
    the first column as row headers; every header and text cell escaped.  Each cell carries
    its heading (`data-label`), so that on a phone a table of more than PHONE_COLUMNS columns
    shows as one card per row instead of scrolling sideways."""
    kinds = kinds or {}
    heads = [heading(str(c), headings) for c in df.columns]
    head = "".join(f'<th scope="col"{_align(kinds.get(str(c), kind(str(c), headings)))}>'
                   f"{esc(h)}</th>" for c, h in zip(df.columns, heads))
    shown = df if max_rows is None else df.head(max_rows)
    body = []
    for row in shown.itertuples(index=False):
        cells = []
        for i, (c, v) in enumerate(zip(df.columns, row)):
            how = kinds.get(str(c), kind(str(c), headings))
            text = esc(fmt(v, how))
            cls = "" if how != "text" or i == 0 else ' class="wrap"' if len(text) > 40 else \
                ' class="text"'
            cells.append(f'<th scope="row">{text}</th>' if i == 0 else
                         f'<td{cls} data-label="{esc(heads[i])}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (note(f"{len(df) - len(shown)} more rows in the CSV files and the workbook.")
            if len(shown) < len(df) else "")
    return (f'{scroll_box(len(df.columns))}<table><caption>{esc(caption)}</caption><thead><tr>'
            f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{more}")


# A phone shows the identifier column and this many more side by side; a wider table, cards.
PHONE_COLUMNS = 3


def scroll_box(columns: int) -> str:
    """The opening of a table's box: marked `wide` when a phone shows it as cards."""
    return '<div class="scroll wide">' if columns > PHONE_COLUMNS else '<div class="scroll">'


def _align(how: str) -> str:
    return ' class="text"' if how == "text" else ""


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of a PNG (from its header)."""
    return struct.unpack(">II", data[16:24])


def img(path: Path, alt: str, caption: str) -> str:
    """A figure embedded in the page (no file beside it to lose), shown at its drawn size
    (scaled down to a narrower screen's width), with alt text that describes it and a caption that states its finding."""
    data = path.read_bytes()
    w, h = (round(n * CSS_DPI / FIGURE_DPI) for n in png_size(data))
    src = base64.b64encode(data).decode("ascii")
    return (f'<figure><img alt="{esc(alt)}" width="{w}" height="{h}" '
            f'src="data:image/png;base64,{src}"><figcaption>{esc(caption)}</figcaption>'
            "</figure>")


def spell_out(page: str, acronyms: dict[str, str]) -> str:
    """Each abbreviation written out at its first use in the page's visible text (after
    <body>, outside tags, titles, scripts and styles): 'Resource Allocation System (RAS)',
    marked <abbr> for screen readers."""
    head, sep, body = page.partition("<body>")
    if not sep:
        head, body = "", page
    parts = re.split(r"(<script.*?</script>|<style.*?</style>|<[^>]+>)", body, flags=re.DOTALL)
    left = dict(acronyms)
    for i, part in enumerate(parts):
        if i % 2 or not left:
            continue
        for short in [a for a in left if re.search(rf"\b{a}\b", part)]:
            words = left.pop(short)
            at = re.search(rf"\b{short}\b", part).start()
            said = words.lower() in part[:at].lower()      # already written out before it
            part = (part[:at] + ("" if said else f"{words} (") + f'<abbr title="{words}">'
                    f"{short}</abbr>" + ("" if said else ")") + part[at + len(short):])
        parts[i] = part
    return head + sep + "".join(parts)


def note(text: str) -> str:
    """A paragraph of explanation, escaped."""
    return f"<p class='note'>{esc(text)}</p>"


def box(paragraphs: list[str], cls: str = "") -> str:
    """A highlighted box of already-built paragraphs (the headline, a caveat)."""
    return f'<div class="box {cls}">' + "".join(paragraphs) + "</div>"
