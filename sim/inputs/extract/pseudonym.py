"""Pseudonymisation: identifiers become keyed hashes; identifying columns never leave.

A person's identifier is replaced by HMAC-SHA256 under a secret key (the salt), so the same
person gets the same pseudonym in every extract imported with that key, and nobody without
the key can recompute one from a known identifier.  The key comes from an environment
variable or a file; it is never written anywhere.  Columns whose names say they identify a
person (names, addresses, NHS numbers, free text) may not feed any field: every column the
mapping does not read is dropped unread.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable
from pathlib import Path

from sim.errors import InputError

SALT_VARIABLE = "RAS_SIM_SALT"
MIN_SALT_BYTES = 16        # a shorter key could be guessed by trying every one
PSEUDONYM_HEX = 16         # 64 bits: no collision among a council's few 10,000 people

# Column names that identify a person or hold free text (case-insensitive, anywhere in it).
IDENTIFYING = re.compile(
    r"surname|forename|first\s*name|last\s*name|full\s*name|client\s*name|person\s*name|"
    r"^\s*name\s*$|address|post\s*code|nhs|\bn\.?i\.?\s*(no|number)\b|national\s*insurance|"
    r"phone|mobile|e-?mail|note|comment|free\s*text|narrative|next\s*of\s*kin|\bgp\b",
    re.IGNORECASE)
# Values that look like a direct identifier in a column copied as text (the team label).
IDENTIFYING_VALUE = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"          # UK postcode
    r"|\b\d{3}\s?\d{3}\s?\d{4}\b"                     # NHS number
    r"|@|\b0\d{9,10}\b", re.IGNORECASE)               # e-mail, phone


def load_salt(salt_file: str | Path | None = None) -> bytes:
    """The secret key: the file's contents if given, else the environment variable."""
    if salt_file is not None:
        try:
            salt = Path(salt_file).read_bytes().strip()
        except OSError as exc:
            raise InputError(f"{salt_file}: cannot read the salt file ({exc.strerror})") from None
        where = str(salt_file)
    else:
        salt = os.environ.get(SALT_VARIABLE, "").strip().encode("utf-8")
        where = f"environment variable {SALT_VARIABLE}"
        if not salt:
            raise InputError(f"no salt: set {SALT_VARIABLE} to a secret of at least "
                             f"{MIN_SALT_BYTES} characters, or give --salt-file; keep it apart "
                             "from the outputs (the same salt gives the same pseudonyms)")
    if len(salt) < MIN_SALT_BYTES:
        raise InputError(f"{where}: the salt must be at least {MIN_SALT_BYTES} characters")
    return salt


def pseudonym(identifier: str, salt: bytes) -> str:
    """The person's pseudonym: 'H' and the first 16 hex digits of HMAC-SHA256(salt, id)."""
    digest = hmac.new(salt, identifier.strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return "H" + digest[:PSEUDONYM_HEX]


def identifying_columns(columns: Iterable[str]) -> list[str]:
    """The columns whose names say they identify a person."""
    return [c for c in columns if IDENTIFYING.search(str(c))]


def identifying_values(values: Iterable[str]) -> list[str]:
    """Values that look like a postcode, NHS number, e-mail address or phone number."""
    return sorted({v for v in values if IDENTIFYING_VALUE.search(v)})
