"""PEM: DER in base64 between BEGIN and END lines, as Secrets carry keys and certificates."""

from __future__ import annotations

import binascii
from dataclasses import dataclass

from zkcontainer.tls import TlsProblem


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
