"""A council's own case-management extract turned into a population file.

A mapping file (TOML) says which extract column feeds which schema field and how its codes
translate (`mapping`); identifiers become keyed hashes and identifying columns never leave
the extract (`pseudonym`); service rows become people (`rows`, `people`) while every row
dropped, code left unmapped and value refused is counted (`quality`); an optional event
history gives the council's own rates (`events`, `rates`).  `importer` runs the whole.
"""
