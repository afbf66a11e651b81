"""The start's text checks are written without re, shlex and dataclasses, which
would cost every start their imports: each accepts exactly what the pattern or
library function it stands for accepts."""

from __future__ import annotations

import re
import shlex

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from zkcontainer import memory
from zkcontainer.identity import PodIdentity, parse_pod_hostname
from zkcontainer.render import shell_join, shell_word
from zkcontainer.settings import load_settings
from zkcontainer.settings.declarations import settings_of
from zkcontainer.settings.heap import is_size
from zkcontainer.settings.names import is_dns_label
from zkcontainer.settings.reader import is_integer

# Text near the edges of each check: ASCII letters, digits, the separators the
# checks split at, and characters Python's str methods count as digits or
# letters that the patterns do not.
EDGY = st.text(alphabet="az09-_ kKmMgGtT.'\"$\n\u0663\u00b2\u00e9")
DNS_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
HEAP = re.compile(r"[1-9][0-9]{0,15}[kKmMgGtT]")
INTEGER = re.compile(r"-?[0-9]+")
ORDINAL_HOSTNAME = re.compile(r"(.+)-([0-9]+)", re.DOTALL)


@given(st.one_of(EDGY, st.text()))
@example("a" * 63)
@example("a" * 64)
@example("-a")
@example("a-")
def test_a_dns_label_is_what_rfc_1123_says(text: str) -> None:
    assert is_dns_label(text) == bool(DNS_LABEL.fullmatch(text))


@given(st.one_of(EDGY, st.text()))
@example("zk-1-2")
@example("zk-\u0663")
@example("-0")
def test_a_pod_hostname_splits_at_its_last_dash(hostname: str) -> None:
    match = ORDINAL_HOSTNAME.fullmatch(hostname)
    expected = None if match is None else PodIdentity(match.group(1), int(match.group(2)))
    assert parse_pod_hostname(hostname) == expected


@given(st.one_of(EDGY, st.text()))
@example("2G")
@example("09G")
@example("1" * 16 + "k")
@example("1" * 17 + "k")
@example("512\u212a")  # KELVIN SIGN, which str.lower() makes a "k"
def test_a_heap_is_a_size_as_the_jvm_reads_one(text: str) -> None:
    assert is_size(text) == bool(HEAP.fullmatch(text))


@given(st.one_of(EDGY, st.text()))
@example("-5")
@example("+5")
@example("\u0663")
@example("--5")
def test_an_integer_is_ascii_digits_after_an_optional_minus(text: str) -> None:
    assert is_integer(text) == bool(INTEGER.fullmatch(text))


@given(st.text())
@example("")
@example("it's")
def test_a_shell_word_is_quoted_as_shlex_quotes_it(text: str) -> None:
    assert shell_word(text) == shlex.quote(text)


@given(st.lists(st.text()))
def test_shell_words_are_joined_as_shlex_joins_them(words: list[str]) -> None:
    assert shell_join(words) == shlex.join(words)


def test_settings_refuse_to_be_built_without_a_field() -> None:
    """A field left out would otherwise hold its flag's declaration as its value."""
    values = load_settings([], {}, lambda: "zk-0", lambda: memory.Limit(None, "none"))._asdict()
    del values["heap"]
    with pytest.raises(TypeError, match="heap"):
        settings_of(values)
