"""The results folder's readable outputs: CSV tables, figures, report.html and results.xlsx.

Rebuilt from aggregates.npz alone (`run_sim.py report DIR`), so a report can be
remade without rerunning.  Labels from input files are escaped in HTML and can
never become formulas in the workbook.
"""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from sim.equalities import disparity_table, eia_table, largest_disparity
from sim.finance import spend_table, target_table
from sim.plots import pounds, save_all
from sim.results import StudyResults

FORMULA_START = ("=", "+", "-", "@")


def summary_table(res: StudyResults, target: pd.DataFrame, eia: pd.DataFrame) -> pd.DataFrame:
    """One row per policy: what a councillor reads first."""
    year = res.meta.get("study", {}).get("first_full_year", res.financial_years[-1])
    t = target[(target["financial_year"] == year)].set_index("policy")
    everyone = eia[eia["characteristic"] == "all"].set_index("policy")
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
            "share_lose10": everyone.loc[name, "share_lose10"] if name in everyone.index else np.nan,
            "largest_rr_lose": top.loc[name, "largest_rr_lose"] if name in top.index else np.nan,
            "largest_rr_group": top.loc[name, "largest_rr_group"] if name in top.index else "",
        })
    return pd.DataFrame(rows)


def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    df.to_csv(tmp, index=False)
    tmp.replace(path)
    return path


def _safe_cell(value):
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """Every table as a sheet; text that looks like a formula is stored as text."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(name[:31])
        ws.append([str(c) for c in df.columns])
        for row in df.itertuples(index=False):
            ws.append([_safe_cell(v) for v in row])
        for cells in ws.iter_rows(min_row=1):
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.data_type = "s"  # text, never a formula
                    cell.quotePrefix = True
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _fmt(v, kind: str) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if kind == "gbp":
        return pounds(float(v))
    if kind == "pct":
        return f"{float(v):.0%}"
    if kind == "ratio":
        return f"{float(v):.2f}"
    return html.escape(str(v))


def _table(df: pd.DataFrame, kinds: dict[str, str], max_rows: int = 400) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for _, r in df.head(max_rows).iterrows():
        body.append("<tr>" + "".join(f"<td>{_fmt(r[c], kinds.get(c, 'text'))}</td>"
                                     for c in df.columns) + "</tr>")
    more = f"<p>{len(df) - max_rows} more rows in the CSV and workbook.</p>" if len(df) > max_rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></figure>'


CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#eef}td:first-child,th:first-child{text-align:left}img{max-width:100%}
.note{color:#555;font-size:14px}h2{border-bottom:2px solid #0072B2;padding-bottom:4px}"""


def build_report(folder: str | Path) -> list[Path]:
    """Write target/eia/disparity/spend CSVs, figures, results.xlsx and report.html."""
    folder = Path(folder)
    res = StudyResults.load(folder)
    manifest = {}
    if (folder / "manifest.json").exists():
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    study = res.meta.get("study", {})
    target_gbp = float(study.get("target", 776_000.0))
    year = study.get("first_full_year", res.financial_years[-1])
    spend = spend_table(res)
    target = target_table(res)
    eia = eia_table(res, "first_year")
    eia_h = eia_table(res, "horizon")
    disp = disparity_table(res)
    summary = summary_table(res, target, eia)
    assumptions = pd.DataFrame(res.meta.get("assumptions", []))
    written = [_write_csv(spend, folder / "spend.csv"), _write_csv(target, folder / "target.csv"),
               _write_csv(eia, folder / "eia.csv"), _write_csv(eia_h, folder / "eia_horizon.csv"),
               _write_csv(disp, folder / "disparity.csv"), _write_csv(summary, folder / "summary.csv")]
    figures = save_all(res, folder, eia, summary, disp, target_gbp, year)
    written += figures
    man_rows = pd.DataFrame([{"key": k, "value": json.dumps(v) if isinstance(v, (dict, list)) else str(v)}
                             for k, v in manifest.items() if k != "study_text"])
    written.append(write_workbook({"summary": summary, "spend": spend, "target": target,
                                   "eia": eia, "eia_horizon": eia_h, "disparity": disp,
                                   "assumptions": assumptions, "manifest": man_rows},
                                  folder / "results.xlsx"))
    written.append(_html(folder, res, study, summary, target, eia, disp, assumptions, man_rows,
                         figures, year, target_gbp))
    return written


