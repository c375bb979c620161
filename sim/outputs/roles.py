"""The part each policy plays in the outputs, read from the flags the study files set.

A policy's `recommended` flag (recommended calibration x recommended transition) picks
the policy the group charts feature; `unprotected` (everyone moved straight to the
indicative budget) marks the comparator that prices transitional protection.  Names
never decide: a study may call its transitions anything.  Results written before the
flags existed have none: no policy is featured by preference and protection is unpriced.
"""
from __future__ import annotations

from sim.study.results import StudyResults


def ras_policies(results: StudyResults) -> list[int]:
    """Indices of the options: every policy but the status quo (and the no-creep status
    quo) and the definitional variants, in study order."""
    return [i for i, p in enumerate(results.policies)
            if not p["is_baseline"] and not p.get("variant_of")]


def variant_policies(results: StudyResults) -> list[int]:
    """Indices of the definitional variants (a study's [variants]), in study order."""
    return [i for i, p in enumerate(results.policies) if p.get("variant_of")]


def no_creep_policy(results: StudyResults) -> int | None:
    """The status quo without creep, when the run had one (sim.model.creep)."""
    return next((i for i, p in enumerate(results.policies)
                 if p.get("counterfactual") == "no_creep"), None)


def featured_policy(results: StudyResults) -> int:
    """The recommended policy; else the first policy besides the status quo; else the status quo."""
    ras = ras_policies(results)
    recommended = [i for i in ras if results.policies[i].get("recommended", False)]
    return (recommended or ras or [results.baseline_index])[0]


def unprotected_comparators(results: StudyResults) -> list[int | None]:
    """Per policy, the first unprotected policy of the same calibration (None if there is none)."""
    first: dict[str, int] = {}
    for i in ras_policies(results):
        if results.policies[i].get("unprotected", False):
            first.setdefault(results.policies[i]["calibration"], i)
    return [None if pol["is_baseline"] else first.get(pol["calibration"])
            for pol in results.policies]


def unprotected_transitions(results: StudyResults) -> list[str]:
    """Names of the transitions that price protection, in study order."""
    names = [results.policies[i]["transition"] for i in ras_policies(results)
             if results.policies[i].get("unprotected", False)]
    return list(dict.fromkeys(names))
