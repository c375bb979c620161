"""Errors the command line reports as bad input (exit status 2, one clear message, nothing written)."""
from __future__ import annotations


class InputError(ValueError):
    """Input that cannot be used as given; the message names the file, key or option and why."""


class EnvironmentFailure(RuntimeError):
    """Something outside the input failed (network, a worker cluster); exit 3."""
