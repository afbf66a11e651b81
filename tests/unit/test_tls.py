"""TLS material: key conversion, the checks start-zookeeper makes before the exec, rotation."""

from __future__ import annotations

import contextlib
import datetime
import os
import pty
import signal
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import hypothesis
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import strategies as st

from tests.harness.certs import DAY, Authority, cert_pem, key_pem, mount_secret, new_key
from zkcontainer import UsageError, fourlw, metrics, ready
from zkcontainer.settings import load_settings
from zkcontainer.start import client_auth_for, main
from zkcontainer.tls import TlsProblem
from zkcontainer.tls.keys import pkcs8_key
from zkcontainer.tls.pem import pem, pem_blocks
from zkcontainer.tls.rotation import REMIND_SECONDS, STORE_SETTLE_SECONDS, watch
from zkcontainer.tls.secret import MAX_FILE_BYTES, Stores, read_secret, stores
from zkcontainer.tls.x509 import certificates

NAMES = ["*.zk-hs.default.svc.cluster.local", "localhost", "127.0.0.1"]


@pytest.fixture(autouse=True)
def no_start_gate() -> Iterator[None]:
    """These starts are about the stores: the empty volumes of members whose peers do
    not exist here would wait at the start gate (tests/container/test_start_gate_container.py)."""
    with mock.patch("zkcontainer.start.pass_start_gate"):
        yield


@pytest.fixture(scope="module")
def ca() -> Authority:
    return Authority.make()


@pytest.mark.parametrize(
    ("kind", "encoding", "label"),
    [
        ("rsa", "pkcs1", "BEGIN RSA PRIVATE KEY"),  # cert-manager's default for RSA
        ("rsa", "pkcs8", "BEGIN PRIVATE KEY"),
        ("ec", "sec1", "BEGIN EC PRIVATE KEY"),
        ("ec", "pkcs8", "BEGIN PRIVATE KEY"),
    ],
)
def test_every_key_encoding_becomes_the_same_key_as_pkcs8(
    kind: str, encoding: str, label: str
) -> None:
    key = new_key(kind)
    text = key_pem(key, encoding)
    assert label in text
    converted = serialization.load_der_private_key(pkcs8_key(text), password=None)
    assert converted.private_numbers() == key.private_numbers()  # type: ignore[union-attr]
    expected = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    if kind == "rsa":  # EC PKCS#8 may or may not repeat the curve inside; both are valid
        assert pkcs8_key(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "holds no PEM private key"),
        (key_pem(new_key("ed25519"), "pkcs8"), "neither RSA nor EC"),
        (
            new_key("rsa")
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"pw"),
            )
            .decode(),
            "encrypted private key",
        ),
        (
            new_key("rsa")
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.BestAvailableEncryption(b"pw"),
            )
            .decode(),
            "encrypted private key",
        ),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "PKCS#8"),
        ("-----BEGIN PRIVATE KEY-----\nMIIB\n", "no END line"),
        # An empty AlgorithmIdentifier: once an IndexError that stopped the watcher.
        ("-----BEGIN PRIVATE KEY-----\nMAcCAQAwAAQA\n-----END PRIVATE KEY-----\n", "PKCS#8"),
    ],
    ids=[
        "empty",
        "ed25519",
        "pkcs8-encrypted",
        "pkcs1-encrypted",
        "garbage",
        "unterminated",
        "no-algorithm",
    ],
)
def test_keys_zookeeper_cannot_read_are_refused(text: str, why: str) -> None:
    with pytest.raises(TlsProblem, match=why):
        pkcs8_key(text)


QUORUM = "the quorum's TLS"


def built(files: dict[str, str], client_auth_for: str | None = QUORUM, **kwargs: object) -> Stores:
    return stores(files, client_auth_for=client_auth_for, **kwargs)  # type: ignore[arg-type]


def test_the_key_store_is_the_pkcs8_key_then_the_chain(ca: Authority) -> None:
    files = ca.secret(NAMES, "rsa", "pkcs1")
    made = built(files)
    blocks = pem_blocks(made.key_store)
    assert [b.label for b in blocks] == ["PRIVATE KEY", "CERTIFICATE"]
    assert pem_blocks(made.trust_store)[0].der == pem_blocks(files["ca.crt"])[0].der


