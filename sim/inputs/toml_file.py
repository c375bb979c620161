"""Reading TOML input files (parameters, studies, calibrations, transitions) safely.

tomllib alone blocks on a named pipe, reads /dev/zero until memory runs out,
refuses a byte-order mark that Windows editors add, and overflows the stack on
deeply nested arrays.  Here each of those is a clear TomlFileError naming the file.
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.inputs.files import read_regular_file

MAX_TOML_BYTES = 1_000_000  # the shipped files are a few kB; a study with long overrides fits
MAX_DEPTH = 32  # nesting of tables and arrays; the shipped files nest 3 deep


class TomlFileError(InputError):
    """A TOML file that cannot be read; the message names the file and why."""


def read_toml(path: str | Path, what: str) -> tuple[dict[str, Any], str]:
    """The parsed tables and the text (without a byte-order mark) of a TOML file.

    Args:
        path: the file.
        what: what it should be, for messages ('parameter file').

    Raises:
        TomlFileError: not an ordinary file, too large, not UTF-8, not TOML, or nested
            too deeply.
    """
    path = Path(path)
    data = read_regular_file(path, what, MAX_TOML_BYTES, TomlFileError)
    try:
        text = data.decode("utf-8-sig")  # a leading byte-order mark is dropped
    except UnicodeDecodeError as exc:
        raise TomlFileError(f"{path}: {what} is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                            f"at position {exc.start})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlFileError(f"{path}: {what} is not valid TOML: {exc}") from None
    except RecursionError:
        raise TomlFileError(_too_deep(path, what)) from None
    if _depth(raw) > MAX_DEPTH:
        raise TomlFileError(_too_deep(path, what))
    return raw, text


def _depth(value: Any) -> int:
    """How deeply tables and arrays nest (without recursion, so any depth is measured)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _too_deep(path: Path, what: str) -> str:
    return f"{path}: {what} nests tables or arrays more than {MAX_DEPTH} deep"
