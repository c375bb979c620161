"""report.html, the page people read first: its sections, built from the registered tables
and the figures."""
