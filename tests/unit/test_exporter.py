"""zookeeper-metrics --listen: the Prometheus exporter, run as the command it is.

Against a fake ZooKeeper for what a real one cannot do on demand (hold a
reply, answer several scrapes only together); against a real one in
tests/process/test_exporter.py.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import pytest

from tests.harness.exporter import HANG_BOUND, exporter, families, promtool_check
from tests.harness.fakezk import fake_zookeeper, ipv6_loopback_available, port_of, replies
from tests.harness.ports import free_port
from zkcontainer import metrics
from zkcontainer.exporter import CONTENT_TYPE, MAX_CONNECTIONS, MAX_MNTR, MAX_SCRAPES

STANDALONE = "zk_version\t3.8.0\nzk_server_state\tstandalone\nzk_znode_count\t5\n"


def test_a_scrape_is_the_servers_mntr_with_zookeeper_up_1() -> None:
    with fake_zookeeper(replies(STANDALONE)) as zk, exporter(port_of(zk)) as running:
        answer = running.get()
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    parsed = families(answer.body)
    assert parsed["zookeeper_up"] == [({}, 1.0)]
    assert parsed["zookeeper_znode_count"] == [({}, 5.0)]
    assert parsed["zookeeper_server_state_info"] == [({"server_state": "standalone"}, 1.0)]
    [(_, duration)] = parsed["zookeeper_scrape_duration_seconds"]
    assert duration >= 0
    assert zk.words == [b"mntr"]
    # Prometheus' own parser and linter (in Go): nothing to say.
    check = promtool_check(answer.body)
    assert (check.returncode, check.stdout, check.stderr) == (0, "", "")


def test_without_a_server_zookeeper_up_is_0_and_the_answer_still_200() -> None:
    with exporter(free_port()) as running:
        answers = [running.get(), running.get()]
        code, stderr = running.stop()
    for answer in answers:
        assert answer.status == 200
        assert families(answer.body) == {
            "zookeeper_up": [({}, 0.0)],
            "zookeeper_scrape_duration_seconds": [({}, pytest.approx(0, abs=HANG_BOUND))],
        }
    assert promtool_check(answers[0].body).returncode == 0
    # One line when mntr stops answering, not one per scrape.
    assert code == 0
    [line] = stderr.splitlines()
    assert line.startswith("zookeeper-metrics: zookeeper_up 0 until mntr answers: refused: ")


def test_a_server_that_comes_back_is_logged_once_each_way() -> None:
    answering = threading.Event()

    def sometimes(conn: socket.socket, _word: bytes, _stop: threading.Event) -> None:
        if answering.is_set():
            conn.sendall(STANDALONE.encode())

    with fake_zookeeper(sometimes) as zk, exporter(port_of(zk)) as running:
        ups = [families(running.get().body)["zookeeper_up"] for _ in range(2)]
        answering.set()
        ups += [families(running.get().body)["zookeeper_up"] for _ in range(2)]
        code, stderr = running.stop()
    assert ups == [[({}, 0.0)]] * 2 + [[({}, 1.0)]] * 2
    assert code == 0
    assert [line.split(":")[1] for line in stderr.splitlines()] == [
        " zookeeper_up 0 until mntr answers",
        " mntr answers again",
    ]


def test_an_mntr_key_named_like_the_exporters_own_families_is_left_out() -> None:
    mntr = STANDALONE + "zk_up\t7\nzk_scrape_duration_seconds\t9\n"
    with fake_zookeeper(replies(mntr)) as zk, exporter(port_of(zk)) as running:
        parsed = families(running.get().body)
    assert parsed["zookeeper_up"] == [({}, 1.0)]
    assert parsed["zookeeper_scrape_duration_seconds"] != [({}, 9.0)]


def mntr_of(size: int) -> str:
    """A standalone server's mntr padded with keys to exactly `size` bytes."""
    lines, length, index = [STANDALONE], len(STANDALONE), 0
    while length < size - 32:
        line = f"zk_padding_{index}\t{index}\n"
        lines.append(line)
        length += len(line)
        index += 1
    last = "zk_end\t"
    return "".join(lines) + last + "1" * (size - length - len(last) - 1) + "\n"


