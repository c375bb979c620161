"""The results folder's readable outputs: CSV tables, figures, report.html and results.xlsx.

Rebuilt from aggregates.npz alone (`run-sim report DIR`), so a report can be
remade without rerunning.  Labels from input files (team and policy names,
assumption sources) are escaped in HTML and can never become formulas in the
workbook or the CSV tables.  Every file is written to a temporary name and renamed into place.
"""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook

from sim.atomic import atomic_path
from sim.outputs.equalities import disparity_table, eia_table, largest_disparity
from sim.outputs.finance import monthly_table, settings, spend_table, target_table
from sim.outputs.plots import featured_policy, pounds, save_all
from sim.study.results import StudyResults

FORMULA_START = ("=", "+", "-", "@")
EXCEL_MAX_CHARS = 32_767


def summary_table(res: StudyResults, target: pd.DataFrame, eia: pd.DataFrame) -> pd.DataFrame:
    """One row per policy: what a councillor reads first."""
    year = settings(res)["first_full_year"]
    t = target[target["financial_year"] == year].set_index("policy")
    everyone = eia[eia["characteristic"] == "all"].set_index("policy")["share_lose10"]
    top = largest_disparity(eia).set_index("policy")
    rows = []
    for pol in res.policies:
        if pol["is_baseline"]:
            continue
        name = pol["name"]
        rows.append({
            "policy": name, "calibration": pol["calibration"], "transition": pol["transition"],
            "first_full_year": year,
            "savings_mean": t.loc[name, "savings_mean"],
            "savings_p5": t.loc[name, "savings_p5"], "savings_p95": t.loc[name, "savings_p95"],
            "prob_meet_target": t.loc[name, "prob_meet_target"],
            "prob_meet_target_se": t.loc[name, "prob_meet_target_se"],
            "share_lose10": everyone.get(name, np.nan),
            "largest_rr_lose": top["largest_rr_lose"].get(name, np.nan),
            "largest_rr_lo": top["largest_rr_lo"].get(name, np.nan),
            "largest_rr_hi": top["largest_rr_hi"].get(name, np.nan),
            "largest_rr_group": top["largest_rr_group"].get(name, ""),
        })
    return pd.DataFrame(rows)


def _inert(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with ' so it opens as text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """A table as CSV; labels from input files cannot become formulas when opened in Excel."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(_inert)
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False)
    return path


def _cell(value: Any) -> Any:
    """A value openpyxl can store: numpy scalars unwrapped, missing as empty, inf as text."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else (float(value) if np.isfinite(value) else str(value))
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return value[:EXCEL_MAX_CHARS]
    return str(value)[:EXCEL_MAX_CHARS]


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """Every table as a sheet; text that looks like a formula is stored as text."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(name[:31])
        ws.append([_cell(str(c)) for c in df.columns])
        for row in df.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.data_type = "s"      # a string, never a formula
                    cell.quotePrefix = True   # and Excel shows it as typed text
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