def test_every_problem_of_a_secret_is_named_at_once(ca: Authority) -> None:
    now = datetime.datetime.now(datetime.UTC)
    _, expired = ca.issue(NAMES, not_before=now - 10 * DAY, not_after=now - DAY)
    files = {"tls.crt": cert_pem(expired), "tls.key": "nothing", "ca.crt": ""}
    with pytest.raises(TlsProblem) as error:
        built(files)
    lines = str(error.value).splitlines()
    assert lines[0] == "tls.key holds no PEM private key"
    assert lines[1].startswith("tls.crt expired at ")
    assert lines[2] == "ca.crt holds no PEM certificate"


def test_a_key_of_another_certificate_is_refused(ca: Authority) -> None:
    files = ca.secret(NAMES)
    files["tls.key"] = key_pem(new_key("rsa"), "pkcs1")
    with pytest.raises(TlsProblem, match=r"tls.key does not belong to tls.crt: .*mismatch"):
        built(files)


def test_a_certificate_not_yet_valid_is_refused(ca: Authority) -> None:
    now = datetime.datetime.now(datetime.UTC)
    files = ca.secret(NAMES, not_before=now + DAY, not_after=now + 2 * DAY)
    with pytest.raises(TlsProblem, match=r"tls\.crt is not valid before "):
        built(files)


def test_the_quorum_needs_client_auth_and_clients_do_not(ca: Authority) -> None:
    files = ca.secret(NAMES, usages=[ExtendedKeyUsageOID.SERVER_AUTH])
    with pytest.raises(TlsProblem, match="lacks the extended key usage clientAuth"):
        built(files, QUORUM)
    built(files, None)
    built(ca.secret(NAMES, usages=[]), QUORUM)  # no extension: any usage


def start(tmp_path: Path, *flags: str) -> list[str]:
    return [
        "--hostname=zk-0",
        "--domain=zk-hs.default.svc.cluster.local",
        f"--data_dir={tmp_path}/data",
        f"--data_log_dir={tmp_path}/datalog",
        f"--conf_dir={tmp_path}/conf",
        f"--log_dir={tmp_path}",
        *flags,
    ]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "tls.crt is missing; tls.key is missing; ca.crt is missing"),
        ({"tls.key": None}, "tls.key is not a regular file"),
        ({"tls.crt": "x"}, "tls.crt holds no PEM certificate"),
    ],
    ids=["empty", "unreadable", "not-pem"],
)
def test_start_refuses_a_bad_secret_in_one_line_and_writes_nothing(
    ca: Authority,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str | None],
    message: str,
) -> None:
    secret = tmp_path / "secret"
    if files:
        mount_secret(secret, {**ca.secret(NAMES), **{k: v for k, v in files.items() if v}})
        for name in (k for k, v in files.items() if v is None):
            (secret / name).unlink()
            (secret / "..data" / name).unlink()
            (secret / "..data" / name).mkdir()
    else:
        secret.mkdir()
    with mock.patch("os.execve") as execve:
        code = main(start(tmp_path, f"--tls_dir={secret}", "--servers=3"))
    err = capsys.readouterr().err
    assert code == 1
    assert err == f"start-zookeeper: --tls_dir={secret}: {message}\n"
    assert not (tmp_path / "conf").exists()
    execve.assert_not_called()


