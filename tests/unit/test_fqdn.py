"""The pod's FQDN lookup encodes its name as the idna codec would, without importing it."""

from __future__ import annotations

import pytest

from zkcontainer.runtime import idna_encoded

NAMES = [
    "",
    "zk-0",
    "zk-0.zk-hs.default.svc.cluster.local",
    "trailing.dot.",
    "UPPER.Case",
    "a" * 63,
    "a" * 63 + ".b",
    "a" * 64,
    "a" * 64 + ".b",
    "b." + "a" * 64,
    "a..b",
    ".leading",
    "..",
    ".",
]


@pytest.mark.parametrize("name", NAMES)
def test_an_ascii_name_is_encoded_or_refused_as_the_idna_codec_does(name: str) -> None:
    try:
        expected: bytes | None = name.encode("idna")
    except UnicodeError:
        expected = None
    if expected is None:
        with pytest.raises(UnicodeError):
            idna_encoded(name)
    else:
        assert idna_encoded(name) == expected


def test_a_name_beyond_ascii_is_left_to_the_codec() -> None:
    assert idna_encoded("bücher.example") == "bücher.example"
