"""zookeeper-ready and zookeeper-metrics: exit codes and one-line reasons."""

from __future__ import annotations

import json
from types import ModuleType

import pytest

from tests.harness.fakezk import answers, fake_zookeeper, port_of, replies, silent
from tests.harness.ports import free_port
from zkcontainer import fourlw, metrics, ready
from zkcontainer.fourlw import NOT_SERVING

FOLLOWER_SYNCED = (
    "zk_version\t3.8.0\nzk_server_state\tfollower\nzk_peer_state\tfollowing - broadcast\n"
)
FOLLOWER_SYNCING = (
    "zk_version\t3.8.0\nzk_server_state\tfollower\nzk_peer_state\tfollowing - synchronization\n"
)
STANDALONE = "zk_version\t3.8.0\nzk_server_state\tstandalone\nzk_znode_count\t5\n"
MNTR_REFUSED = "mntr is not executed because it is not in the whitelist."
SRVR_LEADER = (
    "Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nMode: leader\nNode count: 5\n"
)


def run(command, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = command.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("reply", "code", "message"),
    [
        ("imok", 0, ""),
        ("imok\n", 1, "zookeeper-ready: unexpected reply: 127.0.0.1:{port}: ruok answered"),
        ("garbage\x00\xff", 1, "zookeeper-ready: unexpected reply: "),
        (
            "ruok is not executed because it is not in the whitelist.",
            1,
            "zookeeper-ready: not whitelisted: 127.0.0.1:{port}: ruok is not in",
        ),
    ],
)
def test_liveness_is_exactly_imok(
    capsys: pytest.CaptureFixture[str], reply: str, code: int, message: str
) -> None:
    with fake_zookeeper(replies(reply)) as server:
        port = port_of(server)
        result, out, err = run(ready, [str(port)], capsys)
    assert (result, out) == (code, "")
    assert err.startswith(message.format(port=port))
    assert err.count("\n") == code


@pytest.mark.parametrize(
    ("by_word", "code", "message"),
    [
        ({"mntr": STANDALONE}, 0, ""),
        ({"mntr": FOLLOWER_SYNCED}, 0, ""),
        ({"mntr": FOLLOWER_SYNCING}, 1, "not serving: 127.0.0.1:{port}: follower still syncing"),
        ({"mntr": NOT_SERVING}, 1, f"not serving: 127.0.0.1:{{port}}: {NOT_SERVING}"),
        ({"mntr": "zk_server_state\tread-only\n"}, 1, "not serving: 127.0.0.1:{port}: state"),
        ({"mntr": MNTR_REFUSED, "srvr": SRVR_LEADER}, 0, ""),
        ({"mntr": MNTR_REFUSED, "srvr": NOT_SERVING}, 1, "not serving: "),
        ({"mntr": "hello\n"}, 1, "unexpected reply: 127.0.0.1:{port}: no server state"),
    ],
)
def test_readiness_means_serving(
    capsys: pytest.CaptureFixture[str], by_word: dict[str, str], code: int, message: str
) -> None:
    with fake_zookeeper(answers(by_word)) as server:
        port = port_of(server)
        result, _, err = run(ready, ["--serving", str(port)], capsys)
    assert result == code
    if code:
        assert err.startswith(f"zookeeper-ready: {message.format(port=port)}")
    assert err.count("\n") == code


def test_refused_and_timed_out_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert run(ready, [str(port)], capsys)[2] == (
        f"zookeeper-ready: refused: 127.0.0.1:{port}: nothing listens there\n"
    )
    with fake_zookeeper(silent) as server:
        code, _, err = run(ready, ["--serving", "--timeout=0.3", str(port_of(server))], capsys)
    assert code == 1
    assert err.startswith("zookeeper-ready: timed out: ")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bogus"], "--bogus: unknown flag"),
        (["2181", "2182"], "2181 2182: expected at most one PORT"),
        (["http"], "PORT http: must be a port number 1..65535"),
        (["--timeout=0"], "--timeout=0: must be a number of seconds, above 0 and below 3600"),
        (["--timeout"], "--timeout needs a value"),
    ],
)
def test_bad_arguments_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(ready, argv, capsys)
    assert (code, err) == (2, f"zookeeper-ready: {message}\n")


