"""results.xlsx: every table as a sheet, behind a cover, a contents sheet and notes."""
