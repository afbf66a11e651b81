"""A small DER reader and writer: the elements of keys and certificates, standard library only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from zkcontainer.tls import TlsProblem

SEQUENCE, INTEGER, OCTET_STRING, OID, BIT_STRING = 0x30, 0x02, 0x04, 0x06, 0x03
UTC_TIME, GENERALIZED_TIME = 0x17, 0x18
NULL = bytes.fromhex("0500")

_T = TypeVar("_T")


@dataclass(frozen=True)
class Element:
    tag: int
    content: bytes
    encoded: bytes  # tag, length and content


def read_element(data: bytes, offset: int = 0) -> tuple[Element, int]:
    """The DER element at `offset`, and the offset after it."""
    try:
        tag = data[offset]
        length = data[offset + 1]
        start = offset + 2
        if length & 0x80:
            count = length & 0x7F
            if not 0 < count <= 4:
                raise TlsProblem("not DER: unsupported length")
            length = int.from_bytes(data[start : start + count], "big")
            start += count
    except IndexError:
        raise TlsProblem("not DER: truncated") from None
    end = start + length
    if end > len(data):
        raise TlsProblem("not DER: truncated")
    return Element(tag, data[start:end], data[offset:end]), end


def children(content: bytes) -> list[Element]:
    elements, offset = [], 0
    while offset < len(content):
        element, offset = read_element(content, offset)
        elements.append(element)
    return elements


def one(data: bytes, tag: int, what: str) -> Element:
    element, end = read_element(data)
    if element.tag != tag or end != len(data):
        raise TlsProblem(f"not {what}")
    return element


def encode(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        header = bytes([tag, length])
    else:
        size = length.to_bytes((length.bit_length() + 7) // 8, "big")
        header = bytes([tag, 0x80 | len(size)]) + size
    return header + content


def malformed(what: str) -> Callable[[Callable[[bytes], _T]], Callable[[bytes], _T]]:
    """Any index or value error of a DER walk over hostile bytes becomes a TlsProblem."""

    def decorate(parse: Callable[[bytes], _T]) -> Callable[[bytes], _T]:
        def guarded(der: bytes) -> _T:
            try:
                return parse(der)
            except TlsProblem:
                raise
            except (IndexError, ValueError, OverflowError):
                raise TlsProblem(f"holds a malformed {what}") from None

        return guarded

    return decorate
