"""Transaction log files written byte by byte, as ZooKeeper lays them out."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from zkcontainer.txnlog import LOG_MAGIC


def entry(
    zxid: int, checksum_off: bool = False, length: int | None = None, eor: bytes = b"B"
) -> bytes:
    txn = struct.pack(">qiqqi", 1, 1, zxid, 0, 1) + b"payload"
    checksum = zlib.adler32(txn) ^ (1 if checksum_off else 0)
    return struct.pack(">qi", checksum, len(txn) if length is None else length) + txn + eor


def log_file(directory: Path, name: str, *entries: bytes, padding: int = 64) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(struct.pack(">iiq", LOG_MAGIC, 2, 0) + b"".join(entries) + b"\0" * padding)
    return path
