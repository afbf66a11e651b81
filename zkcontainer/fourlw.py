"""A four-letter-word client on raw sockets: bounded in time, read to EOF, failures named.

This module sits on the probe path, which Kubernetes runs every few seconds in
every pod: it imports only C modules (`_socket`, `_thread`, `_signal`, `errno`,
`time`) and nothing that pulls in `socket`, `enum`, `re` or `typing`.
"""

import _socket
import _thread
import errno
import time

from zkcontainer import ProbeError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _ssl
    import signal as _signal
    from collections.abc import Callable, Sequence
else:  # typeshed has no stub for _signal, the C module behind signal
    import _signal

DEFAULT_MAX_REPLY = 4 * 1024 * 1024  # mntr is a few KiB; anything near this is not ZooKeeper

_RESET_ERRNOS = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN, errno.ECONNABORTED})

NOT_SERVING = "This ZooKeeper instance is not currently serving requests"
# ZooKeeper's whole reply to a word it does not allow is "<word>" + this + "\n".
NOT_WHITELISTED_SUFFIX = " is not executed because it is not in the whitelist."

# The files of a kubernetes.io/tls Secret, and the stores start-zookeeper writes
# from them (zkcontainer.tls). Named here, on the probe path, because the probes
# read them too, and zkcontainer.tls is no module for a probe to import.
CERT_FILE = "tls.crt"
KEY_FILE = "tls.key"
CA_FILE = "ca.crt"
KEY_STORE = "keystore.pem"
TRUST_STORE = "truststore.pem"
# With --tls_client_ca: what the client port trusts, ca.crt's CAs and the clients' CAs.
CLIENT_TRUST_STORE = "client-truststore.pem"

# (family, type, proto, sockaddr): what _socket.socket and connect need.
Address = tuple[int, int, int, tuple[object, ...]]


def send_word(
    word: str,
    host: str = "127.0.0.1",
    port: int = 2181,
    timeout: float = 1.0,
    max_reply: int = DEFAULT_MAX_REPLY,
    *,
    deadline: float | None = None,
    tls_dir: str | None = None,
    context: "_ssl._SSLContext | None" = None,
) -> str:
    """Send `word`, half-close, read the reply to EOF within `timeout` seconds overall.

    `deadline` (a time.monotonic() value) replaces `timeout` for a caller
    that spends one budget on more than this exchange. It bounds name
    resolution too, and trying each address the name has, in the resolver's
    order, until one accepts. ZooKeeper closes the connection after replying,
    so EOF marks the end of the reply; a single recv would truncate a large mntr.

    `tls_dir` (see tls_context) makes it speak TLS; so does `context`, one
    made by the caller for many exchanges.
    """
    if deadline is None:
        deadline = time.monotonic() + timeout
    where = address_label(host, port)
    # Certificates first: unusable ones are a bad argument, whatever the server does.
    if tls_dir is not None:
        context = tls_context(tls_dir)
    sock = connect(resolve(host, port, deadline, where), deadline, where)
    try:
        if context is None:
            reply = _exchange(sock, word, deadline=deadline, max_reply=max_reply, where=where)
        else:
            reply = _tls_exchange(
                sock, word, context=context, deadline=deadline, max_reply=max_reply, where=where
            )
    finally:
        sock.close()
    text = reply.decode("utf-8", "replace")
    _raise_for_refusal(word, text, where)
    return text


