"""Private keys as ZooKeeper reads them: PKCS#8, RSA or EC on a curve Java's TLS uses."""

from __future__ import annotations

from zkcontainer.tls import TlsProblem
from zkcontainer.tls.der import (
    BIT_STRING,
    INTEGER,
    NULL,
    OCTET_STRING,
    OID,
    SEQUENCE,
    Element,
    children,
    encode,
    malformed,
    one,
)
from zkcontainer.tls.pem import pem_blocks

# Object identifiers, as their DER encodings.
RSA_ENCRYPTION = bytes.fromhex("06092a864886f70d010101")  # 1.2.840.113549.1.1.1
_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
# The curves Java's TLS (21) negotiates; secp256k1 and the like load, then fail every handshake.
_CURVES = {
    bytes.fromhex("06082a8648ce3d030107"): "P-256",
    bytes.fromhex("06052b81040022"): "P-384",
    bytes.fromhex("06052b81040023"): "P-521",
}


def pkcs8_key(text: str) -> bytes:
    """The one private key in `text` (PKCS#8, PKCS#1 RSA or SEC1 EC), as unencrypted PKCS#8 DER.

    PKCS#8 is what ZooKeeper's PEM reader takes (it fails on the others with
    "algid parse error"); RSA and EC are the algorithms it tries.
    """
    keys = [block for block in pem_blocks(text) if block.label.endswith("PRIVATE KEY")]
    if not keys:
        raise TlsProblem("holds no PEM private key")
    if len(keys) > 1:
        raise TlsProblem(f"holds {len(keys)} private keys, not one")
    key = keys[0]
    if key.encrypted or key.label == "ENCRYPTED PRIVATE KEY":
        raise TlsProblem("holds an encrypted private key; ZooKeeper needs it unencrypted")
    if key.label == "PRIVATE KEY":
        return _checked_pkcs8(key.der)
    if key.label == "RSA PRIVATE KEY":
        return _rsa_pkcs8(key.der)
    if key.label == "EC PRIVATE KEY":
        return _pkcs8(_ec_algorithm(key.der), key.der)
    raise TlsProblem(f"holds a {key.label}; ZooKeeper reads RSA and EC keys only")


@malformed("RSA private key (PKCS#1)")
def _rsa_pkcs8(pkcs1: bytes) -> bytes:
    one(pkcs1, SEQUENCE, "an RSA private key (PKCS#1)")
    return _pkcs8(encode(SEQUENCE, RSA_ENCRYPTION + NULL), pkcs1)


def _pkcs8(algorithm: bytes, private_key: bytes) -> bytes:
    version = encode(INTEGER, b"\x00")
    return encode(SEQUENCE, version + algorithm + encode(OCTET_STRING, private_key))


@malformed("EC private key (SEC1)")
def _ec_algorithm(sec1: bytes) -> bytes:
    """SEC1's ECPrivateKey names its curve in [0] parameters; PKCS#8 moves it to the algorithm."""
    fields = children(one(sec1, SEQUENCE, "an EC private key (SEC1)").content)
    for field in fields[2:]:
        if field.tag == 0xA0:
            curve = one(field.content, OID, "a named curve")
            _checked_curve(curve)
            return encode(SEQUENCE, _EC_PUBLIC_KEY + curve.encoded)
    raise TlsProblem("holds an EC private key without its curve; ZooKeeper needs a named curve")


def _checked_curve(curve: Element) -> None:
    if curve.encoded not in _CURVES:
        raise TlsProblem(
            "holds an EC key on a curve Java's TLS does not use; ZooKeeper needs "
            "P-256, P-384 or P-521 (cert-manager: privateKey.size 256, 384 or 521)"
        )


@malformed("private key")
def public_key_of(pkcs8: bytes) -> bytes:
    """What identifies the key's public half, comparable with `Certificate.public_key`:
    an RSA key's modulus and exponent, an EC key's point."""
    fields = children(one(pkcs8, SEQUENCE, "a PKCS#8 private key").content)
    algorithm = children(fields[1].content)[0].encoded
    inner = children(one(fields[2].content, SEQUENCE, "a private key").content)
    if algorithm == RSA_ENCRYPTION:  # version, modulus, public exponent, ...
        return inner[1].encoded + inner[2].encoded
    for field in inner[2:]:  # SEC1: version, private key, [0] curve, [1] public key
        if field.tag == 0xA1:
            return one(field.content, BIT_STRING, "an EC public key").content
    raise TlsProblem("holds an EC private key without its public key")


@malformed("PKCS#8 private key")
def _checked_pkcs8(der: bytes) -> bytes:
    fields = children(one(der, SEQUENCE, "a PKCS#8 private key").content)
    if len(fields) < 3 or fields[1].tag != SEQUENCE:
        raise TlsProblem("holds a malformed PKCS#8 private key")
    algorithm_fields = children(fields[1].content)
    if not algorithm_fields:  # an empty AlgorithmIdentifier
        raise TlsProblem("holds a malformed PKCS#8 private key")
    algorithm = algorithm_fields[0].encoded
    if algorithm not in (RSA_ENCRYPTION, _EC_PUBLIC_KEY):
        raise TlsProblem(
            "holds a key that is neither RSA nor EC (Ed25519, DSA); ZooKeeper's TLS "
            "takes only those two"
        )
    if algorithm == _EC_PUBLIC_KEY:
        curve = algorithm_fields[1] if len(algorithm_fields) > 1 else None
        if curve is None or curve.tag != OID:
            raise TlsProblem("holds an EC private key without a named curve")
        _checked_curve(curve)
    return der
