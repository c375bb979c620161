"""Global sensitivity analysis: its design, evaluations, indices and thresholds, and its own
page (sensitivity.html) and tornado figures."""
