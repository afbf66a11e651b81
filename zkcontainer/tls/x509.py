"""X.509 certificates: the few fields a Secret's checks read, validity, usages, issuer, key."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from zkcontainer.tls import TlsProblem
from zkcontainer.tls.der import (
    BIT_STRING,
    GENERALIZED_TIME,
    OCTET_STRING,
    SEQUENCE,
    UTC_TIME,
    Element,
    children,
    malformed,
    one,
)
from zkcontainer.tls.keys import RSA_ENCRYPTION
from zkcontainer.tls.pem import pem_blocks

# Object identifiers, as their DER encodings.
SERVER_AUTH = bytes.fromhex("06082b06010505070301")  # 1.3.6.1.5.5.7.3.1
CLIENT_AUTH = bytes.fromhex("06082b06010505070302")  # 1.3.6.1.5.5.7.3.2
_EXTENDED_KEY_USAGE = bytes.fromhex("0603551d25")  # 2.5.29.37
_ANY_EXTENDED_KEY_USAGE = bytes.fromhex("0604551d2500")  # 2.5.29.37.0
_SUBJECT_KEY_ID = bytes.fromhex("0603551d0e")  # 2.5.29.14
_AUTHORITY_KEY_ID = bytes.fromhex("0603551d23")  # 2.5.29.35


@dataclass(frozen=True)
class Certificate:
    der: bytes
    not_before: datetime.datetime
    not_after: datetime.datetime
    extended_key_usages: frozenset[bytes] | None  # DER OIDs; None: no such extension
    issuer: bytes  # the DER Name
    subject: bytes
    public_key: bytes  # as public_key_of gives it
    subject_key_id: bytes | None
    authority_key_id: bytes | None

    def issued(self, other: Certificate) -> bool:
        """Whether this certificate names itself as `other`'s issuer, by name and, when
        both say it, by key identifier: a CA re-created under the same name (a
        rotated CA key) is another issuer. Signatures are the TLS peer's to check."""
        if other.issuer != self.subject:
            return False
        ids = (self.subject_key_id, other.authority_key_id)
        return None in ids or ids[0] == ids[1]

    def allows(self, usage: bytes) -> bool:
        usages = self.extended_key_usages
        return usages is None or usage in usages or _ANY_EXTENDED_KEY_USAGE in usages


def certificates(text: str) -> list[Certificate]:
    return [parse_certificate(b.der) for b in pem_blocks(text) if b.label == "CERTIFICATE"]


@malformed("certificate")
def parse_certificate(der: bytes) -> Certificate:
    parts = children(one(der, SEQUENCE, "a certificate").content)
    if not parts or parts[0].tag != SEQUENCE:
        raise TlsProblem("holds a malformed certificate")
    tbs = children(parts[0].content)
    if tbs and tbs[0].tag == 0xA0:  # [0] version; v1 certificates have none
        tbs = tbs[1:]
    if len(tbs) < 6:
        raise TlsProblem("holds a malformed certificate")
    validity = children(tbs[3].content)
    if len(validity) != 2:
        raise TlsProblem("holds a certificate without a validity period")
    usages = subject_key_id = authority_key_id = None
    for extensions in (part for part in tbs[6:] if part.tag == 0xA3):
        for extension in children(one(extensions.content, SEQUENCE, "extensions").content):
            fields = children(extension.content)
            if not fields:
                continue
            if fields[0].encoded == _EXTENDED_KEY_USAGE:
                value = one(fields[-1].content, SEQUENCE, "an extended key usage")
                usages = frozenset(oid.encoded for oid in children(value.content))
            elif fields[0].encoded == _SUBJECT_KEY_ID:
                subject_key_id = one(fields[-1].content, OCTET_STRING, "a key id").content
            elif fields[0].encoded == _AUTHORITY_KEY_ID:
                ids = children(one(fields[-1].content, SEQUENCE, "a key id").content)
                authority_key_id = next((i.content for i in ids if i.tag == 0x80), None)
    return Certificate(
        der,
        _time(validity[0]),
        _time(validity[1]),
        usages,
        issuer=tbs[2].encoded,
        subject=tbs[4].encoded,
        public_key=_spki_key(tbs[5]),
        subject_key_id=subject_key_id,
        authority_key_id=authority_key_id,
    )


def _spki_key(spki: Element) -> bytes:
    """SubjectPublicKeyInfo's key as public_key_of gives a private key's."""
    algorithm, key = children(spki.content)
    point = one(key.encoded, BIT_STRING, "a public key").content
    if children(algorithm.content)[0].encoded == RSA_ENCRYPTION:
        modulus, exponent = children(one(point[1:], SEQUENCE, "an RSA public key").content)
        return modulus.encoded + exponent.encoded
    return point


def _time(element: Element) -> datetime.datetime:
    text = element.content.decode("ascii", "replace")
    try:
        if element.tag == UTC_TIME:  # YYMMDDHHMMSSZ, 50-99 meaning 19xx (RFC 5280)
            parsed = datetime.datetime.strptime(text, "%y%m%d%H%M%SZ")
            if parsed.year >= 2050:
                parsed = parsed.replace(year=parsed.year - 100)
        elif element.tag == GENERALIZED_TIME:
            parsed = datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ")
        else:
            raise ValueError(text)
    except ValueError:
        raise TlsProblem(f"holds a certificate with an unreadable time {text!r}") from None
    return parsed.replace(tzinfo=datetime.UTC)