def test_help_explains_liveness_readiness_and_whitelist(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(ready, ["-h"], capsys)
    assert code == 0
    for phrase in ("liveness", "readiness", "4lw.commands.whitelist", "ruok", "mntr", "srvr"):
        assert phrase in out


def test_metrics_prints_mntr_as_it_came(capsys: pytest.CaptureFixture[str]) -> None:
    with fake_zookeeper(replies(STANDALONE)) as server:
        code, out, _ = run(metrics, [str(port_of(server))], capsys)
    assert (code, out) == (0, STANDALONE)


def test_metrics_json_has_numbers_as_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    with fake_zookeeper(replies(STANDALONE)) as server:
        code, out, _ = run(metrics, ["--format", "json", str(port_of(server))], capsys)
    assert code == 0
    assert json.loads(out) == {
        "zk_version": "3.8.0",
        "zk_server_state": "standalone",
        "zk_znode_count": 5,
    }


def test_metrics_failures_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    code, out, err = run(metrics, ["--format=prometheus", str(port)], capsys)
    assert (code, out) == (1, "")
    assert err == f"zookeeper-metrics: refused: 127.0.0.1:{port}: nothing listens there\n"
    code, _, err = run(metrics, ["--format=yaml"], capsys)
    assert (code, err) == (
        2,
        "zookeeper-metrics: --format=yaml: must be one of text, json, prometheus\n",
    )


DIGITS_5000 = "1" * 5000


@pytest.mark.parametrize("command", [ready, metrics])
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["²"], "PORT ²: must be a port number 1..65535"),
        (["٢١٨١"], "PORT ٢١٨١: must be a port number 1..65535"),
        ([DIGITS_5000], f"PORT {DIGITS_5000[:200]}... (5000 characters): must be a port"),
        (["99999"], "PORT 99999: must be a port number 1..65535"),
        (
            [f"--timeout={DIGITS_5000}"],
            f"--timeout={DIGITS_5000[:200]}... (5000 characters): must be a number of seconds",
        ),
        (["--timeout=nan"], "--timeout=nan: must be a number of seconds, above 0 and below 3600"),
        (["--timeout=²"], "--timeout=²: must be a number of seconds, above 0 and below 3600"),
        (["--host=.ü"], "--host=.ü: must be an IPv4 or IPv6 address or a DNS name"),
        (["--host=a..b"], "--host=a..b: must be an IPv4 or IPv6 address or a DNS name"),
        (
            ["--host=[::1]"],
            "--host=[::1]: an IPv6 address goes without brackets here (--host=::1);"
            " the port is an argument of its own",
        ),
        (["--host=[::1"], "--host=[::1: must be an IPv4 or IPv6 address or a DNS name"),
        (["--host=[zk-0]"], "--host=[zk-0]: must be an IPv4 or IPv6 address or a DNS name"),
        (["--host=1"], "--host=1: must be an IPv4 or IPv6 address or a DNS name"),
        (["--host=10.0.0.256"], "--host=10.0.0.256: must be an IPv4 or IPv6 address or a DNS name"),
        (["--host=a\x00b"], "--host='a\\x00b': must be an IPv4 or IPv6 address or a DNS name"),
        (["--host", "x" * 64 + ".example"], "--host=" + "x" * 64 + ".example: must be an IPv4"),
        (["--host= 127.0.0.1"], "--host= 127.0.0.1: must be an IPv4 or IPv6 address or a DNS"),
        (["--bogus\nline"], "'--bogus\\nline': unknown flag"),
    ],
)
def test_hostile_arguments_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], command: ModuleType, argv: list[str], message: str
) -> None:
    code, out, err = run(command, argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"{command.PROG}: {message}")
    assert err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "::1", "zk-0.zk-hs.default.svc.cluster.local", "é.ü"]
)
def test_hosts_that_are_addresses_or_dns_names_are_accepted(host: str) -> None:
    from zkcontainer.probeargs import parse  # noqa: PLC0415

    assert parse(["--host", host], switches=(), options={}).host == host


def test_an_unexpected_exception_is_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> str:
        raise KeyError("bug\nwith a second line")

    monkeypatch.setattr(ready, "send_word", broken)
    code, out, err = run(ready, [], capsys)
    assert (code, out) == (1, "")
    assert err == "zookeeper-ready: internal error: KeyError: 'bug\\nwith a second line'\n"


