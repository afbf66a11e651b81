"""TLS material for ZooKeeper from a kubernetes.io/tls Secret, checked before the exec.

ZooKeeper's PEM reader takes one key store file holding a PKCS#8 key and the
certificate chain, and fails on the PKCS#1 (`BEGIN RSA PRIVATE KEY`) keys
cert-manager writes for RSA and on SEC1 (`BEGIN EC PRIVATE KEY`) keys. A bad
key does not stop ZooKeeper from starting: its ports bind and every TLS
connection fails. So start-zookeeper reads the Secret itself (a small DER
reader and writer, standard library only), refuses what ZooKeeper would
choke on with one line per problem, and writes what ZooKeeper reads into a
directory of its own: never the Secret's mount, whose updates ZooKeeper's
file watcher misses (only the `..data` symlink changes).
"""

from __future__ import annotations

import binascii
import datetime
import os
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

CERT_FILE = "tls.crt"
KEY_FILE = "tls.key"
CA_FILE = "ca.crt"
KEY_STORE = "keystore.pem"
# Between rewriting the trust store and the key store, for ZooKeeper's reload of one.
STORE_SETTLE_SECONDS = 2.0
# While a renewed Secret is refused, the log says so again this often.
REMIND_SECONDS = 3600.0
TRUST_STORE = "truststore.pem"
# With --tls_client_ca: what the client port trusts, ca.crt's CAs and the clients' CAs.
CLIENT_TRUST_STORE = "client-truststore.pem"
CLIENT_CA = "--tls_client_ca"  # its text's key among the Secret's, and its name in messages

# Object identifiers, as their DER encodings.
_RSA_ENCRYPTION = bytes.fromhex("06092a864886f70d010101")  # 1.2.840.113549.1.1.1
_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
_EXTENDED_KEY_USAGE = bytes.fromhex("0603551d25")  # 2.5.29.37
_SERVER_AUTH = bytes.fromhex("06082b06010505070301")  # 1.3.6.1.5.5.7.3.1
_CLIENT_AUTH = bytes.fromhex("06082b06010505070302")  # 1.3.6.1.5.5.7.3.2
_ANY_EXTENDED_KEY_USAGE = bytes.fromhex("0604551d2500")  # 2.5.29.37.0
_SUBJECT_KEY_ID = bytes.fromhex("0603551d0e")  # 2.5.29.14
_AUTHORITY_KEY_ID = bytes.fromhex("0603551d23")  # 2.5.29.35
# The curves Java's TLS (21) negotiates; secp256k1 and the like load, then fail every handshake.
_CURVES = {
    bytes.fromhex("06082a8648ce3d030107"): "P-256",
    bytes.fromhex("06052b81040022"): "P-384",
    bytes.fromhex("06052b81040023"): "P-521",
}
# Larger is no certificate file: refused rather than read in part.
MAX_FILE_BYTES = 1 << 20
_NULL = bytes.fromhex("0500")

_SEQUENCE, _INTEGER, _OCTET_STRING, _OID, _BIT_STRING = 0x30, 0x02, 0x04, 0x06, 0x03
_UTC_TIME, _GENERALIZED_TIME = 0x17, 0x18


_T = TypeVar("_T")


class TlsProblem(ValueError):
    """A file of the Secret that ZooKeeper could not use; the message says why."""


# -- DER --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Element:
    tag: int
    content: bytes
    encoded: bytes  # tag, length and content


def _read(data: bytes, offset: int = 0) -> tuple[_Element, int]:
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
    return _Element(tag, data[start:end], data[offset:end]), end


def _children(content: bytes) -> list[_Element]:
    elements, offset = [], 0
    while offset < len(content):
        element, offset = _read(content, offset)
        elements.append(element)
    return elements


def _one(data: bytes, tag: int, what: str) -> _Element:
    element, end = _read(data)
    if element.tag != tag or end != len(data):
        raise TlsProblem(f"not {what}")
    return element


