"""Fuzzed argv for both probe commands: an exit code, and on failure one line, never a traceback.

No fuzzed host may reach a DNS server: hosts are numeric loopback addresses
or strings the argument check refuses, and a guard fails the test if any
name reaches the resolver thread at all. Targets are a fake server or a
closed port on loopback; timeouts are short or refused.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterator
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness.fakezk import answers, fake_zookeeper, port_of
from tests.harness.ports import free_port
from zkcontainer import fourlw, metrics, ready
from zkcontainer.probeargs import is_dns_name

MNTR = "zk_version\t3.8.0\nzk_server_state\tstandalone\nzk_weird-key\tx\nzk_a.b\t1\nzk_a_b\t2\n"
SRVR = "Zookeeper version: 3.8.0\nMode: standalone\n"
LOOPBACK = ["127.0.0.1", "127.0.0.2", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]


class ResolverGuard:
    """Stands in for fourlw's _thread: records any name that got as far as the resolver."""

    def __init__(self) -> None:
        self.names: list[object] = []
        self.allocate_lock = fourlw._thread.allocate_lock

    def start_new_thread(self, *args: object) -> None:
        self.names.append(args)
        raise RuntimeError("a fuzzed host reached the resolver")


@pytest.fixture(scope="module")
def target_ports() -> Iterator[list[int]]:
    with fake_zookeeper(answers({"ruok": "imok", "mntr": MNTR, "srvr": SRVR})) as server:
        yield [port_of(server), free_port()]


def refused_host(text: str) -> bool:
    return fourlw.numeric_address(text, 0) is None and not is_dns_name(text)


def refused_timeout(text: str) -> bool:
    try:
        value = float(text) if text.isascii() else math.nan
    except ValueError:
        return True
    return not 0 < value < 3600


def argv_strategy(ports: list[int]) -> st.SearchStrategy[list[str]]:
    hosts = st.sampled_from(LOOPBACK) | st.text(max_size=30).filter(refused_host)
    timeouts = st.sampled_from(["0.2", "0.05", "1e-9"]) | st.text(max_size=20).filter(
        refused_timeout
    )
    formats = st.sampled_from(["text", "json", "prometheus"]) | st.text(max_size=12)
    valued = st.one_of(
        st.tuples(st.just("host"), hosts),
        st.tuples(st.just("timeout"), timeouts),
        st.tuples(st.just("format"), formats),
    )
    options = st.tuples(valued, st.booleans()).map(
        lambda pair: (
            [f"--{pair[0][0]}={pair[0][1]}"] if pair[1] else [f"--{pair[0][0]}", pair[0][1]]
        )
    )
    ports_or_junk = st.sampled_from([str(port) for port in ports]) | st.text(max_size=12).filter(
        lambda text: not text.isdecimal()
    )
    # Anything else, but never a --host, --timeout or port we did not choose.
    junk = st.text(max_size=20).filter(
        lambda text: not text.startswith(("--host", "--timeout")) and not text.isdecimal()
    )
    token_lists = st.one_of(
        options,
        ports_or_junk.map(lambda token: [token]),
        st.sampled_from(["--serving", "--serving=1", "-h", "--", "-"]).map(lambda t: [t]),
        junk.map(lambda token: [token]),
    )
    return st.lists(token_lists, max_size=6).map(
        lambda lists: [token for tokens in lists for token in tokens]
    )


def run_main(command: ModuleType, argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = command.main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", [ready, metrics])
def test_fuzzed_argv_exits_cleanly(
    command: ModuleType, target_ports: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = ResolverGuard()
    monkeypatch.setattr(fourlw, "_thread", guard)

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(argv=argv_strategy(target_ports))
    def check(argv: list[str]) -> None:
        code, _, err = run_main(command, argv)
        assert code in (0, 1, 2)
        if ("-h" in argv or "--help" in argv) and len(argv) > 1:
            assert code == 2, argv  # help only alone: never a probe that passes
        assert "Traceback" not in err
        if code:
            assert err.count("\n") == 1, err
            assert err.startswith(f"{command.PROG}: ")
            assert "internal error" not in err, err
        else:
            assert err == ""

    check()
    assert guard.names == []
