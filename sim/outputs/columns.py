"""Every table column as people read it: its heading and its kind of number, in one place.

The CSV files keep the code names (for software); the report and the workbook show the
headings and format each number by its kind: £, %, a ratio, a count.  A table may bring the
headings of its own columns beside its entry (sim.outputs.registry); a column named nowhere
is shown under its code name with spaces, unformatted.
"""
from __future__ import annotations

from collections.abc import Mapping

from sim.inputs.categories import CHANGE_BAND

GBP, PCT, RATIO, COUNT, NUM1, TEXT = "gbp", "pct", "ratio", "count", "num1", "text"

# Excel number format of each kind (negative money with a minus sign, as in the report).
EXCEL_FORMATS = {GBP: "£#,##0;-£#,##0", PCT: "0.0%", RATIO: "0.00", COUNT: "#,##0",
                 NUM1: "#,##0.0"}

_QUANTILE_WORDS = {"mean": "mean", "p5": "low (5%)", "p50": "median", "p95": "high (95%)"}


def _quantiles(prefix: str, word: str) -> dict[str, tuple[str, str]]:
    return {f"{prefix}_{q}": (f"{word}, {w}", GBP) for q, w in _QUANTILE_WORDS.items()}


def _bands() -> dict[str, tuple[str, str]]:
    out = {}
    for code, label in zip(CHANGE_BAND.codes, CHANGE_BAND.labels):
        out[f"share_{code}"] = (label.lower(), PCT)
        out[f"share_{code}_lo"] = (f"{label.lower()}, low (95%)", PCT)
        out[f"share_{code}_hi"] = (f"{label.lower()}, high (95%)", PCT)
    return out


def _counts(prefix: str, word: str) -> dict[str, tuple[str, str]]:
    """Mean and 90% range of a count across simulated futures (activity, users)."""
    return {f"{prefix}_mean": (f"{word}, mean", NUM1), f"{prefix}_p5": (f"{word}, low (5%)", NUM1),
            f"{prefix}_p95": (f"{word}, high (95%)", NUM1)}


