"""search.html: the options search as a page people read -- what was searched, the confirmed
options each named in words by its lever settings, every figure formatted (£, %), the shipped
scenarios beside them, each option's finance and equalities, and its ready-to-run blocks.
The same content as search_report.md, laid out like report.html (phone, print, contents)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.search.confirm import option_blocks, toml_text
from sim.analysis.search.file import Search
from sim.analysis.search.metrics import METRICS
from sim.analysis.search.report import no_frontier_message
from sim.outputs.columns import COLUMNS, GBP, NUM1, PCT, RATIO, TEXT, heading, kind
from sim.outputs.describe import ACRONYMS, parameter_label
from sim.outputs.equalities import winners_losers_table
from sim.outputs.finance import target_table
from sim.outputs.formats import fmt
from sim.outputs.markup import box, esc, img, note, spell_out, table
from sim.outputs.style import CSS, LAYOUT_SCRIPT
from sim.study.results import StudyResults


def lever_words(path: str, value: Any) -> str:
    """'transition.max_loss' = 0.12 -> 'loss cap per 12 months 12%'."""
    leaf = path.split(".")[-1]
    words = heading(leaf) if leaf in COLUMNS else parameter_label(path).split(": ", 1)[-1]
    return f"{words} {esc(fmt(value, kind(leaf)))}"


def in_words(search: Search, row: pd.Series) -> str:
    """An option named by its lever settings."""
    return ", ".join(lever_words(lv.path, row[lv.path]) for lv in search.levers)


def _kinds(search: Search) -> dict[str, str]:
    out = {"label": TEXT, "option in words": TEXT}
    for k in search.outputs:
        out[k] = kind(k) if k in COLUMNS else (
            GBP if "savings" in k or "cost" in k else PCT if k.startswith(("share", "prob"))
            else RATIO if "rr" in k else NUM1)
    return out


def _outputs_named(search: Search, df: pd.DataFrame) -> pd.DataFrame:
    """Output columns headed by what they measure (the metric's description)."""
    return df.rename(columns={k: METRICS[k].description if k in METRICS else k
                              for k in search.outputs})


def render(search: Search, trials: pd.DataFrame, confirmed: pd.DataFrame,
           results: StudyResults | None, intro: list[str], figure: Path | None) -> str:
    """The whole page; `intro` the search's description in sentences (search_report's)."""
    s = search.spec
    front = confirmed[confirmed["on_frontier"]] if len(confirmed) else confirmed
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             f"<title>{esc(s.name)}: options search</title>",
             f"<style>{CSS}</style></head><body>",
             f"<h1>Options search '{esc(s.name)}'</h1>",
             *[note(t) for t in intro]]
    if front.empty:
        parts.append(box([f"<p>{esc(no_frontier_message(search, trials))}</p>"]))
    else:
        kinds = _kinds(search)
        shown = front.assign(**{"option in words": [in_words(search, r) for _, r in
                                                    front.iterrows()]})
        refs = confirmed[confirmed["role"] == "reference"]
        parts += [
            box([f"<p>{esc(len(front))} options are recommended for consideration: they meet "
                 "the constraint and none is beaten on every objective when re-run on fresh "
                 "seeds beside the shipped scenarios. Each trades one objective against "
                 "another. Full tables: confirm/report.html.</p>"]),
            "<h2 class='first' id='frontier'>The confirmed options</h2>",
            table(_outputs_named(search, shown[["label", "option in words", *search.outputs]]),
                  "The confirmed options, re-run on fresh seeds",
                  kinds=_named_kinds(search, kinds)),
            "<h2 id='references'>The shipped scenarios on the same run</h2>",
            table(_outputs_named(search, refs[["label", *search.outputs]]),
                  "The shipped transition scenarios (reference)",
                  kinds=_named_kinds(search, kinds)),
        ]
        if figure is not None and figure.is_file():
            parts.append(img(figure, "Scatter plot of every trial of the search on the two "
                             "objectives, the confirmed options marked",
                             "Every trial, and the options confirmed on fresh seeds."))
        fin, wl = target_table(results), winners_losers_table(results)
        for _, row in shown.iterrows():
            parts += _option(search, row, fin, wl)
    parts.append(f"<script>{LAYOUT_SCRIPT}</script></body></html>")
    return spell_out("\n".join(parts), ACRONYMS)


def _named_kinds(search: Search, kinds: dict[str, str]) -> dict[str, str]:
    return {METRICS[k].description if k in METRICS else k: v for k, v in kinds.items()}


def _option(search: Search, row: pd.Series, fin: pd.DataFrame, wl: pd.DataFrame) -> list[str]:
    name = row["label"]
    cals, trs = option_blocks(search, pd.DataFrame([row]))
    blocks = toml_text({name: cals["option_1"]}) + toml_text({name: trs["option_1"]})
    f = fin[fin["policy"] == row["policy"]][[
        "financial_year", "savings_mean", "savings_p5", "savings_p95", "prob_meet_target",
        "protection_cost"]]
    e = wl[(wl["policy"] == row["policy"]) & (wl["protected_characteristic"] != "")
           & ~wl["suppressed"]][["group_label", "protected_characteristic", "count",
                                 "share_lose_over10", "rr_lose10"]]
    return [f"<h2 id='{esc(name)}'>{esc(name)}: {esc(row['option in words'])}</h2>",
            table(f, f"{name}: savings against the status quo by financial year"),
            table(e, f"{name}: people losing more than 10% by protected group (one year after "
                     "go-live; small groups suppressed)"),
            note("Ready to run (calibration block, then transition block):"),
            f"<pre>{esc(blocks.strip())}</pre>"]