# ---- HTML ------------------------------------------------------------------------------
CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#eef}td:first-child,th:first-child{text-align:left}img{max-width:100%}
.note{color:#555;font-size:14px}h2{border-bottom:2px solid #0072B2;padding-bottom:4px}"""

GBP = ("savings_mean", "savings_p5", "savings_p50", "savings_p95", "protection_cost",
       "residential_cost_vs_baseline", "community_spend_change", "mean_change_gbp",
       "alloc_per_point_before", "alloc_per_point_after")
PCT = ("prob_meet_target", "prob_meet_target_se", "share_lose5", "share_lose10", "share_lose25",
       "share_gain", "mean_change_pct", "median_change_pct", "community_spend_change_share")
RATIO = ("largest_rr_lose", "largest_rr_lo", "largest_rr_hi", "rr_lose", "rr_lose_lo", "rr_lose_hi", "ratio_before",
         "ratio_before_lo", "ratio_before_hi", "ratio_after", "ratio_after_lo", "ratio_after_hi")
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


def _fmt(v: Any, kind: str) -> str:
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


def _table(df: pd.DataFrame, max_rows: int | None = None) -> str:
    """An HTML table; every header and text cell escaped."""
    head = "".join(f"<th>{esc(HEADINGS.get(str(c), str(c)))}</th>" for c in df.columns)
    shown = df if max_rows is None else df.head(max_rows)
    body = ["<tr>" + "".join(f"<td>{_fmt(v, KINDS.get(str(c), 'text'))}</td>"
                             for c, v in zip(df.columns, row)) + "</tr>"
            for row in shown.itertuples(index=False)]
    more = (f"<p class='note'>{len(df) - len(shown)} more rows in the CSV and workbook.</p>"
            if len(shown) < len(df) else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}"></figure>'


def _p(text: str) -> str:
    return f"<p class='note'>{esc(text)}</p>"


def _by_year(target: pd.DataFrame, column: str) -> pd.DataFrame:
    """Policies down, financial years across (input order kept)."""
    wide = target.pivot_table(index="policy", columns="financial_year", values=column, sort=False)
    return wide.reset_index()


def _html(res: StudyResults, tables: dict[str, pd.DataFrame], figures: list[Path]) -> str:
    s = settings(res)
    year, fig = s["first_full_year"], {p.name: p for p in figures}
    summary, target, eia, disp = (tables[k] for k in ("summary", "target", "eia", "disparity"))
    ras = target[target["policy"] != res.policies[res.baseline_index]["name"]]
    pct_years = _by_year(ras, "prob_meet_target")
    featured = res.policies[featured_policy(res)]["name"]
    by_client = eia[eia["characteristic"] == "client_group"].pivot_table(
        index="policy", columns="group_label", values="share_lose10", sort=False).reset_index()
    head = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(s['name'])}: personal budgets RAS study</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Personal budgets: RAS calibration and transition study '{esc(s['name'])}'</h1>",
        _p(f"{res.n_replicates} simulated futures (Monte Carlo replicates), seed {s['seed']}. "
           "Savings are against the status quo on the same simulated future. "
           f"Savings target: {pounds(s['target'])} a year; first full year after go-live: {year}."),
    ]
    summary_part = [
        "<h2>Summary</h2>",
        _p(f"One row per policy; savings and the chance of meeting the target are for {year}. "
           "'Losing >10%': share of current users whose budget one year "
           "after go-live is more than 10% below what the status quo would give them. 'Largest "
           "relative risk': the protected-characteristic group most over-represented among people "
           "losing more than 5%, against everyone else (1 = no over-representation)."),
        _table(summary[["policy", "savings_mean", "savings_p5", "savings_p95", "prob_meet_target",
                        "prob_meet_target_se", "share_lose10", "largest_rr_lose",
                        "largest_rr_lo", "largest_rr_hi", "largest_rr_group"]]),
    ]
    finance = [
        "<h2>Finance</h2>",
        _img(fig["savings_distribution.png"], "Savings distribution per policy against the target"),
        f"<h3>Detail for {esc(year)}</h3>",
        _table(target[target["financial_year"] == year][[
            "policy", "savings_mean", "savings_p5", "savings_p95", "prob_meet_target",
            "prob_meet_target_se", "protection_cost", "admissions_vs_baseline",
            "residential_cost_vs_baseline", "community_spend_change_share", "cost_neutral"]]),
        _p(f"Cost of transitional protection: mean savings of the same calibration under the "
           f"'immediate' transition minus this policy's. Cost neutral: community spend within "
           f"{s['cost_neutral_tolerance']:.0%} of the status quo. Spend includes residential care "
           "of people admitted during the run."),
        "<h3>Mean savings by financial year</h3>",
        _table(_by_year(ras, "savings_mean").pipe(_kind_all, "gbp")),
        "<h3>Chance of meeting the target by financial year</h3>",
        _table(pct_years.pipe(_kind_all, "pct")),
        _img(fig["spend_fan.png"], "Monthly spend forecast per policy"),
        _img(fig["policy_map.png"], "Policy map: savings against people losing out"),
        _p("Full tables: target.csv, spend.csv and results.xlsx."),
    ]
    equalities = [
        "<h2>Equalities</h2>",
        _p("Budget change is the policy against the status quo, one year after go-live, for "
           "people already using services at go-live and still in the community under both. "
           f"Groups of fewer than {s['suppress_below']:g} people are suppressed (shown as –). The "
           "ban on age discrimination in services (1 October 2012) means an age-differentiated "
           "price per point needs objective justification."),
        _img(fig["change_by_group.png"], "Budget change by group"),
        _img(fig["winners_losers.png"], "Winners and losers by group"),
        "<h3>Share losing more than 10% by client group</h3>",
        _table(by_client.pipe(_kind_all, "pct")),
        _img(fig["disparity.png"], "Younger/older disparity before and after"),
        _table(disp[disp["snapshot"] == "first_year"].drop(
            columns=["snapshot", "calibration", "transition"])),
        f"<h3>Every group for {esc(featured)} (every policy is in eia.csv)</h3>",
        _table(eia[eia["policy"] == featured][[
            "characteristic", "group_label", "count", "mean_change_gbp", "mean_change_pct",
            "median_change_pct", "share_lose10", "share_gain", "rr_lose", "rr_lose_lo",
            "rr_lose_hi", "alloc_per_point_before", "alloc_per_point_after", "suppressed"]]),
    ]
    method = [
        "<h2>Method and assumptions</h2>",
        _p("Agent-based model of service users; every policy in a replicate shares one simulated "
           "world (common random numbers); calibrations fitted on current users; transitions "
           "applied at reviews. Intervals are percentiles across replicates."),
        _table(tables["run"]),
        "<h3>Every assumption and its source</h3>", _table(tables["assumptions"]),
        "<h3>Manifest</h3>", _table(tables["manifest"]),
        "</body></html>",
    ]
    return "\n".join(head + summary_part + finance + equalities + method)


