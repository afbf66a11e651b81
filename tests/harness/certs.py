"""Certificates made at test time, and Secrets laid out as the kubelet mounts them.

No key is ever committed: a CA and its leaves are made here with `cryptography`,
in the encodings cert-manager writes (PKCS#1 for RSA by default, SEC1 for EC
when asked for it, PKCS#8).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from kazoo.client import KazooClient
from kazoo.retry import KazooRetry

from tests.harness.clients import started

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
DAY = datetime.timedelta(days=1)

# How each key encoding is written: PEM label -> cryptography's format.
ENCODINGS = {
    "pkcs1": serialization.PrivateFormat.TraditionalOpenSSL,  # RSA: BEGIN RSA PRIVATE KEY
    "sec1": serialization.PrivateFormat.TraditionalOpenSSL,  # EC: BEGIN EC PRIVATE KEY
    "pkcs8": serialization.PrivateFormat.PKCS8,  # BEGIN PRIVATE KEY
}


def new_key(kind: str) -> PrivateKey:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def key_pem(key: PrivateKey, encoding: str) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, ENCODINGS[encoding], serialization.NoEncryption()
    ).decode()


def cert_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass
class Authority:
    key: PrivateKey
    certificate: x509.Certificate

    @classmethod
    def make(cls, name: str = "zkcontainer test CA", *, expired: bool = False) -> Authority:
        key = new_key("ec")
        now = datetime.datetime.now(datetime.UTC) - (400 * DAY if expired else 0 * DAY)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - DAY)
            .not_valid_after(now + 365 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            # As cert-manager's CAs have it, and their leaves the matching authority key id.
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate)

    @property
    def pem(self) -> str:
        return cert_pem(self.certificate)

    def issue(
        self,
        names: list[str],
        key: PrivateKey | None = None,
        *,
        usages: list[x509.ObjectIdentifier] | None = None,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
    ) -> tuple[PrivateKey, x509.Certificate]:
        """A leaf for DNS names and IP addresses, with cert-manager's usages by default
        (serverAuth and clientAuth); `usages=[]` leaves the extension out."""
        key = key or new_key("rsa")
        now = datetime.datetime.now(datetime.UTC)
        alternative: list[x509.GeneralName] = []
        for name in names:
            try:
                alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alternative.append(x509.DNSName(name))
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - DAY)
            .not_valid_after(not_after or now + 90 * DAY)
            .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
        )
        if usages is None:
            usages = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
        if usages:
            builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        return key, builder.sign(self.key, hashes.SHA256())

    def secret(
        self, names: list[str], kind: str = "rsa", encoding: str = "pkcs1", **issue: object
    ) -> dict[str, str]:
        """The three files of a kubernetes.io/tls Secret as cert-manager writes them."""
        key, certificate = self.issue(names, new_key(kind), **issue)  # type: ignore[arg-type]
        return {
            "tls.crt": cert_pem(certificate),
            "tls.key": key_pem(key, encoding),
            "ca.crt": self.pem,
        }


def mount_secret(directory: Path, files: dict[str, str]) -> None:
    """Write (or update) `files` into `directory` as the kubelet does for a Secret volume.

    Each version is a timestamped directory; `..data` points at it and every
    file is a symlink through `..data`. An update writes a new version and
    swaps `..data` by a rename, so a reader sees the old files or the new
    ones, never a mix; then the old version goes.
    """
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o755)
    version = f"..{time.strftime('%Y_%m_%d_%H_%M_%S')}.{time.monotonic_ns()}"
    (directory / version).mkdir(mode=0o755)
    for name, text in files.items():
        path = directory / version / name
        path.write_text(text)
        path.chmod(0o644)  # the Secret volume's defaultMode, 0644
    data = directory / "..data"
    previous = os.readlink(data) if data.is_symlink() else None
    temporary = directory / "..data_tmp"
    temporary.symlink_to(version)
    temporary.rename(data)
    for name in files:
        link = directory / name
        if not link.is_symlink():
            link.symlink_to(f"..data/{name}")
    if previous is not None:
        for name in os.listdir(directory / previous):
            (directory / previous / name).unlink()
        (directory / previous).rmdir()


def tls_ruok(address: str, port: int, secret: Path, with_certificate: bool) -> x509.Certificate:
    """ruok over TLS, trusting the Secret's ca.crt and presenting its certificate when
    asked to: the server's certificate, or the error with which it refused us."""
    context = ssl.create_default_context(cafile=str(secret / "ca.crt"))
    context.check_hostname = False
    if with_certificate:
        context.load_cert_chain(str(secret / "tls.crt"), str(secret / "tls.key"))
    with (
        socket.create_connection((address, port), timeout=5) as raw,
        context.wrap_socket(raw) as sock,
    ):
        sock.sendall(b"ruok")
        reply = sock.recv(4)  # TLS 1.3: a refused certificate shows only here
        if reply != b"imok":
            raise ConnectionResetError(f"ruok answered {reply!r}")
        der = sock.getpeercert(binary_form=True)
        assert der is not None
        return x509.load_der_x509_certificate(der)


def tls_client(hosts: str, secret: Path) -> KazooClient:
    """A kazoo client over TLS with the Secret's certificate, retrying its connection
    forever as an application riding out failover would; not started."""
    return KazooClient(
        hosts=hosts,
        use_ssl=True,
        certfile=str(secret / "tls.crt"),
        keyfile=str(secret / "tls.key"),  # PKCS#1 and SEC1 are fine for Python
        ca=str(secret / "ca.crt"),
        verify_certs=True,
        timeout=10,
        connection_retry=KazooRetry(max_tries=-1, delay=0.1, max_delay=1),
    )


def tls_kazoo(hosts: str, secret: Path) -> AbstractContextManager[KazooClient]:
    """tls_client, started, and stopped afterwards."""
    return started(tls_client(hosts, secret), 30)
