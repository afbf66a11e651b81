"""The unknown-flag line every command prints: `--formt=json: unknown flag; did you mean --format?`.

The probes import this only when a flag is unknown: difflib (and heapq behind
it) would otherwise cost every probe run.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

# difflib's similarity (0..1) of a typo or a cut-short name (--timout, --serve
# for --serving: 0.67), above another word that shares letters (--port and
# --format: 0.6).
NEAR_MISS = 0.65


def unknown_flag(arg: str, known: Iterable[str], shown: Callable[[str], str]) -> str:
    """`arg` (as `shown` quotes it) named as an unknown flag, with the nearest of
    the `known` flags ("--name") when one is a near miss of its name."""
    return f"{shown(arg)}: unknown flag{did_you_mean(arg, known)}"


def did_you_mean(arg: str, known: Iterable[str]) -> str:
    """ "; did you mean --format?" for the known flag nearest to `arg`'s name, or ""."""
    # Compared without the dashes, which every flag shares and which would
    # otherwise make any two short names look alike.
    by_name = {flag.lstrip("-"): flag for flag in known}
    name = arg.partition("=")[0].lstrip("-")
    matches = difflib.get_close_matches(name, list(by_name), n=1, cutoff=NEAR_MISS)
    return f"; did you mean {by_name[matches[0]]}?" if matches else ""
