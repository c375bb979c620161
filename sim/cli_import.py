"""`run-sim import`: a council's case-management extract -> a pseudonymised population file,
its data-quality report and (with an event history) the council's own rates.

Parsing and the handler live here so the main command line stays small; sim.cli registers
them.  Everything is computed before anything is written; each file is written atomically.
"""
from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path

from sim.atomic import atomic_path
from sim.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    i = sub.add_parser(
        "import", help="import a council's case-management extract with a mapping file: "
        "pseudonymised population, data-quality report, and rates from an event history",
        description="Read EXTRACT (.csv or .xlsx) through the mapping, pseudonymise identifiers "
        f"with a keyed hash (salt from ${'RAS_SIM_SALT'} or --salt-file, never written), drop "
        "identifying columns, and write the population file, its data-quality report "
        "(<out>.quality.html) and, with --events, a parameter overlay of the council's own "
        "rates (<out>.rates.toml). Exit status 2 lists every problem; nothing is written then.")
    i.add_argument("extract", help="the extract (.csv or .xlsx), one row per service")
    i.add_argument("--mapping", required=True, help="mapping file (TOML), e.g. "
                   "populations/extract_example/mapping.toml")
    i.add_argument("--out", required=True, help="population file to write (.csv)")
    i.add_argument("--events", help="event history (.csv or .xlsx) to estimate death, "
                   "admission, exit and review rates from (the mapping's [events])")
    i.add_argument("--expected", help="published totals to compare with (TOML), e.g. "
                   "populations/extract_example/expected_totals.toml")
    i.add_argument("--salt-file", help="file holding the secret salt (default: the "
                   "RAS_SIM_SALT environment variable); keep it apart from the outputs")
    i.add_argument("--overwrite", action="store_true", help="replace existing output files")


def outputs(out: Path, events: bool) -> dict[str, Path]:
    stem = out.with_suffix("")
    paths = {"population": out, "report": Path(f"{stem}.quality.html")}
    if events:
        paths["rates"] = Path(f"{stem}.rates.toml")
    return paths


def cmd_import(args: argparse.Namespace) -> int:
    from sim.inputs.extract.importer import estimate_rates, import_extract
    from sim.inputs.extract.mapping import load_mapping
    from sim.inputs.extract.pseudonym import load_salt
    from sim.inputs.population import write_population
    from sim.outputs.quality_page import render_quality

    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise InputError(f"--out {out}: the population file is written as CSV (name it .csv)")
    paths = outputs(out, bool(args.events))
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not args.overwrite:
        raise InputError(f"{', '.join(existing)}: exists; add --overwrite to replace")
    if not out.parent.is_dir():
        raise InputError(f"--out {out}: no folder {out.parent}")
    mapping = load_mapping(args.mapping)
    salt = load_salt(args.salt_file)
    imported = import_extract(args.extract, mapping, salt, args.expected)
    rates = estimate_rates(args.events, mapping) if args.events else None
    quality = imported.quality
    if rates is not None:
        quality.rates, quality.events_dropped = rates.table, rates.rows_dropped
    page = render_quality(quality, mapping.extract.description if mapping.extract.synthetic
                          else "")
    texts = {"report": page, **({"rates": rates.overlay} if rates is not None else {})}
    with ExitStack() as stack:  # every file renamed into place only once all are written
        for kind, text in texts.items():
            stack.enter_context(atomic_path(paths[kind])).write_text(text, encoding="utf-8")
        write_population(imported.population, out)
    _print(quality, paths)
    return 0


def _print(quality, paths: dict[str, Path]) -> None:
    for name, value in quality.summary():
        print(f"  {name}: {value:,}" if isinstance(value, int) else f"  {name}: {value:,.2f}")
    for row in quality.published.itertuples(index=False):
        print(f"  {row.figure}: extract {row.extract:,.0f}, published {row.published:,.0f} "
              f"({row.difference:+.1%})")
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")
