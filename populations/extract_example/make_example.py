#!/usr/bin/env python
"""Write the example case-management extract and event history from the synthetic population.

    python populations/extract_example/make_example.py [OUT_DIR]   (default: beside this file)

extract.csv: the shipped synthetic population (populations/bnes_2012_synthetic.csv) as a
case-management system keeps it: one row per service (a mixed budget is a cash payment and
a commissioned service), codes instead of labels, weekly or four-weekly amounts, dates of
birth and of the last review, and the columns that must never travel (names, addresses,
NHS numbers, notes; all made up).  A few dirty rows are added, each of extra people only
(a duplicate row aside), so the clean people are exactly the synthetic population.

events.csv: a separate made-up cohort drawn like the synthetic population and run forward
over the mapping's window under the model's own default rates (scenarios/parameters.toml:
death, residential admission, other exits, reviews), so estimating rates from it should
recover those rates.  Deterministic for the seed below.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from sim.inputs.categories import AGE_BAND_EDGES, CLIENT_GROUP  # noqa: E402
from sim.inputs.extract.mapping import load_mapping  # noqa: E402
from sim.inputs.population import load_population  # noqa: E402
from sim.model.params import hazard_table, load_parameters, monthly_hazard  # noqa: E402
from sim.paths import DEFAULT_POPULATION  # noqa: E402

SEED = 24
DATE = "%d/%m/%Y"
SURNAMES = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson",
            "Thomas", "Johnson", "Roberts", "Walker", "Wright", "Robinson", "Thompson", "Hughes"]
FORENAMES = ["Mary", "John", "Margaret", "David", "Susan", "Peter", "Joan", "Michael", "Ann",
             "Robert", "Patricia", "James", "Sarah", "Paul", "Helen", "Richard"]
STREETS = ["High Street", "Church Lane", "Station Road", "Mill Lane", "Victoria Road",
           "The Crescent", "Park Avenue", "Wells Road"]
NOTES = ["Lives alone, daughter visits weekly", "Prefers morning calls", "Carer breakdown risk",
         "Uses wheelchair outdoors", "Key safe fitted", "Reviewed at home with family"]


def invert(values: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for src, dst in values.items():
        out.setdefault(dst, []).append(src)
    return out


def person_rows(rng, p, i: int, codes: dict, ref: dt.date, per_year: dict) -> list[dict]:
    """One person's service rows (the columns a case-management report would have)."""
    born = ref - dt.timedelta(days=round(p.age * 365.25))
    months = int(p.months_since_review)
    y, mo = divmod(ref.year * 12 + ref.month - 1 - months, 12)
    reviewed = dt.date(y, mo + 1, int(rng.integers(1, 29)))
    base = {"Client ID": f"CM{1000000 + i}", "Surname": rng.choice(SURNAMES),
            "Forename": rng.choice(FORENAMES),
            "Address": f"{rng.integers(1, 120)} {rng.choice(STREETS)}, Bath",
            "Postcode": f"BA{rng.integers(1, 3)} {rng.integers(1, 10)}"
                        f"{''.join(rng.choice(list('ABDEFGHJLNPQRSTUWXYZ'), 2))}",
            "NHS Number": f"{rng.integers(400, 499)} {rng.integers(100, 999)} "
                          f"{rng.integers(1000, 9999)}",
            "DOB": born.strftime(DATE), "Gender": codes["sex"][p.sex][0],
            "Ethnicity": rng.choice(codes["ethnicity"][p.ethnicity]),
            "Primary Support Reason": rng.choice(codes["client_group"][p.client_group]),
            "Team": codes["team"][p.team][0], "FACS": codes["facs_band"][p.facs_band][0],
            "RAS Score": f"{p.ras_points:g}", "Last Review": reviewed.strftime(DATE),
            "Case Notes": rng.choice(NOTES)}
    kinds = {"commissioned": ["Commissioned Service"] * int(rng.integers(1, 3)),
             "direct_payment": ["Cash Payment"], "mixed": ["Cash Payment", "Commissioned Service"],
             "old_style": ["Traditional Package"] * int(rng.integers(1, 3))}[p.pb_type]
    shares = [1.0] if len(kinds) == 1 else [s := float(rng.uniform(0.3, 0.7)), 1 - s]
    rows = []
    for kind, share in zip(kinds, shares):
        freq = "Weekly" if kind != "Cash Payment" else rng.choice(["4 Weekly", "Weekly"])
        amount = round(p.annual_budget * share / per_year[freq], 2)
        service = {"Cash Payment": "Direct payment"}.get(kind, rng.choice(["Home care",
                                                                          "Day care"]))
        rows.append({**base, "Service": service, "Service Type": kind, "Amount": f"{amount:.2f}",
                     "Frequency": freq})
    return rows


