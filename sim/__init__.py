"""Simulation and equalities impact modelling of adult social care personal budgets."""

__version__ = "0.1.0"
