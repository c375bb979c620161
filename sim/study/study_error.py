"""The error a study file that cannot be run raises (exit 2)."""
from __future__ import annotations

from sim.errors import InputError


class StudyError(InputError):
    """A study file that cannot be run; the message names the file and the key."""