def dirty(rows: list[dict]) -> list[dict]:
    """A few rows every real extract has: one of each fault, on extra people."""
    model = dict(rows[0])
    extra = []
    faults = [("Ethnicity", "Z"), ("DOB", "02/05/2003"), ("Amount", "TBC"), ("Frequency", "Monthly"),
              ("DOB", ""), ("Amount", "99999.00"), ("Team", "TEMP"), ("Client ID", "")]
    for k, (column, value) in enumerate(faults):
        extra.append({**model, "Client ID": f"CM9{k:06d}", column: value})
    split = {**model, "Client ID": "CM9000100"}
    extra += [split, {**split, "Gender": "M" if split["Gender"] == "F" else "F"}]
    return [*rows[:5], dict(rows[3]), *rows[5:], *extra]


def extract(pop, m, rng) -> pd.DataFrame:
    f = m.fields
    codes = {"sex": invert(f.sex.values), "ethnicity": invert(f.ethnicity.values),
             "client_group": invert(f.client_group.values), "team": invert(f.team.values),
             "facs_band": invert(f.facs_band.values)}
    frame = pop.to_frame()
    rows = []
    for i, p in enumerate(frame.itertuples(index=False)):
        rows += person_rows(rng, p, i, codes, m.extract.reference_date, f.annual_budget.per_year)
    return pd.DataFrame(dirty(rows))


def events(pop, m, rng) -> pd.DataFrame:
    """A cohort like the population, open at the window's start or arriving in it, run
    forward month by month under the model's default hazards; one row per event."""
    params = load_parameters()
    ev, ref = m.events, m.extract.reference_date
    months = (ref.year - ev.window_start.year) * 12 + ref.month - ev.window_start.month + 1
    n = len(pop)
    pick = rng.integers(0, n, n)
    group, age0 = pop.client_group[pick], pop.age[pick] - months / 12 * rng.random(n)
    start = np.where(rng.random(n) < 0.2, rng.integers(1, months, n), 0)
    tables = [hazard_table(h) for h in (params.death, params.residential, params.other_exit)]
    review = monthly_hazard(1 - np.exp(-params.reviews.per_user_per_year))
    out, alive = [], np.ones(n, dtype=bool)
    for t in range(months):
        on = alive & (start <= t)
        age = age0 + (t - months) / 12 + months / 12
        band = np.clip(np.searchsorted(AGE_BAND_EDGES, np.maximum(age, 18), "right") - 1, 0, 7)
        for kind, table in zip(("DIED", "RES ADM", "CLOSED"), tables):
            hit = on & (rng.random(n) < table[group, band])
            out += [(j, t, kind) for j in np.flatnonzero(hit)]
            alive &= ~hit
            on &= ~hit
        out += [(j, t, "REVIEW") for j in np.flatnonzero(on & (rng.random(n) < review))]
        out += [(j, t, "ASSESS") for j in np.flatnonzero(start == t) if t > 0]
    # people open at the window's start: their last review before it says so
    out += [(j, -int(rng.integers(1, 13)), "REVIEW") for j in np.flatnonzero(start == 0)]
    return _event_rows(out, pop, pick, age0, months, m, rng)


def _event_rows(out, pop, pick, age0, months, m, rng) -> pd.DataFrame:
    ev, ref = m.events, m.extract.reference_date
    cg = invert(ev.client_group.values)
    first = dt.date(ev.window_start.year, ev.window_start.month, 1)
    rows = []
    for j, t, kind in sorted(out, key=lambda r: (r[1], r[0])):
        y, mo = divmod(first.year * 12 + first.month - 1 + t, 12)
        day = dt.date(y, mo + 1, 1) + dt.timedelta(days=int(rng.integers(0, 28)))
        born = ref - dt.timedelta(days=round((age0[j] + months / 12) * 365.25))
        rows.append({"Client ID": f"CH{2000000 + j}", "DOB": born.strftime(DATE),
                     "Primary Support Reason": cg[CLIENT_GROUP.codes[pop.client_group[pick[j]]]][0],
                     "Event": kind, "Event Date": min(day, ref).strftime(DATE)})
    return pd.DataFrame(rows)


def main(out: Path = HERE) -> None:
    pop = load_population(DEFAULT_POPULATION)
    m = load_mapping(HERE / "mapping.toml")
    rng = np.random.default_rng(SEED)
    extract(pop, m, rng).to_csv(out / "extract.csv", index=False)
    events(pop, m, rng).to_csv(out / "events.csv", index=False)
    print(f"wrote {out / 'extract.csv'} and {out / 'events.csv'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