def test_a_reply_with_line_breaks_is_reported_on_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with fake_zookeeper(replies("zk_version\t3.8.0\n")) as server:
        code, _, err = run(metrics, ["--format=json", str(port_of(server))], capsys)
    assert code == 1
    assert err.startswith("zookeeper-metrics: unexpected reply: 127.0.0.1:")
    assert err.endswith("mntr reply has no zk_server_state\n")
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", [ready, metrics])
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-h", "{port}"], "-h: only valid as the only argument"),
        (["{port}", "--help"], "--help: only valid as the only argument"),
        (["--timeout=1", "-h"], "-h: only valid as the only argument"),
        (["--host", "-h", "{port}"], "--host=-h: must be an IPv4 or IPv6 address or a DNS name"),
        (["--timeout", "-h", "{port}"], "--timeout=-h: must be a number of seconds"),
        (["--", "-h"], "PORT -h: must be a port number 1..65535"),
        (["-h", "-h"], "-h: only valid as the only argument"),
    ],
)
def test_help_beside_other_arguments_never_lets_a_probe_pass(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: ModuleType,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.setattr(fourlw, "_thread", None)  # no name may reach the resolver
    with fake_zookeeper(answers({"ruok": "imok", "mntr": STANDALONE})) as server:
        port = str(port_of(server))
        code, out, err = run(command, [arg.format(port=port) for arg in argv], capsys)
    if command is ready and argv[0] == "--serving":
        pytest.skip("--serving is zookeeper-ready's own switch")  # pragma: no cover
    assert (code, out) == (2, "")
    assert err.startswith(f"{command.PROG}: {message}")
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", [ready, metrics])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_alone_prints_usage(
    capsys: pytest.CaptureFixture[str], command: ModuleType, flag: str
) -> None:
    code, out, err = run(command, [flag], capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"usage: {command.PROG} ")


@pytest.mark.parametrize(
    "argv", [["--", "{port}"], ["--serving", "--", "{port}"], ["--timeout=1", "--", "{port}"]]
)
def test_double_dash_ends_the_options(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with fake_zookeeper(answers({"ruok": "imok", "mntr": STANDALONE})) as server:
        port = str(port_of(server))
        code, _, err = run(ready, [arg.format(port=port) for arg in argv], capsys)
    assert (code, err) == (0, "")
    code, _, err = run(ready, ["--", "--serving"], capsys)
    assert (code, err) == (2, "zookeeper-ready: PORT --serving: must be a port number 1..65535\n")


@pytest.mark.parametrize(
    ("host", "accepted"),
    [
        ("::1%1", True),  # a scope by interface number: any address
        ("fe80::1%lo", True),  # by name: link-local addresses only (glibc)
        ("fe80::1%1", True),
        ("::1%lo", False),
        ("fe80::1%no-such-interface", False),
        ("fe80::1%", False),
        ("127.0.0.1%lo", False),
    ],
)
def test_an_ipv6_scope_is_what_getaddrinfo_takes(
    capsys: pytest.CaptureFixture[str], host: str, accepted: bool
) -> None:
    from zkcontainer import UsageError  # noqa: PLC0415
    from zkcontainer.probeargs import parse  # noqa: PLC0415

    if accepted:
        assert parse(["--host", host], switches=(), options={}).host == host
        return
    with pytest.raises(UsageError) as caught:
        parse(["--host", host], switches=(), options={})
    if ":" in host:
        assert str(caught.value) == (
            f"--host={host}: an IPv6 %scope must be an interface number, or the name of an"
            " interface of this machine on a link-local address (fe80::1%eth0)"
        )
    else:
        assert str(caught.value).endswith("must be an IPv4 or IPv6 address or a DNS name")


@pytest.mark.parametrize(
    "reply",
    [
        "srvr is not executed because it is not in the whitelist.",  # another word
        "zk_x\t1\nruok is not executed because it is not in the whitelist.",  # after a reply
        "ruok is not executed because it is not in the whitelist. (really)",
    ],
)
def test_only_zookeepers_exact_refusal_of_the_word_sent_is_not_whitelisted(
    capsys: pytest.CaptureFixture[str], reply: str
) -> None:
    with fake_zookeeper(replies(reply)) as server:
        code, _, err = run(ready, [str(port_of(server))], capsys)
    assert code == 1
    assert err.startswith("zookeeper-ready: unexpected reply: ")
    with fake_zookeeper(replies(f"ruok{fourlw.NOT_WHITELISTED_SUFFIX}\n")) as server:
        code, _, err = run(ready, [str(port_of(server))], capsys)
    assert err.startswith("zookeeper-ready: not whitelisted: ")