def address_label(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def local_address(listening: str | None) -> str:
    """Where a client on this machine reaches a server listening on `listening`:
    the loopback of its family when that is every address (or none was named),
    however it is spelt (ZooKeeper writes :: as 0:0:0:0:0:0:0:0)."""
    if not listening:
        return "127.0.0.1"
    for family, loopback in ((_socket.AF_INET, "127.0.0.1"), (_socket.AF_INET6, "::1")):
        try:
            packed = _socket.inet_pton(family, listening)
        except OSError:  # not an address of this family (a name, or the other family)
            continue
        return loopback if not any(packed) else listening
    return listening


def numeric_address(host: str, port: int) -> Address | None:
    """The address of an IPv4 dotted quad or an IPv6 address (with %scope), else None.

    AI_NUMERICHOST keeps the resolver out of it. inet_pton first, because
    getaddrinfo also takes inet_aton's legacy forms ("1" is 0.0.0.1), which
    are far likelier a mistake than an address.
    """
    if not host.isascii() or "\0" in host:
        return None
    for kind, text in ((_socket.AF_INET, host), (_socket.AF_INET6, host.partition("%")[0])):
        try:
            _socket.inet_pton(kind, text)
        except OSError:
            continue
        try:
            infos = _socket.getaddrinfo(
                host.encode("ascii"), port, kind, _socket.SOCK_STREAM, 0, _socket.AI_NUMERICHOST
            )
        except OSError:
            return None  # an IPv6 address with an unknown %scope
        family, socktype, proto, _, sockaddr = infos[0]
        return family, socktype, proto, sockaddr
    return None


def resolve(host: str, port: int, deadline: float, where: str) -> list[Address]:
    """The addresses to try, in the resolver's order, found before `deadline` or a ProbeError."""
    numeric = numeric_address(host, port)
    if numeric is not None:
        return [numeric]
    # glibc's getaddrinfo cannot be interrupted and retries a silent DNS server
    # for timeout x attempts per nameserver (5 s x 2 by default), far beyond
    # any probe's budget: it runs in a thread we stop waiting for.
    outcome: list[Sequence[tuple[int, int, int, str, tuple[object, ...]]] | Exception] = []
    done = _thread.allocate_lock()
    done.acquire()

    def lookup() -> None:
        try:
            # Signals are for the main thread: a SIGALRM that bounds a write
            # there must not land on this one, blocked in getaddrinfo.
            _signal.pthread_sigmask(_signal.SIG_BLOCK, _signal.valid_signals())
            # An ASCII name goes in as bytes: given str, _socket encodes it with
            # the idna codec, whose import (re, stringprep, unicodedata) costs
            # more than the probe.
            name = host.encode("ascii") if host.isascii() else host.encode("idna")
            outcome.append(_socket.getaddrinfo(name, port, 0, _socket.SOCK_STREAM))
        except (OSError, UnicodeError) as error:
            outcome.append(error)
        finally:
            done.release()

    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ProbeError("timed out", f"{where}: before resolving {host}")
    try:
        _thread.start_new_thread(lookup, ())
    except RuntimeError as error:  # the pod's thread limit reached
        raise ProbeError("unreachable", f"{where}: cannot resolve {host}: {error}") from error
    if not done.acquire(timeout=remaining):
        raise ProbeError("timed out", f"{where}: resolving {host}")
    result = outcome[0]
    if isinstance(result, Exception):
        raise ProbeError("unreachable", f"{where}: cannot resolve {host}: {result}") from result
    return [(family, socktype, proto, sockaddr) for family, socktype, proto, _, sockaddr in result]


def connect(addresses: "Sequence[Address]", deadline: float, where: str) -> _socket.socket:
    """A socket connected to the first of `addresses` that accepts, as
    socket.create_connection tries them, but within the one deadline.

    "localhost" is often ::1 first and 127.0.0.1 second, and a server may
    listen on only one of them. The last failure is the one reported.
    """
    failure = ProbeError("unreachable", f"{where}: no address to connect to")
    for family, socktype, proto, address in addresses:
        try:
            sock = _socket.socket(family, socktype, proto)
        except OSError as error:  # e.g. an IPv6 address where the kernel has no IPv6
            failure = ProbeError("unreachable", f"{where}: {error.strerror or error}")
            continue
        try:
            sock.settimeout(_remaining(deadline))
            sock.connect(address)
        except OSError as error:
            sock.close()
            failure = _named(error, where, "connecting")
            if failure.reason == "timed out":
                break  # the deadline has passed: no time for another address
            continue
        return sock
    raise failure


def _exchange(
    sock: _socket.socket,
    word: str,
    *,
    deadline: float,
    max_reply: int,
    where: str,
) -> bytes:
    phase = f"sending {word}"
    try:
        sock.settimeout(_remaining(deadline))
        sock.sendall(word.encode("ascii"))
        sock.shutdown(_socket.SHUT_WR)
        phase = f"waiting for the reply to {word}"
        return _read_to_eof(
            lambda: sock.recv(65536),
            sock,
            deadline=deadline,
            max_reply=max_reply,
            word=word,
            where=where,
        )
    except OSError as error:
        raise _named(error, where, phase) from error


def _read_to_eof(
    read: "Callable[[], bytes]",
    sock: _socket.socket,
    *,
    deadline: float,
    max_reply: int,
    word: str,
    where: str,
) -> bytes:
    """What `read` returns until it returns nothing, each call within the deadline."""
    chunks: list[bytes] = []
    received = 0
    while True:
        sock.settimeout(_remaining(deadline))
        chunk = read()
        if not chunk:
            return b"".join(chunks)
        received += len(chunk)
        if received > max_reply:
            raise ProbeError("too large", f"{where}: reply to {word} exceeds {max_reply} bytes")
        chunks.append(chunk)


def tls_context(tls_dir: str) -> "_ssl._SSLContext":
    """A client context with `tls_dir`'s certificate and key, trusting its CAs alone.

    `tls_dir` is start-zookeeper's store directory (`keystore.pem` with key and
    chain, `truststore.pem`), which only ever holds material it checked, so a
    bad renewal cannot fail the probes; or a Secret's mount, read through its
    `..data` symlink so that the certificate and key come from one version.
    `_ssl` is the C module behind `ssl`, which would import socket, enum and
    more on top; it is loaded only here, when the plaintext port is off.
    """
    if _regular_file(tls_dir + "/" + KEY_STORE) is not None:
        names = (KEY_STORE, KEY_STORE, TRUST_STORE)
        base = tls_dir
    else:
        names = (CERT_FILE, KEY_FILE, CA_FILE)
        base = _one_version(tls_dir)
    cert, key, ca = (base + "/" + name for name in names)
    return context_from_files(cert, key, ca, named=f"--tls_dir={tls_dir}", shown=names)


def context_from_files(
    cert: str, key: str, ca: str, *, named: str, shown: "Sequence[str]"
) -> "_ssl._SSLContext":
    """A client context presenting `cert` and `key`, trusting `ca`'s CAs alone;
    a file that will not load is a UsageError naming `named` and `shown`."""
    import _ssl  # noqa: PLC0415

    context = _ssl._SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
    # Peers are asked by address or by the names in zoo.cfg: the chain is
    # verified against the CAs, the name is not (certificates name DNS names).
    context.check_hostname = False
    try:
        for path in dict.fromkeys((cert, key, ca)):
            if _regular_file(path) is False:
                raise OSError(0, f"{path} is not a regular file")
        # A callable, so that an encrypted key fails here instead of prompting on a terminal.
        context.load_cert_chain(cert, key, lambda: b"")
        context.load_verify_locations(ca)
    except OSError as error:  # _ssl.SSLError is one
        detail = error.strerror or str(error)
        files = ", ".join(dict.fromkeys(shown))
        raise UsageError(f"{named}: cannot load {files}: {detail}") from None
    return context


def _regular_file(path: str) -> bool | None:
    """Whether `path` is a regular file (stat never blocks on a FIFO); None if absent."""
    import posix  # noqa: PLC0415  (built in: os without the module file)

    try:
        return posix.stat(path).st_mode & 0o170000 == 0o100000
    except FileNotFoundError:
        return None
    except OSError:
        return False


def _one_version(secret_dir: str) -> str:
    """The directory `..data` points at now (Kubernetes swaps that link at each update)."""
    import posix  # noqa: PLC0415

    try:
        target = posix.readlink(secret_dir + "/..data")
    except OSError:
        return secret_dir  # not a Secret volume: the files as they are
    return target if target.startswith("/") else secret_dir + "/" + target


def _tls_exchange(
    sock: _socket.socket,
    word: str,
    *,
    context: "_ssl._SSLContext",
    deadline: float,
    max_reply: int,
    where: str,
) -> bytes:
    """`word` over TLS: no half-close (TLS has none); ZooKeeper closes after its reply."""
    import _ssl  # noqa: PLC0415  (loaded already by tls_context)

    phase = "handshaking"
    # _ssl keeps a weak reference to its socket, which _socket.socket cannot have.
    raw = _WeakSocket(sock.family, sock.type, sock.proto, sock.detach())
    try:
        raw.settimeout(_remaining(deadline))
        # What ssl.SSLContext.wrap_socket calls; typeshed leaves it out as private.
        tls_sock = context._wrap_socket(raw, False, None)  # type: ignore[attr-defined]
        tls_sock.do_handshake()
        phase = f"sending {word}"
        tls_sock.write(word.encode("ascii"))
        phase = f"waiting for the reply to {word}"

        def read() -> bytes:
            try:
                return bytes(tls_sock.read(65536))
            except (_ssl.SSLZeroReturnError, _ssl.SSLEOFError):
                return b""  # close_notify, or a close without it: the reply's end either way

        return _read_to_eof(
            read, raw, deadline=deadline, max_reply=max_reply, word=word, where=where
        )
    except _ssl.SSLError as error:
        reason = getattr(error, "reason", None) or str(error)
        raise ProbeError("tls failed", f"{where}: {phase}: {reason}") from error
    except OSError as error:
        raise _named(error, where, phase) from error
    finally:
        raw.close()


class _WeakSocket(_socket.socket):
    __slots__ = ("__weakref__",)


def _named(error: OSError, where: str, phase: str) -> ProbeError:
    if isinstance(error, TimeoutError):
        return ProbeError("timed out", f"{where}: {phase}")
    if isinstance(error, ConnectionRefusedError):
        return ProbeError("refused", f"{where}: nothing listens there")
    # A peer that resets early shows as EPIPE or ENOTCONN while we still send.
    if error.errno in _RESET_ERRNOS:
        return ProbeError("reset", f"{where}: connection reset while {phase}")
    return ProbeError("unreachable", f"{where}: {phase}: {error.strerror or error}")


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    return remaining


def _raise_for_refusal(word: str, reply: str, where: str) -> None:
    """ZooKeeper's two polite refusals become named failures: the whole reply,
    not a reply that ends like one (a mntr value could)."""
    if reply.strip() == word + NOT_WHITELISTED_SUFFIX:
        raise ProbeError(
            "not whitelisted",
            f"{where}: {word} is not in 4lw.commands.whitelist "
            "(start-zookeeper --four_letter_words)",
        )
    if reply.strip() == NOT_SERVING:
        raise ProbeError("not serving", f"{where}: {NOT_SERVING}")


def find_value(reply: str, key: str, separator: str = "\t") -> str | None:
    """The value on the first line that starts with `key` and `separator`, else None.

    Readiness needs two keys of a reply that may be megabytes: str.find looks
    for them in C, where parsing every line would outlast the deadline.
    """
    marker = key + separator
    if reply.startswith(marker):
        start = len(marker)
    else:
        start = reply.find("\n" + marker)
        if start < 0:
            return None
        start += 1 + len(marker)
    end = reply.find("\n", start)
    return reply[start : end if end >= 0 else len(reply)].strip()


def parse_lines(reply: str) -> dict[str, str]:
    """mntr's `key<TAB>value` lines as a dict (srvr's `Key: value` lines too)."""
    values: dict[str, str] = {}
    for line in reply.splitlines():
        key, tab, value = line.partition("\t")
        if not tab:
            key, colon, value = line.partition(": ")
            if not colon:
                continue
        values[key.strip()] = value.strip()
    return values