def test_an_mntr_reply_beyond_the_limit_is_zookeeper_up_0_and_one_line() -> None:
    """A real mntr is a few KiB; converting one costs many times its size in memory."""
    sizes = [MAX_MNTR, MAX_MNTR + 1]
    ups = []
    for size in sizes:
        mntr = mntr_of(size)
        assert len(mntr.encode()) == size
        with fake_zookeeper(replies(mntr)) as zk, exporter("--timeout=60", port_of(zk)) as running:
            ups.append(families(running.get().body)["zookeeper_up"])
            code, stderr = running.stop()
    assert ups == [[({}, 1.0)], [({}, 0.0)]]
    assert code == 0
    [line] = stderr.splitlines()
    assert line.startswith("zookeeper-metrics: zookeeper_up 0 until mntr answers: too large: ")
    assert line.endswith(f": reply to mntr exceeds {MAX_MNTR} bytes")


@pytest.mark.parametrize(
    ("method", "path", "status", "content_type"),
    [
        ("GET", "/metrics?name[]=zookeeper_up", 200, CONTENT_TYPE),
        ("GET", "/", 200, "text/html; charset=utf-8"),
        ("GET", "/metrics/", 404, "text/plain; charset=utf-8"),
        ("GET", "//metrics", 404, "text/plain; charset=utf-8"),
        ("GET", "//", 404, "text/plain; charset=utf-8"),
        ("GET", "http://localhost/metrics", 404, "text/plain; charset=utf-8"),
        ("GET", "/favicon.ico", 404, "text/plain; charset=utf-8"),
        ("POST", "/metrics", 405, "text/plain; charset=utf-8"),
        ("PUT", "/metrics", 405, "text/plain; charset=utf-8"),
        ("DELETE", "/", 405, "text/plain; charset=utf-8"),
        ("OPTIONS", "/metrics", 405, "text/plain; charset=utf-8"),
    ],
)
def test_http_semantics(method: str, path: str, status: int, content_type: str) -> None:
    with fake_zookeeper(replies(STANDALONE)) as zk, exporter(port_of(zk)) as running:
        answer = running.get(path, method)
    assert (answer.status, answer.headers["Content-Type"]) == (status, content_type)
    assert int(answer.headers["Content-Length"]) == len(answer.body.encode())
    if status == 405:
        assert answer.headers["Allow"] == "GET, HEAD"
    if status == 200 and path == "/":
        assert 'href="/metrics"' in answer.body


def test_head_answers_as_get_would_without_the_body() -> None:
    with fake_zookeeper(replies(STANDALONE)) as zk, exporter(port_of(zk)) as running:
        head, get = running.get(method="HEAD"), running.get()
    assert (head.status, head.body) == (200, "")
    assert head.headers["Content-Type"] == CONTENT_TYPE
    assert int(head.headers["Content-Length"]) > 0
    assert get.status == 200


def test_an_unknown_method_is_not_implemented() -> None:
    with fake_zookeeper(replies(STANDALONE)) as zk, exporter(port_of(zk)) as running:
        assert running.get("/metrics", "BREW").status == 501


def test_sigterm_stops_it_with_exit_0() -> None:
    with fake_zookeeper(replies(STANDALONE)) as zk, exporter(port_of(zk)) as running:
        assert running.get().status == 200
        code, stderr = running.stop()
    assert (code, stderr) == (0, "")


def test_sigterm_stops_it_while_connections_keep_arriving() -> None:
    """The signal may land while the main thread hands a connection to its
    thread, inside socketserver's `except Exception`: it must stop the
    exporter there too, not be logged as a failed scrape."""
    stop_clients = threading.Event()

    def connect_and_leave(port: int) -> None:
        while not stop_clients.is_set():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                return  # the exporter is gone

    for _ in range(20):
        with exporter(free_port()) as running:
            clients = [
                threading.Thread(target=connect_and_leave, args=(running.port,)) for _ in range(4)
            ]
            for client in clients:
                client.start()
            try:
                running.get()  # the clients' connections are being accepted
                code, stderr = running.stop()
            finally:
                stop_clients.set()
                for client in clients:
                    client.join(HANG_BOUND)
                stop_clients.clear()
        assert code == 0
        assert "internal error" not in stderr


def test_no_request_is_logged_not_even_a_bad_one() -> None:
    with fake_zookeeper(replies(STANDALONE)) as zk, exporter(port_of(zk)) as running:
        statuses = [running.get(path, method).status for method, path in NOISE]
        with socket.create_connection(("127.0.0.1", running.port), timeout=HANG_BOUND) as raw:
            raw.sendall(b"GET / HTTP/x\r\n\r\n")
            assert b"Error code: 400" in raw.makefile("rb").read()
        code, stderr = running.stop()
    assert statuses == [200, 404, 405, 501]
    assert (code, stderr) == (0, "")


