"""HTML building blocks for the report: escaped text, formatted tables, embedded figures.

Every piece of text that can come from an input file passes through `esc`, so a
label such as a team name is shown, never run.  The page is self-contained: no
external stylesheet, script or image.
"""
from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.outputs.formats import pounds

CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;
color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#eef}td:first-child,th:first-child{text-align:left}img{max-width:100%}
.note{color:#555;font-size:14px}h2{border-bottom:2px solid #0072B2;padding-bottom:4px}"""

GBP = ("savings_mean", "savings_p5", "savings_p50", "savings_p95", "protection_cost",
       "residential_cost_vs_baseline", "community_spend_change", "mean_change_gbp",
       "alloc_per_point_before", "alloc_per_point_after")
PCT = ("prob_meet_target", "prob_meet_target_se", "share_lose5", "share_lose10", "share_lose25",
       "share_gain", "mean_change_pct", "median_change_pct", "community_spend_change_share")
RATIO = ("largest_rr_lose", "largest_rr_lo", "largest_rr_hi", "rr_lose", "rr_lose_lo",
         "rr_lose_hi", "ratio_before", "ratio_before_lo", "ratio_before_hi", "ratio_after",
         "ratio_after_lo", "ratio_after_hi")
KINDS = {**{c: "gbp" for c in GBP}, **{c: "pct" for c in PCT}, **{c: "ratio" for c in RATIO},
         "count": "num", "admissions_mean": "num1", "admissions_vs_baseline": "num1"}
HEADINGS = {
    "savings_mean": "mean savings", "savings_p5": "savings, low (5%)",
    "savings_p95": "savings, high (95%)", "prob_meet_target": "chance of meeting target",
    "prob_meet_target_se": "± (MC s.e.)", "share_lose10": "losing >10%",
    "largest_rr_lose": "largest relative risk of losing", "largest_rr_lo": "low (95%)",
    "largest_rr_hi": "high (95%)", "largest_rr_group": "group",
    "protection_cost": "cost of transitional protection",
    "admissions_vs_baseline": "extra care-home admissions",
    "residential_cost_vs_baseline": "extra residential cost",
    "community_spend_change_share": "community spend change", "cost_neutral": "cost neutral",
    "group_label": "group", "mean_change_gbp": "mean change £", "mean_change_pct": "mean change %",
    "median_change_pct": "median change %",
    "share_gain": "gaining", "rr_lose": "relative risk of losing >5%", "rr_lose_lo": "RR low",
    "rr_lose_hi": "RR high", "alloc_per_point_before": "£ per point before",
    "alloc_per_point_after": "£ per point after", "ratio_before": "younger/older before",
    "ratio_before_lo": "low (95%)", "ratio_before_hi": "high (95%)",
    "ratio_after": "younger/older after", "ratio_after_lo": "low (95%)",
    "ratio_after_hi": "high (95%)",
}


def esc(value: Any) -> str:
    """Input text made inert in HTML."""
    return html.escape(str(value))


def fmt(v: Any, kind: str) -> str:
    """One cell as people read it: £, %, ratio, count or escaped text; '–' when missing."""
    if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v)):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if kind == "gbp":
        return pounds(float(v))
    if kind == "pct":
        return f"{float(v):.1%}" if 0 < abs(float(v)) < 0.095 else f"{float(v):.0%}"
    if kind == "ratio":
        return f"{float(v):.2f}"
    if kind in ("num", "num1"):
        return f"{float(v):,.{0 if kind == 'num' else 1}f}"
    return esc(v)


def table(df: pd.DataFrame, max_rows: int | None = None) -> str:
    """An HTML table; every header and text cell escaped, numbers formatted by column."""
    head = "".join(f"<th>{esc(HEADINGS.get(str(c), str(c)))}</th>" for c in df.columns)
    shown = df if max_rows is None else df.head(max_rows)
    body = ["<tr>" + "".join(f"<td>{fmt(v, KINDS.get(str(c), 'text'))}</td>"
                             for c, v in zip(df.columns, row)) + "</tr>"
            for row in shown.itertuples(index=False)]
    more = (f"<p class='note'>{len(df) - len(shown)} more rows in the CSV and workbook.</p>"
            if len(shown) < len(df) else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def formatted(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Every column but the first formatted as `kind` (for year and group pivots)."""
    out = df.copy()
    for c in out.columns[1:]:
        out[c] = [fmt(v, kind) for v in out[c]]
    return out


def img(path: Path, alt: str) -> str:
    """A figure embedded in the page (no file beside it to lose)."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}"></figure>'


def note(text: str) -> str:
    """A paragraph of explanation, escaped."""
    return f"<p class='note'>{esc(text)}</p>"
