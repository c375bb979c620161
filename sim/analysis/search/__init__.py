"""The options search: levers, trials, the frontier and its confirmation, and its own
page (search.html), report (search_report.md) and figure."""