def _html(folder, res, study, summary, target, eia, disp, assumptions, man_rows, figures, year,
          target_gbp) -> Path:
    fig = {p.name: p for p in figures}
    gbp = {c: "gbp" for c in ("savings_mean", "savings_p5", "savings_p95", "savings_p50",
                              "protection_cost", "residential_cost_vs_baseline",
                              "mean_change_gbp", "alloc_per_point_before", "alloc_per_point_after")}
    pct = {c: "pct" for c in ("prob_meet_target", "share_lose10", "share_lose5", "share_lose25",
                              "share_gain", "mean_change_pct", "median_change_pct")}
    ratio = {c: "ratio" for c in ("largest_rr_lose", "rr_lose", "rr_lose_lo", "rr_lose_hi",
                                  "ratio_before", "ratio_before_lo", "ratio_before_hi",
                                  "ratio_after", "ratio_after_lo", "ratio_after_hi", "count",
                                  "prob_meet_target_se", "admissions_vs_baseline")}
    kinds = {**gbp, **pct, **ratio}
    lead = summary.rename(columns={
        "savings_mean": f"savings {year} (mean)", "prob_meet_target": "P(meet target)",
        "share_lose10": "losing >10%", "largest_rr_lose": "largest RR of losing",
        "largest_rr_group": "group"})[["policy", f"savings {year} (mean)", "P(meet target)",
                                       "losing >10%", "largest RR of losing", "group"]]
    lead_kinds = {f"savings {year} (mean)": "gbp", "P(meet target)": "pct", "losing >10%": "pct",
                  "largest RR of losing": "ratio"}
    fin = target[target["financial_year"] == year][[
        "policy", "savings_mean", "savings_p5", "savings_p95", "prob_meet_target",
        "prob_meet_target_se", "protection_cost", "admissions_vs_baseline",
        "residential_cost_vs_baseline", "cost_neutral"]]
    eq_cols = ["policy", "characteristic", "group_label", "count", "mean_change_pct",
               "median_change_pct", "share_lose10", "share_gain", "rr_lose", "rr_lose_lo",
               "rr_lose_hi", "alloc_per_point_before", "alloc_per_point_after", "suppressed"]
    featured = eia[eia["transition"] == "phased"] if (eia["transition"] == "phased").any() else eia
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(study.get('name', 'study'))}: personal budgets RAS study</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Personal budgets: RAS calibration and transition study "
        f"'{html.escape(str(study.get('name', '')))}'</h1>",
        f"<p class='note'>{res.n_replicates} Monte Carlo replicates, seed {study.get('seed')}; "
        f"go-live {html.escape(str(study.get('go_live', '')))}, horizon to "
        f"{html.escape(str(study.get('horizon_end', '')))}. Savings are against the status quo on the "
        "same random world. Target: " + pounds(target_gbp) + " a year.</p>",
        "<h2>Summary</h2>",
        "<p class='note'>One row per policy. Losing &gt;10%: share of current users whose budget "
        "one year after go-live is more than 10% below what the status quo would give them. "
        "Largest RR: the protected-characteristic group most over-represented among people "
        "losing more than 5% (relative risk against everyone else).</p>",
        _table(lead, lead_kinds),
        "<h2>Finance</h2>", _img(fig["savings_distribution.png"], "savings distribution"),
        _table(fin, kinds), _img(fig["spend_fan.png"], "spend forecast"),
        _img(fig["policy_map.png"], "policy map"),
        "<p class='note'>Protection cost: mean savings of the same calibration under the "
        "'immediate' transition minus this policy's. Full tables: target.csv, spend.csv, "
        "results.xlsx.</p>",
        "<h2>Equalities</h2>",
        "<p class='note'>Budget change is the policy against the status quo for people "
        "already using services at go-live. Cells describing fewer than "
        f"{study.get('suppress_below', 10)} people are suppressed (shown as –). Age-differentiated "
        "prices need objective justification since 1 October 2012.</p>",
        _img(fig["change_by_group.png"], "change by group"),
        _img(fig["winners_losers.png"], "winners and losers"),
        _img(fig["disparity.png"], "younger/older disparity"),
        _table(disp[disp["snapshot"] == "first_year"], kinds),
        "<h3>By group (scenario 4 'phased' policies; every policy is in eia.csv)</h3>",
        _table(featured[eq_cols], kinds),
        "<h2>Method and assumptions</h2>",
        "<p class='note'>Agent-based model of service users (sim/model.py), world shared by every "
        "policy in a replicate; calibrations fitted on current users; transitions applied at "
        "reviews. Every assumption and its source:</p>",
        _table(assumptions, {}),
        "<h3>Manifest</h3>", _table(man_rows, {}),
        "</body></html>",
    ]
    path = folder / "report.html"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(path)
    return path
