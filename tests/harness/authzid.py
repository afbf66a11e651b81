"""A DIGEST-MD5 client that asks for an authorization id (RFC 2831's authzid),
which pure-sasl cannot send: what a hostile client of a SASL ensemble sends to
act as a user other than the one whose password it proves."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from puresasl import mechanisms

DIGEST_MD5 = "DIGEST-MD5"


class _AuthzidDigest(mechanisms.DigestMD5Mechanism):  # type: ignore[misc]
    authzid = b""

    def response(self) -> bytes:
        reply: bytes = super().response()
        return reply + b",authzid=" + mechanisms.quote(self.authzid)

    def gen_hash(self, a2: bytes) -> bytes:
        """pure-sasl's response hash, with the authzid in A1 as RFC 2831 puts it."""
        to_bytes = mechanisms.to_bytes
        key = b":".join(to_bytes(part) for part in (self.username, self.realm, self.password))
        self.key_hash = hashlib.md5(key).digest()
        a1 = hashlib.md5(self.key_hash + b":" + self.nonce + b":" + self.cnonce)
        a1.update(b":" + self.authzid)
        parts = [
            a1.hexdigest().encode(),
            self.nonce,
            b"%08x" % self.nc,
            self.cnonce,
            self.qop,
            hashlib.md5(a2).hexdigest().encode(),
        ]
        return hashlib.md5(b":".join(parts)).hexdigest().encode()


@contextmanager
def asking_for(authzid: str) -> Iterator[None]:
    """Within it, every DIGEST-MD5 exchange of pure-sasl (so kazoo's) asks to act as `authzid`."""
    original = mechanisms.mechanisms[DIGEST_MD5]
    mechanisms.mechanisms[DIGEST_MD5] = type(
        "AuthzidDigest", (_AuthzidDigest,), {"authzid": authzid.encode()}
    )
    try:
        yield
    finally:
        mechanisms.mechanisms[DIGEST_MD5] = original
