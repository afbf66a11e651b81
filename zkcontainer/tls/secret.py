"""The Secret's files, read from one version of it, checked, and made into ZooKeeper's stores."""

from __future__ import annotations

import datetime
import os
import stat
from dataclasses import dataclass

from zkcontainer.fourlw import CA_FILE, CERT_FILE, KEY_FILE
from zkcontainer.tls import TlsProblem
from zkcontainer.tls.keys import pkcs8_key, public_key_of
from zkcontainer.tls.pem import pem
from zkcontainer.tls.x509 import CLIENT_AUTH, SERVER_AUTH, Certificate, certificates

CLIENT_CA = "--tls_client_ca"  # its text's key among the Secret's, and its name in messages
# Larger is no certificate file: refused rather than read in part.
MAX_FILE_BYTES = 1 << 20


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
    if chain and not chain[0].allows(SERVER_AUTH):
        problems.append(
            f"{CERT_FILE} lacks the extended key usage serverAuth, which every TLS "
            "server needs (cert-manager: usages: [server auth, client auth])"
        )
    if chain and client_auth_for and not chain[0].allows(CLIENT_AUTH):
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