NOISE = [("GET", "/metrics"), ("GET", "/nothing"), ("POST", "/"), ("BREW", "/")]


@pytest.mark.parametrize(
    ("listen", "shown"),
    [("[::1]:0", "http://[::1]:"), ("localhost:0", "http://"), (":0", "http://0.0.0.0:")],
)
def test_the_listen_host_may_be_ipv6_a_name_or_left_out(listen: str, shown: str) -> None:
    if listen.startswith("[") and not ipv6_loopback_available():
        pytest.skip("no IPv6 loopback on this machine")
    with fake_zookeeper(replies(STANDALONE)) as zk, exporter(port_of(zk), listen=listen) as running:
        assert running.start_line.startswith(f"zookeeper-metrics: listening on {shown}")
        if running.host == "0.0.0.0":
            running.host = "127.0.0.1"
        assert families(running.get().body)["zookeeper_up"] == [({}, 1.0)]


@pytest.mark.parametrize("held", [1, MAX_SCRAPES])
def test_sigterm_does_not_wait_for_scrapes_in_flight(held: int) -> None:
    """`held` scrapes' mntr meet a server that never answers, with a --timeout of
    10 minutes, and one more scrape arrives (with every slot held, it waits for
    one): the exporter stops anyway with exit 0, and no scrape gets an answer."""
    asked = threading.Semaphore(0)

    def holds_the_reply(_conn: socket.socket, _word: bytes, stop: threading.Event) -> None:
        asked.release()
        stop.wait(HANG_BOUND * 20)

    with (
        fake_zookeeper(holds_the_reply) as zk,
        exporter("--timeout=600", port_of(zk)) as running,
        ThreadPoolExecutor(held + 1) as pool,
    ):
        scrapes = [pool.submit(running.get) for _ in range(held)]
        for _ in range(held):
            assert asked.acquire(timeout=HANG_BOUND)
        scrapes.append(pool.submit(running.get))
        code, stderr = running.stop()
        for scrape in scrapes:
            with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
                scrape.result(HANG_BOUND)
    assert (code, stderr) == (0, "")


def test_scrapes_run_concurrently() -> None:
    """The fake answers no mntr until four are in flight at once."""
    together = threading.Barrier(4, timeout=HANG_BOUND)

    def answers_together(conn: socket.socket, _word: bytes, _stop: threading.Event) -> None:
        together.wait()
        conn.sendall(STANDALONE.encode())

    with (
        fake_zookeeper(answers_together) as zk,
        exporter("--timeout=120", port_of(zk)) as running,
        ThreadPoolExecutor(4) as pool,
    ):
        answers = list(pool.map(lambda _: running.get(), range(4)))
    assert [families(a.body)["zookeeper_up"] for a in answers] == [[({}, 1.0)]] * 4


def test_at_most_max_scrapes_run_at_once_and_the_rest_wait_their_turn() -> None:
    scrapes = 2 * MAX_SCRAPES + 1
    release = threading.Event()
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most ever

    def held(conn: socket.socket, _word: bytes, _stop: threading.Event) -> None:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
            if in_flight[0] == MAX_SCRAPES:
                release.set()
        release.wait(HANG_BOUND)
        with lock:
            in_flight[0] -= 1
        conn.sendall(STANDALONE.encode())

    with (
        fake_zookeeper(held) as zk,
        exporter("--timeout=120", port_of(zk)) as running,
        ThreadPoolExecutor(scrapes) as pool,
    ):
        answers = list(pool.map(lambda _: running.get(), range(scrapes)))
    assert in_flight[1] == MAX_SCRAPES
    assert [families(a.body)["zookeeper_up"] for a in answers] == [[({}, 1.0)]] * scrapes