def _kind_all(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Format every column but the first as `kind` (for year and group pivots)."""
    out = df.copy()
    for c in out.columns[1:]:
        out[c] = [_fmt(v, kind) for v in out[c]]
    return out


def _manifest(folder: Path, res: StudyResults) -> pd.DataFrame:
    manifest = (res.meta or {}).get("manifest") or {}
    path = folder / "manifest.json"
    if path.exists():
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            pass  # a damaged manifest: keep the copy stored with the results
    rows = [{"key": k, "value": json.dumps(v, default=str) if isinstance(v, (dict, list)) else str(v)}
            for k, v in manifest.items()]
    return pd.DataFrame(rows, columns=["key", "value"])


def _run_table(res: StudyResults) -> pd.DataFrame:
    s = settings(res)
    rows = {"study": s["name"], "seed": s["seed"], "replicates": res.n_replicates,
            "replicates with person-level data": len(res.persons),
            "savings target": pounds(s["target"]), "first full year": s["first_full_year"],
            "suppress groups below": f"{s['suppress_below']:g} people",
            "cost-neutral tolerance": f"{float(s['cost_neutral_tolerance']):.1%} of status quo spend",
            "months": f"{res.months[0]} to {res.months[-1]}" if res.months else ""}
    return pd.DataFrame({"setting": list(rows), "value": [str(v) for v in rows.values()]})


def build_report(folder: str | Path) -> list[Path]:
    """Write the CSV tables, figures, results.xlsx and report.html; return the paths written."""
    folder = Path(folder)
    res = StudyResults.load(folder)
    spend = spend_table(res)
    target = target_table(res)
    eia = eia_table(res, "first_year")
    assumptions = (res.meta or {}).get("assumptions") or []
    tables = {
        "summary": summary_table(res, target, eia), "spend": spend, "target": target, "eia": eia,
        "eia_horizon": eia_table(res, "horizon"), "disparity": disparity_table(res),
        "assumptions": pd.DataFrame(assumptions) if assumptions
        else pd.DataFrame(columns=["section", "source"]),
        "run": _run_table(res), "manifest": _manifest(folder, res),
    }
    written = [] if (folder / "spend.csv").exists() else [write_csv(spend, folder / "spend.csv")]
    for name in ("target", "eia", "eia_horizon", "disparity", "summary"):
        written.append(write_csv(tables[name], folder / f"{name}.csv"))
    written.append(write_csv(monthly_table(res), folder / "spend_monthly.csv"))
    figures = save_all(res, folder, eia=eia, disparity=tables["disparity"])
    written += figures
    written.append(write_workbook(tables, folder / "results.xlsx"))
    page = _html(res, tables, figures)
    with atomic_path(folder / "report.html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    written.append(folder / "report.html")
    return written
