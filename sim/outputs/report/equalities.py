"""The report's equalities section: the comparisons across options, then every option's own
section (chosen with a selector; without script every section shows): winners and losers in
five bands with 95% intervals, the change in £ and % for every group, and admissions to
residential care by group."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.inputs.categories import CHANGE_BAND, TITLES
from sim.outputs import describe
from sim.outputs.formats import fmt, formatted, missing, percent, pounds
from sim.outputs.markup import esc, img, note, scroll_box, table
from sim.outputs.roles import featured_policy, ras_policies
from sim.outputs.settings import Settings
from sim.outputs.style import BAND_COLOURS
from sim.study.results import StudyResults

NB_HYPHEN = "\u2011"     # "5-10%" never breaks across lines
GROUP_COLUMNS = ["characteristic", "group_label", "count", "mean_change_gbp",
                 "pct_change_of_mean", "median_change_pct", "share_lose10", "share_lose10_real",
                 "share_lose10_vs_status_quo", "share_gain", "rr_lose10", "rr_lose10_lo",
                 "rr_lose10_hi", "alloc_per_point_before", "alloc_per_point_after", "suppressed"]
ADMISSION_COLUMNS = ["characteristic", "group_label", "count", "share_admitted_status_quo",
                     "share_admitted", "admit_ratio_vs_status_quo", "admit_ratio_vs_status_quo_lo",
                     "admit_ratio_vs_status_quo_hi", "extra_admissions", "suppressed"]


def equalities(results: StudyResults, s: Settings, tables: dict[str, pd.DataFrame],
               fig: dict[str, Path]) -> str:
    eia, bands, disparity = tables["eia"], tables["winners_losers"], tables["disparity"]
    by_client = eia[eia["characteristic"] == "client_group"].pivot_table(
        index="policy", columns="group_label", values="share_lose10", sort=False).reset_index()
    return "\n".join([
        "<h2 id='equalities'>Equalities</h2>",
        note("Budget change is measured the way people feel it: each existing user's budget one "
             "year after go-live against their own budget just before go-live, in cash (£ of "
             "the day). Columns marked 'real' deflate both by the model's price uplift; "
             "columns marked 'against the status quo' compare with what current practice "
             "would have given the same person on the same simulated future (which keeps "
             "rising with practice's creep). New users, with no budget before go-live, are "
             "in new_users.csv and never counted among people losing. "
             f"Groups of fewer than {s.suppress_below:g} people are suppressed (shown as –). "
             "Since 1 October 2012 the Equality Act 2010 bans age discrimination in services "
             "(Equality Act 2010 (Age Exceptions) Order 2012), so an age-differentiated price "
             "per point needs objective justification."),
        table(formatted(by_client, "pct"), "Share losing more than 10% of their own budget in "
              "cash since just before go-live, by client group (disability), every option"),
        img(fig["disparity.png"], *_disparity_words(results, disparity)),
        table(disparity[disparity["snapshot"] == "first_year"].drop(
            columns=["snapshot", "calibration", "transition"]),
            "Younger/older allocation per point at equal need, before and after"),
        _selector(results),
        *(_policy_section(results, p, eia, bands, tables["admissions_by_group"])
          for p in ras_policies(results)),
    ])


def _selector(results: StudyResults) -> str:
    chosen = featured_policy(results)
    options = "".join(
        f'<option value="eia-{describe.number(results, p)}"{" selected" if p == chosen else ""}>'
        f"{esc(describe.label(results, p))}</option>" for p in ras_policies(results))
    legend = "".join(f'<span><i style="background:{c}"></i>{esc(lab)}</span>'
                     for lab, c in zip(CHANGE_BAND.labels, BAND_COLOURS))
    return "\n".join([
        "<h3 id='by-option'>Winners and losers, option by option</h3>",
        note("Choose an option to see its equalities evidence. Each group is split into five "
             "bands of budget change, adding to 100%; under each share, its 95% interval "
             "across the simulated futures. Printing prints the option chosen."),
        (f'<p class="noprint"><label for="eia-choice">Option: </label>'
         f'<select id="eia-choice">{options}</select></p>'),
        f'<p class="legend" aria-hidden="true">{legend}</p>',
    ])


def _policy_section(results: StudyResults, p: int, eia: pd.DataFrame, bands: pd.DataFrame,
                    admissions: pd.DataFrame) -> str:
    name, lab = results.policies[p]["name"], describe.label(results, p)
    mine = bands[bands["policy"] == name].merge(
        eia[eia["policy"] == name][["characteristic", "group", "mean_change_gbp",
                                    "pct_change_of_mean"]], on=["characteristic", "group"])
    groups = eia[eia["policy"] == name][GROUP_COLUMNS].assign(
        characteristic=lambda d: d["characteristic"].map(lambda c: TITLES.get(c, "Everyone")))
    return "\n".join([
        f'<section class="eia-policy" id="eia-{describe.number(results, p)}">',
        f"<h3>Equalities: {esc(lab)}</h3>",
        note(f"{describe.description(results, p)}. "
             f"{_finding(mine, describe.synthetic_attributes(results))}"),
        _band_table(mine, f"Winners and losers by group: {lab}"),
        table(groups, f"Every group for {lab}: change in own budget since just before go-live "
              "(cash, and share losing >10% in real terms and against the status quo), relative "
              "risk of losing more than 10% against everyone else, allocation per point"),
        _admissions(admissions, name, lab),
        "</section>",
    ])


def _admissions(admissions: pd.DataFrame, name: str, lab: str) -> str:
    """One option's admissions to residential care by group, one year after go-live."""
    mine = admissions[(admissions["policy"] == name) & (admissions["snapshot"] == "first_year")]
    shown = mine[ADMISSION_COLUMNS].assign(
        characteristic=lambda d: d["characteristic"].map(lambda c: TITLES.get(c, "Everyone")))
    return "\n".join([
        note("Admission to residential care: the share of each group (people at go-live and "
             "those arrived since) admitted within a year of go-live, under the status quo and "
             "under the option; the change within the group (its rate under the option over "
             "the same group's rate under the status quo, 1 = no change) with its 95% interval "
             "across the simulated futures; and the extra admissions per future."),
        table(shown, f"Admissions to residential care by group: {lab}"),
    ])