@contextmanager
def slow_clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections that have sent part of a request line and nothing more."""
    clients = [
        socket.create_connection(("127.0.0.1", port), timeout=HANG_BOUND) for _ in range(count)
    ]
    try:
        for client in clients:
            client.sendall(b"GET /metrics HTT")
        yield clients
    finally:
        for client in clients:
            client.close()


def still_open(client: socket.socket) -> bool:
    """Whether the exporter has neither answered nor closed `client`."""
    client.setblocking(False)
    try:
        client.recv(1)  # an answer, or b"" for a closed connection
    except BlockingIOError:
        return True
    except ConnectionResetError:
        pass
    finally:
        client.settimeout(HANG_BOUND)
    return False


def test_a_scrape_is_answered_while_slow_clients_hold_connections() -> None:
    """Clients that never finish their request hold connections, not scrape slots:
    the scrape is answered while every one of them is still connected."""
    with (
        fake_zookeeper(replies(STANDALONE)) as zk,
        exporter(port_of(zk)) as running,
        slow_clients(running.port, 2 * MAX_SCRAPES) as clients,
    ):
        answer = running.get()
        assert [still_open(client) for client in clients] == [True] * len(clients)
    assert families(answer.body)["zookeeper_up"] == [({}, 1.0)]


def test_a_client_trickling_its_request_is_dropped_at_the_deadline() -> None:
    """A byte at a time, each well within any one receive's timeout: the
    whole request still has one deadline, and the exporter closes the connection."""
    with exporter(free_port()) as running:
        client = socket.create_connection(("127.0.0.1", running.port), timeout=HANG_BOUND)
        with closing(client):
            sent = 0
            client.sendall(b"GET /metrics HTTP/1.1\r\n")
            while sent < HANG_BOUND * 4 and still_open(client):
                with suppress(OSError):  # closed since
                    client.sendall(b"X")
                sent += 1
                time.sleep(0.25)
            assert not still_open(client), "still reading the request"


def test_connections_beyond_the_limit_are_closed_at_once() -> None:
    with (
        exporter(free_port()) as running,
        slow_clients(running.port, MAX_CONNECTIONS) as clients,
    ):
        # Accepted in the order they connected: the slow clients first.
        extra = socket.create_connection(("127.0.0.1", running.port), timeout=HANG_BOUND)
        with closing(extra):
            assert extra.recv(1) == b""
        assert [still_open(client) for client in clients] == [True] * MAX_CONNECTIONS


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = metrics.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "value", ["99999", "-1", "::1:9141", "[::1]", "[127.0.0.1]:9141", "a b:9141", "", "9141x"]
)
def test_a_bad_listen_value_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    assert run([f"--listen={value}"], capsys) == (
        2,
        "",
        f"zookeeper-metrics: --listen={value}: must be [HOST:]PORT with PORT 0..65535"
        " (an IPv6 HOST in brackets: [::]:9141)\n",
    )


def test_listen_serves_prometheus_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--listen=9141", "--format=json"], capsys)
    assert (code, err) == (2, "zookeeper-metrics: --format=json: --listen serves prometheus only\n")


def test_a_port_in_use_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(["--listen", f"127.0.0.1:{port}"], capsys)
    assert (code, out) == (1, "")
    assert (
        err
        == f"zookeeper-metrics: cannot listen: --listen=127.0.0.1:{port}: Address already in use\n"
    )


def test_a_name_that_does_not_resolve_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["--listen", "no-such-host.invalid:9141"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(
        "zookeeper-metrics: cannot listen: --listen=no-such-host.invalid:9141:"
        " cannot resolve no-such-host.invalid: "
    )


def test_unusable_certificates_are_a_bad_argument_before_it_listens(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(["--listen=0", f"--tls_dir={tmp_path}"], capsys)
    assert code == 2
    assert err.startswith(f"zookeeper-metrics: --tls_dir={tmp_path}: cannot load tls.crt")


@pytest.mark.parametrize(
    "argv",
    [
        ["zookeeper-metrics"],
        ["zookeeper-metrics", "--format=prometheus"],
        ["zookeeper-ready"],
        ["zookeeper-ready", "--serving"],
    ],
)
def test_the_one_shot_commands_never_load_the_exporter(argv: list[str]) -> None:
    module = {"zookeeper-metrics": "zkcontainer.metrics", "zookeeper-ready": "zkcontainer.ready"}
    unwanted = ("http", "socketserver", "zkcontainer.exporter")
    loaded = f"sorted(m for m in sys.modules if m.startswith({unwanted!r}))"
    with fake_zookeeper(replies(STANDALONE)) as zk:
        args = [*argv[1:], str(port_of(zk))]
        code = f"import sys; from {module[argv[0]]} import main; main({args!r}); print({loaded})"
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=HANG_BOUND,
            check=False,
        )
    assert result.stdout.splitlines()[-1] == "[]", result.stderr