def test_start_writes_the_stores_and_never_points_zookeeper_at_the_secret(
    ca: Authority, tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    mount_secret(secret, ca.secret(NAMES, "ec", "sec1"))
    with (
        mock.patch("os.execve") as execve,
        mock.patch("zkcontainer.children.start_tls_watcher") as watcher,
    ):
        main(start(tmp_path, f"--tls_dir={secret}", "--servers=3"))
    execve.assert_called_once()
    watcher.assert_called_once()
    key_store = tmp_path / "conf" / "tls" / "keystore.pem"
    assert stat.S_IMODE(key_store.stat().st_mode) == 0o600
    assert key_store.read_text().startswith("-----BEGIN PRIVATE KEY-----\n")
    zoo_cfg = (tmp_path / "conf" / "zoo.cfg").read_text()
    assert str(secret) not in zoo_cfg
    assert f"ssl.quorum.keyStore.location={key_store}\n" in zoo_cfg
    argv = execve.call_args.args[1]
    # A follower must not give up on a leader that is still setting up TLS.
    assert not any(a.startswith("-Dzookeeper.leaderConnectDelayDuringRetryMs") for a in argv)
    assert "-Dzookeeper.fastleader.minNotificationInterval=50" in argv
    classpath = argv[argv.index("-cp") + 1]
    if os.path.exists("/usr/share/java/netty-codec.jar"):
        assert "/usr/share/java/netty-codec.jar" in classpath.split(":")


def test_start_without_tls_removes_the_stores_of_an_earlier_start(
    ca: Authority, tmp_path: Path
) -> None:
    secret = secret_of(tmp_path, ca.secret(NAMES))
    with mock.patch("os.execve"), mock.patch("zkcontainer.children.start_tls_watcher"):
        main(start(tmp_path, f"--tls_dir={secret}", "--servers=3"))
        assert (tmp_path / "conf" / "tls" / "keystore.pem").exists()
        # Other data directories: this process holds the first start's locks.
        data = [f"--data_dir={tmp_path}/data2", f"--data_log_dir={tmp_path}/log2"]
        main(start(tmp_path, "--servers=3", *data))
    assert list((tmp_path / "conf" / "tls").iterdir()) == []


def test_rotation_rewrites_the_stores_and_keeps_them_through_a_bad_update(
    ca: Authority, tmp_path: Path
) -> None:
    secret, store = secret_and_store(tmp_path, ca.secret(NAMES))
    second = ca.secret(NAMES, "ec", "sec1")
    broken = {**ca.secret(NAMES), "tls.key": key_pem(new_key("rsa"), "pkcs1")}
    steps = [lambda: None, lambda: mount_secret(secret, second), lambda: None]
    steps.append(lambda: mount_secret(secret, broken))
    steps += [lambda: None, lambda: None]
    seen: list[str] = []

    def write(path: str, text: str, mode: int) -> None:
        Path(path).write_text(text)
        seen.append(os.path.basename(path))

    logged = watched(secret, store, steps, write=write)
    # Both written at the first look (no stores yet), only the key store for a renewal
    # under the same CA, nothing for the broken one, whose problem is said once.
    assert seen == ["truststore.pem", "keystore.pem", "keystore.pem"]
    key_store = (store / "keystore.pem").read_text()
    assert pem_blocks(key_store)[1].der == pem_blocks(second["tls.crt"])[0].der
    assert len([line for line in logged if "does not belong" in line]) == 1


@pytest.mark.parametrize("command", [ready.main, metrics.main])
def test_a_probe_without_usable_tls_files_is_a_bad_argument(
    command: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert command([f"--tls_dir={tmp_path}", "2281"]) == 2  # type: ignore[operator]
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"--tls_dir={tmp_path}: cannot load tls.crt, tls.key, ca.crt" in err


def test_a_new_ca_is_trusted_before_the_new_key_is_used(ca: Authority, tmp_path: Path) -> None:
    secret, store = secret_and_store(tmp_path, ca.secret(NAMES))
    first = stores(read_secret(str(secret)), client_auth_for=QUORUM)
    (store / "keystore.pem").write_text(first.key_store)
    (store / "truststore.pem").write_text(first.trust_store)
    mount_secret(secret, Authority.make("renewed").secret(NAMES))
    events: list[str] = []
    looks = iter([True, False])
    watch(
        str(secret),
        str(store),
        client_auth_for=QUORUM,
        interval=0,
        write=lambda path, text, mode: events.append(os.path.basename(path)),
        keep_going=lambda: next(looks),
        log=lambda line: None,
        sleep=lambda seconds: events.append(f"sleep {seconds:g}") if seconds else None,
    )
    assert events == ["truststore.pem", f"sleep {STORE_SETTLE_SECONDS:g}", "keystore.pem"]


@pytest.mark.parametrize("label", ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"])
@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(der=st.binary(max_size=64))
def test_any_bytes_as_a_key_give_a_key_or_a_tls_problem(label: str, der: bytes) -> None:
    with contextlib.suppress(TlsProblem):
        pkcs8_key(pem(label, der))


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(der=st.binary(max_size=96))
def test_any_bytes_as_a_certificate_give_one_or_a_tls_problem(der: bytes) -> None:
    with contextlib.suppress(TlsProblem):
        certificates(pem("CERTIFICATE", der))


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(data=st.data())
def test_a_certificate_with_any_bytes_changed_gives_one_or_a_tls_problem(
    ca: Authority, data: st.DataObject
) -> None:
    der = bytearray(pem_blocks(ca.pem)[0].der)
    for _ in range(data.draw(st.integers(1, 4))):
        der[data.draw(st.integers(0, len(der) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(TlsProblem):
        certificates(pem("CERTIFICATE", bytes(der)))


def test_the_watcher_outlives_a_failed_write_and_retries_next_pass(
    ca: Authority, tmp_path: Path
) -> None:
    secret, store = secret_and_store(tmp_path, ca.secret(NAMES))
    attempts: list[str] = []

    def write(path: str, text: str, mode: int) -> None:
        attempts.append(os.path.basename(path))
        if len(attempts) <= 2:
            raise OSError(28, "No space left on device")
        Path(path).write_text(text)

    logged = watched(secret, store, [lambda: None] * 3, write=write)
    assert attempts == ["truststore.pem", "truststore.pem", "truststore.pem", "keystore.pem"]
    assert len([line for line in logged if "No space left on device" in line]) == 1
    assert (store / "keystore.pem").exists()


def test_a_certificate_of_another_ca_is_refused(ca: Authority) -> None:
    # Same name, another key: a CA that cert-manager re-created with a new key.
    other = Authority.make()
    files = {**other.secret(NAMES), "ca.crt": ca.pem}
    with pytest.raises(TlsProblem, match=r"tls\.crt is not issued by a valid CA of ca\.crt"):
        built(files)
    built({**files, "ca.crt": ca.pem + other.pem})
    built({**files, "ca.crt": files["tls.crt"]})  # the certificate itself trusted


def test_every_server_needs_server_auth(ca: Authority) -> None:
    files = ca.secret(NAMES, usages=[ExtendedKeyUsageOID.CLIENT_AUTH])
    with pytest.raises(TlsProblem, match="lacks the extended key usage serverAuth"):
        built(files, None)


@pytest.mark.parametrize(
    ("flags", "needs_client_auth"),
    [
        (["--servers=3"], True),
        (["--servers=3", "--tls_quorum=false"], False),
        ([], False),
        (["--client_port=0"], True),  # the probes present the certificate as a client
    ],
)
def test_client_auth_is_needed_when_the_certificate_is_presented_as_a_client(
    flags: list[str], needs_client_auth: bool
) -> None:
    settings = load_settings(
        ["--tls_dir=/tls", *flags], {}, lambda: "zk-0.zk-hs.default.svc.cluster.local"
    )
    assert (client_auth_for(settings) is not None) == needs_client_auth


def test_an_expired_ca_beside_a_valid_one_is_no_problem(ca: Authority) -> None:
    expired = Authority.make("old CA", expired=True)
    files = ca.secret(NAMES)
    built({**files, "ca.crt": expired.pem + ca.pem})
    with pytest.raises(TlsProblem, match=r"ca\.crt expired at "):
        built({**files, "ca.crt": expired.pem})


def test_a_curve_java_does_not_use_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256K1())
    for encoding in ("sec1", "pkcs8"):
        with pytest.raises(TlsProblem, match="P-256, P-384 or P-521"):
            pkcs8_key(key_pem(key, encoding))


def test_a_chain_out_of_order_is_named(ca: Authority) -> None:
    files = ca.secret(NAMES)
    files["tls.crt"] = ca.pem + files["tls.crt"]
    with pytest.raises(TlsProblem, match="out of order"):
        built(files)


def secret_of(tmp_path: Path, files: dict[str, str]) -> Path:
    secret = tmp_path / "secret"
    mount_secret(secret, files)
    return secret


def test_a_byte_order_mark_is_ignored(ca: Authority, tmp_path: Path) -> None:
    files = {name: "\ufeff" + text for name, text in ca.secret(NAMES).items()}
    built(read_secret(str(secret_of(tmp_path, files))))


def test_a_file_over_the_limit_is_refused_not_cut(ca: Authority, tmp_path: Path) -> None:
    files = ca.secret(NAMES)
    files["ca.crt"] += "#" * MAX_FILE_BYTES
    with pytest.raises(TlsProblem, match=r"ca\.crt is larger than 1 MiB"):
        read_secret(str(secret_of(tmp_path, files)))


def test_a_fifo_is_refused_without_waiting_for_a_writer(ca: Authority, tmp_path: Path) -> None:
    secret = secret_of(tmp_path, ca.secret(NAMES))
    (secret / "..data" / "tls.key").unlink()
    os.mkfifo(secret / "..data" / "tls.key")
    with pytest.raises(TlsProblem, match=r"tls\.key is not a regular file"):
        read_secret(str(secret))


def test_the_checks_write_nothing_anywhere(
    ca: Authority, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key is checked in memory: no temporary directory, which a read-only root
    lacks (or puts on the data volume)."""
    secret = secret_of(tmp_path, ca.secret(NAMES))
    no_temp = FileNotFoundError("No usable temporary directory found")
    with mock.patch("tempfile.gettempdir", side_effect=no_temp):
        code = main(start(tmp_path, f"--tls_dir={secret}", "--servers=3", "--dry-run"))
    assert code == 0, capsys.readouterr().err


def test_a_probe_takes_the_store_directory_start_zookeeper_wrote(
    ca: Authority, tmp_path: Path
) -> None:
    """Only checked material is ever there: a bad renewal of the Secret cannot fail the probes."""
    store = tmp_path / "tls"
    store.mkdir()
    made = built(ca.secret(NAMES))
    (store / "keystore.pem").write_text(made.key_store)
    (store / "truststore.pem").write_text(made.trust_store)
    fourlw.tls_context(str(store))


def test_a_probe_reads_one_version_of_the_secret(ca: Authority, tmp_path: Path) -> None:
    secret = secret_of(tmp_path, ca.secret(NAMES))
    # What a reader of the top-level links can meet while the kubelet swaps versions.
    (tmp_path / "other.key").write_text(key_pem(new_key("rsa"), "pkcs1"))
    (secret / "tls.key").unlink()
    (secret / "tls.key").symlink_to(tmp_path / "other.key")
    fourlw.tls_context(str(secret))


def test_a_probe_refuses_an_encrypted_key_without_asking_for_a_pass_phrase(
    ca: Authority, tmp_path: Path
) -> None:
    """OpenSSL's default asks on the terminal (and waits there past any --timeout)."""
    files = ca.secret(NAMES)
    key = serialization.load_pem_private_key(files["tls.key"].encode(), None)
    files["tls.key"] = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    ).decode()
    secret = secret_of(tmp_path, files)
    pid, terminal = pty.fork()
    if pid == 0:  # the probe, with the pseudo-terminal as its controlling terminal
        os.execv(
            sys.executable, [sys.executable, "-m", "zkcontainer.ready", f"--tls_dir={secret}", "1"]
        )
    output = b""
    with contextlib.suppress(OSError):  # EIO once the probe has exited
        while chunk := os.read(terminal, 1024):
            output += chunk
            if b"pass phrase" in output:
                os.kill(pid, signal.SIGKILL)
                break
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    assert b"pass phrase" not in output
    assert os.waitstatus_to_exitcode(status) == 2
    assert b"cannot load tls.crt, tls.key, ca.crt" in output


def test_a_probe_refuses_a_fifo_without_waiting_for_a_writer(ca: Authority, tmp_path: Path) -> None:
    secret = secret_of(tmp_path, ca.secret(NAMES))
    (secret / "..data" / "ca.crt").unlink()
    os.mkfifo(secret / "..data" / "ca.crt")
    with pytest.raises(UsageError, match=r"ca\.crt is not a regular file"):
        fourlw.tls_context(str(secret))


def watched(
    secret: Path,
    store: Path,
    steps: list[Callable[[], object]],
    *,
    write: Callable[[str, str, int], None] | None = None,
    clock: Callable[[], float] = lambda: 0.0,
) -> list[str]:
    """What the watcher logs over one pass per step, each step run before its pass."""
    logged: list[str] = []
    pending = list(steps)

    def keep_going() -> bool:
        if not pending:
            return False
        pending.pop(0)()
        return True

    def write_file(path: str, text: str, mode: int) -> None:
        Path(path).write_text(text)

    watch(
        str(secret),
        str(store),
        client_auth_for=QUORUM,
        interval=0,
        write=write or write_file,
        keep_going=keep_going,
        log=logged.append,
        sleep=lambda _: None,
        clock=clock,
    )
    return logged


def test_the_trust_store_keeps_the_previous_ca_through_a_rollover(
    ca: Authority, tmp_path: Path
) -> None:
    secret, store = secret_and_store(tmp_path, ca.secret(NAMES))
    new_ca = Authority.make("new CA")
    watched(secret, store, [lambda: None, lambda: mount_secret(secret, new_ca.secret(NAMES))])
    trusted = [b.der for b in pem_blocks((store / "truststore.pem").read_text())]
    assert trusted == [pem_blocks(text)[0].der for text in (new_ca.pem, ca.pem)]


def test_a_refused_renewal_is_said_again_each_hour_and_its_end_too(
    ca: Authority, tmp_path: Path
) -> None:
    good = ca.secret(NAMES)
    secret, store = secret_and_store(tmp_path, good)
    now = [0.0]
    broken = {**good, "tls.key": key_pem(new_key("rsa"), "pkcs1")}
    steps = [lambda: None, lambda: mount_secret(secret, broken), lambda: None]
    steps += [lambda: now.append(REMIND_SECONDS), lambda: mount_secret(secret, good)]
    logged = watched(secret, store, steps, clock=lambda: now[-1])
    refused = [line for line in logged if "does not belong" in line]
    assert len(refused) == 2  # at the renewal, and an hour later
    still = [
        line for line in logged if "still serving the previous certificate, valid until" in line
    ]
    assert len(still) == 2
    assert logged[-1] == f"TLS material in {secret} is usable again"


def secret_and_store(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """A mounted Secret of `files`, and an empty store directory."""
    store = tmp_path / "store"
    store.mkdir()
    return secret_of(tmp_path, files), store


def test_a_client_ca_is_trusted_on_the_client_port_and_not_by_the_quorum(
    ca: Authority, tmp_path: Path
) -> None:
    secret = secret_of(tmp_path, ca.secret(NAMES))
    clients = Authority.make("clients CA")
    client_ca = tmp_path / "clients-ca.crt"
    client_ca.write_text(clients.pem + ca.pem)  # the members' CA again: no duplicate
    with mock.patch("os.execve"), mock.patch("zkcontainer.children.start_tls_watcher"):
        main(start(tmp_path, f"--tls_dir={secret}", f"--tls_client_ca={client_ca}", "--servers=3"))
    store = tmp_path / "conf" / "tls"
    der = [pem_blocks(text)[0].der for text in (ca.pem, clients.pem)]
    assert [b.der for b in pem_blocks((store / "truststore.pem").read_text())] == der[:1]
    assert [b.der for b in pem_blocks((store / "client-truststore.pem").read_text())] == der
    zoo_cfg = (tmp_path / "conf" / "zoo.cfg").read_text()
    assert f"ssl.trustStore.location={store}/client-truststore.pem\n" in zoo_cfg
    assert f"ssl.quorum.trustStore.location={store}/truststore.pem\n" in zoo_cfg


def test_a_client_ca_file_without_a_valid_ca_is_refused(
    ca: Authority, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = secret_of(tmp_path, ca.secret(NAMES))
    client_ca = tmp_path / "clients-ca.crt"
    client_ca.write_text(Authority.make("clients CA", expired=True).pem)
    flags = [f"--tls_dir={secret}", f"--tls_client_ca={client_ca}", "--dry-run"]
    assert main(start(tmp_path, *flags)) == 1
    assert "--tls_client_ca expired at " in capsys.readouterr().err
