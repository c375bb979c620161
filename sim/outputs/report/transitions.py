"""report.html: the transition scenarios as stated assumptions, and the go-live
redistribution (who gains and who loses before any transition)."""
from __future__ import annotations

import pandas as pd

from sim.outputs.markup import note, table


def transitions_section(transitions: pd.DataFrame) -> str:
    """The transition scenarios' parameters side by side, with their descriptions."""
    if transitions.empty:
        return ""
    return "\n".join([
        "<h3 id='transitions'>The transition scenarios (assumptions)</h3>",
        note("The September 2012 report modelled its transition scenarios without describing "
             "them; these parameters are this model's stated assumption of what they were. At "
             "each review after go-live a current user's budget moves towards the indicative "
             "budget: 'phases' reviews close the gap (2 = half, then all), for gains too when "
             "'phase gains' is yes (otherwise a gain is paid in full at once); losses and gains "
             "are capped over any 12 months: no budget falls by more than the loss cap below "
             "(or rises by more than the gain cap above) any budget the person had in the 12 "
             "months before (blank = no cap); critical-band users do not lose while protected, for "
             "'protect years' after go-live (blank = for ever). 'Material change' applies only "
             "when the scenario covers new users and changed needs. New users always get the "
             "indicative budget."),
        table(transitions, "The transition scenarios compared"),
    ])


def redistribution_section(redistribution: pd.DataFrame) -> str:
    """Per calibration: gaining and losing, gross £ each way and net, before any transition."""
    if redistribution.empty:
        return ""
    return "\n".join([
        "<h2 id='redistribution'>Go-live redistribution</h2>",
        note("The transitional cost before any transition: the current users in the population "
             "file (the cohort the calibrations were fitted on) moved straight to their "
             "indicative budgets, against their current budgets, in £ a year at 2012 prices. "
             "'Budget' columns are budgets as allocated; 'cash' columns are the expected cash "
             "spent (direct payments are partly clawed back), the money each calibration meets "
             "its target in, so the net cash is the calibration's saving (negative) or cost "
             "before transitions, growth and need changes. Gross gained minus gross lost is "
             "the net."),
        table(redistribution, "Go-live redistribution by calibration, before any transition"),
    ])