def _finding(mine: pd.DataFrame, synthetic: tuple[str, ...] = ()) -> str:
    everyone = mine[mine["characteristic"] == "all"]
    if everyone.empty or missing(everyone.iloc[0]["share_lose_over10"]):
        return ""
    e = everyone.iloc[0]
    out = (f"Of existing users, {_share(e, 'lose_over10')} see their own budget fall by more "
           f"than 10% in cash since just before go-live, {_share(e, 'within5')} stay within 5% "
           f"and {_share(e, 'gain_over10')} gain more than 10%.")
    prot = mine[(mine["protected_characteristic"] != "") & ~mine["suppressed"]
                & ~mine["characteristic"].isin(synthetic)]
    prot = prot.dropna(subset=["rr_lose10"])
    if len(prot):
        top = prot.loc[prot["rr_lose10"].idxmax()]
        out += (f" Most over-represented among people losing more than 10%: "
                f"{top['protected_characteristic']}: {top['group_label']}, "
                f"{top['rr_lose10']:.2f} times as likely as everyone else "
                f"(95% interval {fmt(top['rr_lose10_lo'], 'ratio')}–"
                f"{fmt(top['rr_lose10_hi'], 'ratio')}).")
    return out


def _share(row: pd.Series, band: str) -> str:
    lo, hi = row[f"share_{band}_lo"], row[f"share_{band}_hi"]
    interval = "" if missing(lo) else f" ({percent(lo)}–{percent(hi)})"
    return f"{percent(row[f'share_{band}'])}{interval}"


BAND_HEADS = ("group", "people", "change in mean own budget, £ a year (cash)",
              "change in mean own budget, % (cash)", "distribution", *CHANGE_BAND.labels)


def _band_table(mine: pd.DataFrame, caption: str) -> str:
    heads = BAND_HEADS
    head = "".join(f'<th scope="col"{" class=text" if i == 0 else ""}>'
                   f"{esc(h).replace('-', NB_HYPHEN)}</th>" for i, h in enumerate(heads))
    bodies = []
    for char, rows in mine.groupby("characteristic", sort=False):
        title = TITLES.get(char, "Everyone")
        cells = [f'<tr><th scope="rowgroup" colspan="{len(heads)}">{esc(title)}</th></tr>']
        cells += [_band_row(r, len(heads)) for _, r in rows.iterrows()]
        bodies.append("<tbody>" + "".join(cells) + "</tbody>")
    return (f'{scroll_box(len(heads))}<table><caption>{esc(caption)}</caption><thead><tr>{head}'
            f"</tr></thead>{''.join(bodies)}</table></div>")


def _band_row(r: pd.Series, width: int) -> str:
    label = f'<th scope="row">{esc(r["group_label"])}</th>'
    if r["suppressed"]:
        return f'{"<tr>"}{label}<td colspan="{width - 1}" class="text">fewer people than the ' \
               "threshold: suppressed</td></tr>"
    shares = [r[f"share_{b}"] for b in CHANGE_BAND.codes]
    bar = "".join(f'<span style="width:{100 * v:.1f}%;background:{c}"></span>'
                  for v, c in zip(np.nan_to_num(shares), BAND_COLOURS))
    cells = [fmt(r["count"], "count"), pounds(r["mean_change_gbp"]),
             fmt(r["pct_change_of_mean"], "pct"),
             f'<span class="bar" aria-hidden="true">{bar}</span>']
    cells += [f"{fmt(r[f'share_{b}'], 'pct')}<small>{_interval(r, b)}</small>"
              for b in CHANGE_BAND.codes]
    return "<tr>" + label + "".join(f'<td data-label="{esc(h)}">{c}</td>'
                                    for h, c in zip(BAND_HEADS[1:], cells)) + "</tr>"


def _interval(r: pd.Series, band: str) -> str:
    lo, hi = r[f"share_{band}_lo"], r[f"share_{band}_hi"]
    return "" if missing(lo) else f"{percent(lo)}–{percent(hi)}"


def _disparity_words(results: StudyResults, disparity: pd.DataFrame) -> tuple[str, str]:
    d = disparity[(disparity["snapshot"] == "first_year")].dropna(subset=["ratio_after"])
    alt = ("Dot plot with 95% intervals of the younger/older allocation per point, status quo "
           "and option, for every option; a vertical line at 1 marks equal treatment.")
    base = results.policies[results.baseline_index]["name"]
    ras = d[d["policy"] != base]
    if ras.empty:
        return alt, "No option to compare."
    lo, hi = ras.loc[ras["ratio_after"].idxmin()], ras.loc[ras["ratio_after"].idxmax()]
    before = float(np.nanmean(d["ratio_before"]))
    return alt, (f"Under the status quo younger adults get {before:.2f} times as much per point of "
                 f"need as older adults; under the options the ratio runs from "
                 f"{lo['ratio_after']:.2f} ({lo['policy']}) to {hi['ratio_after']:.2f} "
                 f"({hi['policy']}).")