def _encode(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        header = bytes([tag, length])
    else:
        size = length.to_bytes((length.bit_length() + 7) // 8, "big")
        header = bytes([tag, 0x80 | len(size)]) + size
    return header + content


# -- PEM --------------------------------------------------------------------------


@dataclass(frozen=True)
class PemBlock:
    label: str  # CERTIFICATE, PRIVATE KEY, RSA PRIVATE KEY ...
    der: bytes
    encrypted: bool = False  # an OpenSSL "Proc-Type: 4,ENCRYPTED" header


def pem_blocks(text: str) -> list[PemBlock]:
    blocks: list[PemBlock] = []
    label: str | None = None
    body: list[str] = []
    encrypted = False
    for raw in text.splitlines():
        line = raw.strip()
        if label is None:
            if line.startswith("-----BEGIN ") and line.endswith("-----"):
                label, body, encrypted = line[11:-5], [], False
            continue
        if line == f"-----END {label}-----":
            try:
                der = binascii.a2b_base64("".join(body))
            except binascii.Error:
                raise TlsProblem(f"its {label} is not valid base64") from None
            blocks.append(PemBlock(label, der, encrypted))
            label = None
        elif ":" in line:
            encrypted = encrypted or "ENCRYPTED" in line
        else:
            body.append(line)
    if label is not None:
        raise TlsProblem(f"its {label} has no END line")
    return blocks


def pem(label: str, der: bytes) -> str:
    encoded = binascii.b2a_base64(der, newline=False).decode("ascii")
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"


# -- keys -------------------------------------------------------------------------


def _malformed(what: str) -> Callable[[Callable[[bytes], _T]], Callable[[bytes], _T]]:
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


@_malformed("RSA private key (PKCS#1)")
def _rsa_pkcs8(pkcs1: bytes) -> bytes:
    _one(pkcs1, _SEQUENCE, "an RSA private key (PKCS#1)")
    return _pkcs8(_encode(_SEQUENCE, _RSA_ENCRYPTION + _NULL), pkcs1)


def _pkcs8(algorithm: bytes, private_key: bytes) -> bytes:
    version = _encode(_INTEGER, b"\x00")
    return _encode(_SEQUENCE, version + algorithm + _encode(_OCTET_STRING, private_key))


@_malformed("EC private key (SEC1)")
def _ec_algorithm(sec1: bytes) -> bytes:
    """SEC1's ECPrivateKey names its curve in [0] parameters; PKCS#8 moves it to the algorithm."""
    fields = _children(_one(sec1, _SEQUENCE, "an EC private key (SEC1)").content)
    for field in fields[2:]:
        if field.tag == 0xA0:
            curve = _one(field.content, _OID, "a named curve")
            _checked_curve(curve)
            return _encode(_SEQUENCE, _EC_PUBLIC_KEY + curve.encoded)
    raise TlsProblem("holds an EC private key without its curve; ZooKeeper needs a named curve")


def _checked_curve(curve: _Element) -> None:
    if curve.encoded not in _CURVES:
        raise TlsProblem(
            "holds an EC key on a curve Java's TLS does not use; ZooKeeper needs "
            "P-256, P-384 or P-521 (cert-manager: privateKey.size 256, 384 or 521)"
        )


@_malformed("private key")
def public_key_of(pkcs8: bytes) -> bytes:
    """What identifies the key's public half, comparable with `Certificate.public_key`:
    an RSA key's modulus and exponent, an EC key's point."""
    fields = _children(_one(pkcs8, _SEQUENCE, "a PKCS#8 private key").content)
    algorithm = _children(fields[1].content)[0].encoded
    inner = _children(_one(fields[2].content, _SEQUENCE, "a private key").content)
    if algorithm == _RSA_ENCRYPTION:  # version, modulus, public exponent, ...
        return inner[1].encoded + inner[2].encoded
    for field in inner[2:]:  # SEC1: version, private key, [0] curve, [1] public key
        if field.tag == 0xA1:
            return _one(field.content, _BIT_STRING, "an EC public key").content
    raise TlsProblem("holds an EC private key without its public key")


@_malformed("PKCS#8 private key")
def _checked_pkcs8(der: bytes) -> bytes:
    fields = _children(_one(der, _SEQUENCE, "a PKCS#8 private key").content)
    if len(fields) < 3 or fields[1].tag != _SEQUENCE:
        raise TlsProblem("holds a malformed PKCS#8 private key")
    algorithm_fields = _children(fields[1].content)
    if not algorithm_fields:  # an empty AlgorithmIdentifier
        raise TlsProblem("holds a malformed PKCS#8 private key")
    algorithm = algorithm_fields[0].encoded
    if algorithm not in (_RSA_ENCRYPTION, _EC_PUBLIC_KEY):
        raise TlsProblem(
            "holds a key that is neither RSA nor EC (Ed25519, DSA); ZooKeeper's TLS "
            "takes only those two"
        )
    if algorithm == _EC_PUBLIC_KEY:
        curve = algorithm_fields[1] if len(algorithm_fields) > 1 else None
        if curve is None or curve.tag != _OID:
            raise TlsProblem("holds an EC private key without a named curve")
        _checked_curve(curve)
    return der


# -- certificates -----------------------------------------------------------------


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


@_malformed("certificate")
def parse_certificate(der: bytes) -> Certificate:
    parts = _children(_one(der, _SEQUENCE, "a certificate").content)
    if not parts or parts[0].tag != _SEQUENCE:
        raise TlsProblem("holds a malformed certificate")
    tbs = _children(parts[0].content)
    if tbs and tbs[0].tag == 0xA0:  # [0] version; v1 certificates have none
        tbs = tbs[1:]
    if len(tbs) < 6:
        raise TlsProblem("holds a malformed certificate")
    validity = _children(tbs[3].content)
    if len(validity) != 2:
        raise TlsProblem("holds a certificate without a validity period")
    usages = subject_key_id = authority_key_id = None
    for extensions in (part for part in tbs[6:] if part.tag == 0xA3):
        for extension in _children(_one(extensions.content, _SEQUENCE, "extensions").content):
            fields = _children(extension.content)
            if not fields:
                continue
            if fields[0].encoded == _EXTENDED_KEY_USAGE:
                value = _one(fields[-1].content, _SEQUENCE, "an extended key usage")
                usages = frozenset(oid.encoded for oid in _children(value.content))
            elif fields[0].encoded == _SUBJECT_KEY_ID:
                subject_key_id = _one(fields[-1].content, _OCTET_STRING, "a key id").content
            elif fields[0].encoded == _AUTHORITY_KEY_ID:
                ids = _children(_one(fields[-1].content, _SEQUENCE, "a key id").content)
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


def _spki_key(spki: _Element) -> bytes:
    """SubjectPublicKeyInfo's key as public_key_of gives a private key's."""
    algorithm, key = _children(spki.content)
    point = _one(key.encoded, _BIT_STRING, "a public key").content
    if _children(algorithm.content)[0].encoded == _RSA_ENCRYPTION:
        modulus, exponent = _children(_one(point[1:], _SEQUENCE, "an RSA public key").content)
        return modulus.encoded + exponent.encoded
    return point


def _time(element: _Element) -> datetime.datetime:
    text = element.content.decode("ascii", "replace")
    try:
        if element.tag == _UTC_TIME:  # YYMMDDHHMMSSZ, 50-99 meaning 19xx (RFC 5280)
            parsed = datetime.datetime.strptime(text, "%y%m%d%H%M%SZ")
            if parsed.year >= 2050:
                parsed = parsed.replace(year=parsed.year - 100)
        elif element.tag == _GENERALIZED_TIME:
            parsed = datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ")
        else:
            raise ValueError(text)
    except ValueError:
        raise TlsProblem(f"holds a certificate with an unreadable time {text!r}") from None
    return parsed.replace(tzinfo=datetime.UTC)


# -- the Secret, checked and materialized -----------------------------------------


@dataclass(frozen=True)
class Stores:
    """What ZooKeeper reads: the key store (PKCS#8 key, then the chain) and the trust store."""

    key_store: str
    trust_store: str
    leaf: Certificate
    client_authorities: str | None = None  # --tls_client_ca's CAs that ca.crt lacks


def read_secret(directory: str, client_ca: str | None = None) -> dict[str, str]:
    """The three files, read from one version of the Secret, and the `client_ca` file.

    Kubernetes swaps a `..data` symlink to update a Secret: reading through
    its target keeps a key and a certificate from different versions apart.
    """
    data = os.path.join(directory, "..data")
    if os.path.islink(data):
        directory = os.path.realpath(data)
    texts, problems = {}, []
    for name in (CERT_FILE, KEY_FILE, CA_FILE):
        try:
            texts[name] = read_small_file(os.path.join(directory, name))
        except FileNotFoundError:
            problems.append(f"{name} is missing")
        except OSError as error:
            problems.append(f"{name} cannot be read: {error.strerror}")
        except TlsProblem as error:
            problems.append(f"{name} {error}")
    if client_ca is not None:
        try:
            texts[CLIENT_CA] = read_small_file(client_ca)
        except OSError as error:
            problems.append(f"{CLIENT_CA}={client_ca} cannot be read: {error.strerror}")
        except TlsProblem as error:
            problems.append(f"{CLIENT_CA}={client_ca} {error}")
    if problems:
        raise TlsProblem("; ".join(problems))
    return texts


def read_small_file(path: str) -> str:
    """A regular file of at most MAX_FILE_BYTES, as text; never blocks on a FIFO or device."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise TlsProblem("is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise TlsProblem(f"is larger than {MAX_FILE_BYTES >> 20} MiB")
    # A byte-order mark, as some editors save, is no part of PEM (OpenSSL skips it too).
    return data.removeprefix(b"\xef\xbb\xbf").decode("ascii", "replace")


def stores(
    texts: dict[str, str],
    *,
    client_auth_for: str | None,
    now: datetime.datetime | None = None,
) -> Stores:
    """Check the Secret's files and build the stores; TlsProblem naming the file otherwise.

    Everything is checked in memory: the key never touches a disk here.
    `client_auth_for` says what presents the certificate as a client (the
    quorum's TLS, the probes with --client_port=0), None when nothing does.
    """
    problems: list[str] = []
    now = now or datetime.datetime.now(datetime.UTC)
    key = None
    try:
        key = pkcs8_key(texts[KEY_FILE])
    except TlsProblem as error:
        problems.append(f"{KEY_FILE} {error}")
    chain = _read_certificates(CERT_FILE, texts[CERT_FILE], problems)
    if chain:  # the leaf's dates: ZooKeeper's peers check those
        problems += _validity_problems(CERT_FILE, chain[0], now)
    if chain and not chain[0].allows(_SERVER_AUTH):
        problems.append(
            f"{CERT_FILE} lacks the extended key usage serverAuth, which every TLS "
            "server needs (cert-manager: usages: [server auth, client auth])"
        )
    if chain and client_auth_for and not chain[0].allows(_CLIENT_AUTH):
        problems.append(
            f"{CERT_FILE} lacks the extended key usage clientAuth, which {client_auth_for} "
            "needs (cert-manager: usages: [server auth, client auth])"
        )
    authorities = _checked_authorities(CA_FILE, texts[CA_FILE], now, problems)
    client_authorities = None
    if CLIENT_CA in texts:
        known = {ca.der for ca in authorities}
        extra = _checked_authorities(CLIENT_CA, texts[CLIENT_CA], now, problems)
        client_authorities = "".join(pem("CERTIFICATE", c.der) for c in extra if c.der not in known)
    if authorities and chain and not _issued_by(chain, authorities):
        problems.append(
            f"{CERT_FILE} is not issued by a valid CA of {CA_FILE} (directly or through "
            f"the chain in {CERT_FILE}): peers and clients trusting {CA_FILE} refuse it"
        )
    if key is not None and chain:
        problems += _key_problems(key, chain)
    if problems or key is None or not chain:
        raise TlsProblem("\n".join(problems))
    key_store = pem("PRIVATE KEY", key) + "".join(pem("CERTIFICATE", c.der) for c in chain)
    trust_store = "".join(pem("CERTIFICATE", c.der) for c in authorities)
    return Stores(key_store, trust_store, chain[0], client_authorities)


def _key_problems(key: bytes, chain: list[Certificate]) -> list[str]:
    try:
        public_key = public_key_of(key)
    except TlsProblem as error:
        return [f"{KEY_FILE} {error}"]
    if public_key == chain[0].public_key:
        return []
    if any(public_key == c.public_key for c in chain[1:]):
        return [
            f"{CERT_FILE} lists its certificates out of order: the certificate of "
            f"{KEY_FILE} must come first, then the CA certificates that issued it"
        ]
    return [f"{KEY_FILE} does not belong to {CERT_FILE}: key values mismatch"]


def _issued_by(chain: list[Certificate], authorities: list[Certificate]) -> bool:
    """Whether the leaf leads to a CA of ca.crt, through the chain's certificates."""
    if any(ca.der == chain[0].der for ca in authorities):
        return True  # the certificate itself trusted: Java takes a trusted leaf as it is
    current = chain[0]
    for _ in chain:
        if any(ca.issued(current) for ca in authorities):
            return True
        parent = next((c for c in chain[1:] if c.issued(current) and c != current), None)
        if parent is None:
            return False
        current = parent
    return False


def _checked_authorities(
    name: str, text: str, now: datetime.datetime, problems: list[str]
) -> list[Certificate]:
    """ca.crt's CAs, the valid ones only; an expired CA in a bundle beside a valid one
    (an old CA kept through a rollover) is no problem, a bundle of none valid is."""
    found = _read_certificates(name, text, problems)
    valid = [ca for ca in found if not _validity_problems(name, ca, now)]
    if found and not valid:
        problems += _validity_problems(name, found[0], now)
    return valid


def _read_certificates(name: str, text: str, problems: list[str]) -> list[Certificate]:
    """The file's certificates, with a problem recorded when it has none or one unreadable."""
    try:
        found = certificates(text)
    except TlsProblem as error:
        problems.append(f"{name} {error}")
        return []
    if not found:
        problems.append(f"{name} holds no PEM certificate")
    return found


def _validity_problems(name: str, certificate: Certificate, now: datetime.datetime) -> list[str]:
    if now < certificate.not_before:
        return [f"{name} is not valid before {certificate.not_before:%Y-%m-%d %H:%M:%S} UTC"]
    if now > certificate.not_after:
        return [f"{name} expired at {certificate.not_after:%Y-%m-%d %H:%M:%S} UTC"]
    return []


# -- rotation -----------------------------------------------------------------------


def watch(
    secret_dir: str,
    store_dir: str,
    *,
    client_auth_for: str | None,
    interval: float,
    write: Callable[[str, str, int], None],
    keep_going: Callable[[], bool],
    log: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    client_ca: str | None = None,
) -> None:
    """Rewrite the stores whenever the Secret's content changes, until `keep_going` says no.

    A rotated Secret that fails the checks, or a pass that fails for any other
    reason (a full disk), leaves the stores as they were, so a running server
    keeps its working certificate. It says why, again every REMIND_SECONDS
    while that lasts (with the date the served certificate expires), and says
    when the problem is gone.
    """
    last: _Written | None = _current(store_dir)
    checked: dict[str, str] | None = None  # the Secret's files the stores were built from
    said, said_at = "", 0.0
    while keep_going():
        sleep(interval)
        try:
            texts = read_secret(secret_dir, client_ca)
            if texts != checked:  # checked again only when the Secret's bytes change
                last = _rewrite(
                    secret_dir,
                    store_dir,
                    texts,
                    last,
                    client_auth_for=client_auth_for,
                    write=write,
                    log=log,
                    sleep=sleep,
                )
                checked = texts
            problem = ""
        except Exception as error:  # the watcher outlives any one bad pass
            problem = (
                str(error) if isinstance(error, TlsProblem) else f"{type(error).__name__}: {error}"
            )
        if problem and (problem != said or clock() - said_at >= REMIND_SECONDS):
            for line in problem.splitlines():
                log(f"TLS material in {secret_dir} not used: {line}")
            log(f"TLS: still serving the previous certificate, {_served_until(last)}")
            said, said_at = problem, clock()
        elif not problem and said:
            log(f"TLS material in {secret_dir} is usable again")
            said = ""


def _served_until(last: _Written | None) -> str:
    try:
        leaf = certificates(last[0])[0] if last else None
    except (TlsProblem, IndexError):
        leaf = None
    if leaf is None:
        return "whose end of validity is unknown"
    return f"valid until {leaf.not_after:%Y-%m-%d %H:%M:%S} UTC"


def _rewrite(
    secret_dir: str,
    store_dir: str,
    texts: dict[str, str],
    last: _Written | None,
    *,
    client_auth_for: str | None,
    write: Callable[[str, str, int], None],
    log: Callable[[str], None],
    sleep: Callable[[float], None],
) -> _Written:
    """The stores rewritten from the Secret's files where they changed; what they hold now."""
    built = stores(texts, client_auth_for=client_auth_for)
    trust_store = built.trust_store + _previous_authorities(built.trust_store, last)
    client_trust_store = ""
    if built.client_authorities is not None:
        client_trust_store = trust_store + built.client_authorities
    if (built.key_store, trust_store, client_trust_store) == last:
        return last
    # Only what changed: ZooKeeper reloads at each file's change, and reads the key
    # store twice (chain, then key). A renewal under the same CA is then one
    # change, one reload; a new CA gets its trust store first, and its reload time
    # to finish before the key store changes under it.
    if client_trust_store and (last is None or client_trust_store != last[2]):
        write(os.path.join(store_dir, CLIENT_TRUST_STORE), client_trust_store, 0o644)
    if last is None or trust_store != last[1]:
        write(os.path.join(store_dir, TRUST_STORE), trust_store, 0o644)
        if last is not None and built.key_store != last[0]:
            sleep(STORE_SETTLE_SECONDS)
    if last is None or built.key_store != last[0]:
        write(os.path.join(store_dir, KEY_STORE), built.key_store, 0o600)
    log(
        f"TLS material in {secret_dir} changed: key store rewritten, certificate valid "
        f"until {built.leaf.not_after:%Y-%m-%d %H:%M:%S} UTC"
    )
    return (built.key_store, trust_store, client_trust_store)


def _previous_authorities(trust_store: str, last: _Written | None) -> str:
    """The CAs trusted so far that the new ca.crt leaves out, kept for the pod's life:
    the kubelet updates each pod's Secret at its own time, so a member that has the
    new CA still meets members presenting certificates of the old one."""
    if last is None:
        return ""
    new = {block.der for block in pem_blocks(trust_store)}
    try:
        old = [block.der for block in pem_blocks(last[1]) if block.label == "CERTIFICATE"]
    except TlsProblem:
        return ""
    return "".join(pem("CERTIFICATE", der) for der in dict.fromkeys(old) if der not in new)


# What the key store, the trust store and the client trust store ("" if none) hold.
_Written = tuple[str, str, str]


def _current(store_dir: str) -> _Written | None:
    texts = []
    for name in (KEY_STORE, TRUST_STORE, CLIENT_TRUST_STORE):
        try:
            with open(os.path.join(store_dir, name)) as file:
                texts.append(file.read())
        except OSError:
            if name != CLIENT_TRUST_STORE:
                return None
            texts.append("")
    return texts[0], texts[1], texts[2]


def store_paths(store_dir: str) -> Sequence[str]:
    return os.path.join(store_dir, KEY_STORE), os.path.join(store_dir, TRUST_STORE)
