"""Seed citations point at the report and paragraph that say it: the FACS and DRE findings
are the March 2012 report's (4.8(2) and 6.2), not the September 2012 report's, whose main
report has no paragraph 4.8."""
from __future__ import annotations

import re

from conftest import ROOT

FILES = [*ROOT.joinpath("sim").rglob("*.py"), *ROOT.joinpath("scenarios").glob("*.toml"),
         *ROOT.joinpath("populations").glob("*.toml"), ROOT / "README.md"]


def test_no_finding_is_cited_to_a_september_2012_paragraph_4_8_or_6_2():
    wrong = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in FILES
             for m in re.finditer(r"September 2012 report,? (?:4\.8|6\.2)[^)]*",
                                  p.read_text(encoding="utf-8"))]
    assert not wrong, wrong