COLUMNS: dict[str, tuple[str, str]] = {
    "policy": ("option", TEXT), "calibration": ("calibration", TEXT),
    "transition": ("transition", TEXT), "financial_year": ("financial year", TEXT),
    "first_full_year": ("first full year", TEXT), "replicates": ("simulated futures", COUNT),
    **_quantiles("community_spend", "community spend"),
    **_quantiles("residential_admitted_spend", "residential care, admitted during the run"),
    **_quantiles("residential_stock_spend", "residential care, in care at the start"),
    **_quantiles("total_spend", "total spend"), **_quantiles("savings", "savings"),
    **_quantiles("savings_vs_base_budget", "savings against the base budget"),
    "base_budget_year": ("base budget year", TEXT), "base_budget_mean": ("base budget", GBP),
    "prob_meet_target_vs_base_budget": ("chance of meeting target, base budget view", PCT),
    "prob_meet_target_vs_base_budget_se": ("± (Monte Carlo s.e.), base budget view", PCT),
    "fitted_lever": ("calibration lever", TEXT),
    "fitted_lever_value": ("lever value (percentile or scale)", RATIO),
    "savings_mean": ("mean savings", GBP),
    "finance_baseline": ("savings judged", TEXT),
    **_quantiles("savings_vs_status_quo", "savings against doing nothing"),
    "prob_meet_target_vs_status_quo": ("chance of meeting target, against doing nothing", PCT),
    "prob_meet_target_vs_status_quo_se": ("± (Monte Carlo s.e.), against doing nothing", PCT),
    "target": ("savings target, £ of the year", GBP),
    **_quantiles("avoided_creep", "avoided creep"),
    **_quantiles("real_reduction", "real reduction"),
    "avoided_creep_share": ("avoided creep, share of the saving against doing nothing", PCT),
    "prob_real_reduction_meets_target": ("chance the real reduction meets the target", PCT),
    "target_price_base": ("target's price base", TEXT),
    "meets_target": ("meets the target", TEXT),
    "definition": ("definition", TEXT),
    "prob_meet_target": ("chance of meeting target", PCT),
    "uncertainty": ("uncertainty in the figures", TEXT),
    "events_only_replicates": ("simulated futures, events only", COUNT),
    **_quantiles("savings_events_only", "savings, events only"),
    "prob_meet_target_events_only": ("chance of meeting target, events only", PCT),
    "prob_meet_target_events_only_se": ("± (Monte Carlo s.e.), events only", PCT),
    "prob_meet_target_se": ("± (Monte Carlo s.e.)", PCT),
    "protection_cost": ("cost of transitional protection", GBP),
    **{k: v for c, w in (("assessments", "assessments"), ("reviews", "reviews"),
                         ("arrivals", "arrivals"), ("deaths", "deaths"),
                         ("other_exits", "other exits"), ("admissions", "care-home admissions"),
                         ("resident_reviews", "care-home residents' reviews"),
                         ("users", "users")) for k, v in _counts(c, w).items()},
    "admissions_mean": ("care-home admissions", NUM1),
    "admissions_vs_baseline": ("extra care-home admissions", NUM1),
    "residential_cost_vs_baseline": ("extra residential cost", GBP),
    "community_spend_change": ("community spend change", GBP),
    "community_spend_change_share": ("community spend change, share", PCT),
    "cost_neutral": ("cost neutral", TEXT),
    "part_year": ("part year (not judged against the target)", TEXT),
    "snapshot": ("when", TEXT), "characteristic": ("characteristic", TEXT),
    "protected_characteristic": ("protected characteristic", TEXT),
    "group": ("group code", TEXT), "group_label": ("group", TEXT), "count": ("people", COUNT),
    "mean_change_gbp": ("change in the mean budget, £ a year (own budget before go-live, cash)",
                        GBP),
    "pct_change_of_mean": ("change in the mean budget, % (own budget before go-live, cash)", PCT),
    "median_change_pct": ("median of people's % change (own budget before go-live, cash)", PCT),
    "share_lose5": ("losing >5% of own budget, cash", PCT),
    "share_lose10": ("losing >10% of own budget, cash", PCT),
    "share_lose25": ("losing >25% of own budget, cash", PCT),
    "share_gain": ("gaining (own budget, cash)", PCT),
    "people_lose10": ("people losing >10% of own budget, cash (per future)", NUM1),
    "lost_gbp": ("£ a year lost by people whose own budget falls, cash (per future)", GBP),
    "share_lose10_real": ("losing >10% of own budget, real terms", PCT),
    "pct_change_of_mean_real": ("change in the mean budget, % (own budget, real terms)", PCT),
    "mean_change_gbp_vs_status_quo": ("change in the mean budget against the status quo, "
                                      "£ a year", GBP),
    "pct_change_of_mean_vs_status_quo": ("change in the mean budget against the status quo, %",
                                         PCT),
    "share_lose10_vs_status_quo": (">10% below the status quo's budget", PCT),
    "mean_budget": ("mean budget under the option", GBP),
    "mean_budget_practice": ("mean budget current practice would give", GBP),
    "share_below_practice_over10": (">10% below what current practice would give", PCT),
    "mean_change_gbp_vs_practice": ("change in the mean budget against current practice, "
                                    "£ a year", GBP),
    "pct_change_of_mean_vs_practice": ("change in the mean budget against current practice, %",
                                       PCT),
    "rr_lose10": ("relative risk of losing >10% of own budget (cash)", RATIO),
    "rr_lose10_lo": ("RR >10%, low (95%)", RATIO), "rr_lose10_hi": ("RR >10%, high (95%)", RATIO),
    "share_admitted_status_quo": ("admitted to care, status quo", PCT),
    "share_admitted": ("admitted to care, option", PCT),
    "admit_ratio_vs_status_quo": ("admission rate, option over the same group's under the "
                                  "status quo", RATIO),
    "admit_ratio_vs_status_quo_lo": ("admission rate ratio, low (95%)", RATIO),
    "admit_ratio_vs_status_quo_hi": ("admission rate ratio, high (95%)", RATIO),
    "extra_admissions": ("extra admissions against the status quo (per future)", NUM1),
    "alloc_per_point_before": ("£ per point, status quo", GBP),
    "alloc_per_point_after": ("£ per point, option", GBP),
    "suppressed": ("suppressed (under the threshold)", TEXT),
    **_bands(),
    "ratio_before": ("younger/older, status quo", RATIO),
    "ratio_before_lo": ("status quo, low (95%)", RATIO),
    "ratio_before_hi": ("status quo, high (95%)", RATIO),
    "ratio_after": ("younger/older, option", RATIO), "ratio_after_lo": ("option, low (95%)", RATIO),
    "ratio_after_hi": ("option, high (95%)", RATIO),
    "largest_rr_lose10": ("largest relative risk of losing >10% of own budget (cash)", RATIO),
    "rating": ("EIA rating", TEXT), "evidence": ("evidence", TEXT),
    "largest_rr_lo": ("low (95%)", RATIO), "largest_rr_hi": ("high (95%)", RATIO),
    "largest_rr_group": ("most over-represented group", TEXT),
    "meets_target": ("meets target", TEXT), "number": ("no.", TEXT),
    "description": ("what it does", TEXT),
    "section": ("assumption", TEXT), "source": ("source", TEXT),
    "people": ("people", COUNT), "gaining": ("gaining (people)", COUNT),
    "losing": ("losing (people)", COUNT),
    "gross_gained_budget": ("gross gained, budget", GBP),
    "gross_lost_budget": ("gross lost, budget", GBP), "net_budget": ("net, budget", GBP),
    "gross_gained_cash": ("gross gained, cash", GBP),
    "gross_lost_cash": ("gross lost, cash", GBP), "net_cash": ("net, cash", GBP),
    "covers": ("covers", TEXT), "material_change": ("material change", PCT),
    "phases": ("phases (reviews)", COUNT), "phase_gains": ("phase gains", TEXT),
    "max_loss": ("loss cap per 12 months", PCT), "max_gain": ("gain cap per 12 months", PCT),
    "protect_critical": ("protect critical band", TEXT),
    "protect_years": ("protect years", NUM1), "recommended": ("recommended", TEXT),
    "setting": ("setting", TEXT), "value": ("value", TEXT), "key": ("item", TEXT),
    "dre": ("disability-related expenditure", TEXT),
    **_quantiles("gross_spend", "community spend, gross"),
    **_quantiles("contributions", "contributions"),
    **_quantiles("net_spend", "community spend, net"), **_quantiles("net_savings", "net savings"),
    "mean_net_change_gbp": ("mean change in net position, £ a year", GBP),
    "share_pay_more": ("contribution rises", PCT), "share_pay_less": ("contribution falls", PCT),
    "mean_contribution_before": ("mean contribution, status quo, £ a year", GBP),
    "mean_contribution_after": ("mean contribution, option, £ a year", GBP),
}


def _named(column: str, extra: Mapping[str, tuple[str, str]] | None) -> tuple[str, str] | None:
    """The column's (heading, kind): here, or among `extra` (a registered table's own)."""
    return COLUMNS.get(column) or (extra or {}).get(column)


def heading(column: str, extra: Mapping[str, tuple[str, str]] | None = None) -> str:
    """What a column is called in the report and the workbook."""
    return (_named(column, extra) or (column.replace("_", " "), TEXT))[0]


def kind(column: str, extra: Mapping[str, tuple[str, str]] | None = None) -> str:
    """How a column's numbers read: GBP, PCT, RATIO, COUNT, NUM1 or TEXT."""
    return (_named(column, extra) or ("", TEXT))[1]
