from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence

import pytest

from zkcontainer import ConfigError, memory
from zkcontainer.identity import PodIdentity
from zkcontainer.settings import FLAGS, Settings, load_settings

POD_FQDN = "zk-0.zk-hs.default.svc.cluster.local"


def settings(
    argv: Sequence[str] = (), env: Mapping[str, str] | None = None, fqdn: str = POD_FQDN
) -> Settings:
    return load_settings(argv, env or {}, lambda: fqdn)


def problems(
    argv: Sequence[str], env: Mapping[str, str] | None = None, fqdn: str = POD_FQDN
) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        settings(argv, env, fqdn)
    return caught.value.problems


def test_defaults_are_the_original_scripts() -> None:
    s = settings()
    assert (s.servers, s.client_port, s.server_port, s.election_port) == (1, 2181, 2888, 3888)
    assert s.data_dir == "/var/lib/zookeeper/data"
    assert s.data_log_dir == "/var/lib/zookeeper/data/log"
    assert s.log_dir == "/var/log/zookeeper"
    assert s.conf_dir == "/opt/zookeeper/conf"
    assert (s.tick_time, s.init_limit, s.sync_limit) == (2000, 10, 5)
    assert s.heap == "2G"
    assert s.max_client_cnxns == 60
    assert (s.snap_retain_count, s.purge_interval) == (3, 0)
    assert (s.min_session_timeout, s.max_session_timeout) == (4000, 40000)
    assert s.log_level == "INFO"
    assert s.four_letter_words == ("ruok", "mntr", "srvr")
    assert s.admin_port == 0
    assert not s.dry_run


def test_session_timeouts_follow_tick_time_unless_given() -> None:
    s = settings(["--tick_time=1000"])
    assert (s.min_session_timeout, s.max_session_timeout) == (2000, 20000)
    s = settings(["--tick_time=1000", "--max_session_timeout=60000"])
    assert (s.min_session_timeout, s.max_session_timeout) == (2000, 60000)


@pytest.mark.parametrize(
    "argv",
    [
        ["--client_port=2182"],
        ["--client_port", "2182"],
        ["--client-port=2182"],
        ["--client-port", "2182"],
    ],
)
def test_every_flag_spelling_is_accepted(argv: list[str]) -> None:
    assert settings(argv).client_port == 2182


def test_environment_sets_flags_and_the_command_line_wins() -> None:
    env = {"ZK_SERVERS": "3", "ZK_HEAP": "1G", "ZK_LOG_LEVEL": "warn"}
    s = settings(["--heap=512M"], env)
    assert (s.servers, s.heap, s.log_level) == (3, "512M", "WARN")


def test_service_link_variables_are_not_flags() -> None:
    # Kubernetes injects ZK_CS_PORT=tcp://... for a Service called zk-cs.
    s = settings(env={"ZK_CS_PORT": "tcp://10.0.0.1:2181", "ZK_HS_SERVICE_HOST": "10.0.0.2"})
    assert s.client_port == 2181


def test_zookeeper_home_comes_from_its_usual_variable() -> None:
    assert settings(env={"ZOOKEEPER_HOME": "/opt/zk"}).zk_home == "/opt/zk"
    assert settings(["--zk_home=/srv/zk"], {"ZOOKEEPER_HOME": "/opt/zk"}).zk_home == "/srv/zk"


def test_identity_comes_from_the_pods_fqdn() -> None:
    s = settings(["--servers=3"], fqdn="zk-1.zk-hs.default.svc.cluster.local")
    assert s.identity == PodIdentity("zk", 1)
    assert s.myid == 2
    assert (s.hostname, s.domain) == ("zk-1", "zk-hs.default.svc.cluster.local")


def test_hostname_and_domain_flags_override_the_system() -> None:
    s = settings(["--servers=3", "--hostname=kafka-zk-2", "--domain=kz.prod.svc"], fqdn="x")
    assert (s.myid, s.domain) == (3, "kz.prod.svc")


def test_standalone_needs_no_ordinal() -> None:
    # `docker run IMAGE` gets a hostname like 3f4e5a6b7c8d.
    s = settings(fqdn="3f4e5a6b7c8d")
    assert s.identity is None
    assert s.myid is None


def test_dry_run_is_a_switch() -> None:
    assert settings(["--dry-run"]).dry_run
    assert settings(["--dry_run=false"]).dry_run is False


def test_jvm_flags_are_split_like_a_shell() -> None:
    s = settings(["--jvm_flags=-Djute.maxbuffer=4194304 -Dfoo='a b'"])
    assert s.jvm_flags == ("-Djute.maxbuffer=4194304", "-Dfoo=a b")


BAD_INPUTS = [
    (["--bogus=1"], "--bogus=1: unknown flag"),
    (["stray"], "stray: unexpected argument"),
    (
        ["--fast_failover", "false"],
        "--fast_failover false: a true/false flag takes its value after '=': --fast_failover=false",
    ),
    (["--fast_failover=maybe"], "--fast_failover=maybe: must be true or false"),
    (["--heap"], "--heap: needs a value"),
    (["--servers=three"], "--servers=three: not an integer"),
    (["--servers=0"], "--servers=0: must be between 1 and 255"),
    (["--servers=256"], "--servers=256: must be between 1 and 255"),
    (["--client_port=0"], "--client_port=0: 0 turns the plaintext port off, which needs --tls_dir"),
    (["--client_port=65536"], "--client_port=65536: must be between 0 and 65535"),
    (["--tls_client_auth=maybe"], "--tls_client_auth=maybe: must be one of need, want, none"),
    (
        ["--tls_dir=/tls", "--client_port=0", "--tls_port_unification"],
        "--client_port=0: 0 leaves nothing for --tls_port_unification to unify",
    ),
    (["--tls_dir=/tls", "--secure_client_port=2888"], "--secure_client_port=2888: same port"),
    (["--election_port=65536"], "--election_port=65536: must be between 1 and 65535"),
    (["--server_port=2181"], "--server_port=2181: same port as --client_port=2181"),
    (["--election_port=2888"], "--election_port=2888: same port as --server_port=2888"),
    (["--tick_time=0"], "--tick_time=0: must be at least 1"),
    (["--init_limit=-1"], "--init_limit=-1: must be at least 1"),
    (["--sync_limit=0"], "--sync_limit=0: must be at least 1"),
    (["--snap_retain_count=2"], "--snap_retain_count=2: must be at least 3"),
    (["--purge_interval=-1"], "--purge_interval=-1: must be at least 0"),
    (
        ["--min_session_timeout=50000", "--max_session_timeout=40000"],
        "--min_session_timeout=50000: above the maximum session timeout 40000",
    ),
    (
        ["--min_session_timeout=50000"],
        "--min_session_timeout=50000: above the maximum session timeout 40000",
    ),
    (
        ["--max_session_timeout=1000"],
        "--max_session_timeout=1000: below the minimum session timeout 4000",
    ),
    (["--servers=1_0"], "--servers=1_0: not an integer"),
    (["--heap=2"], "--heap=2: must be a size like 512M or 2G"),
    (["--heap=2GB"], "--heap=2GB: must be a size like 512M or 2G"),
    (["--heap=0M"], "--heap=0M: must be a size like 512M or 2G"),
    (["--log_level=LOUD"], "--log_level=LOUD: must be one of TRACE, DEBUG, INFO, WARN, ERROR"),
    (["--four_letter_words=ruok,boom"], "--four_letter_words=ruok,boom: unknown four-letter word"),
    (["--data_dir=data"], "--data_dir=data: must be an absolute path"),
    (["--jvm_flags=-Dx='open"], "--jvm_flags: cannot be split"),
    (
        ["--data_dir=/data\nserver.9=evil:1:2"],
        "--data_dir='/data\\nserver.9=evil:1:2': contains a line",
    ),
    (["--dry-run=maybe"], "--dry_run=maybe: must be true or false"),
    (["--servers=3", "--hostname=web"], "--hostname=web: does not end in -<ordinal>"),
    (
        ["--tick_time=1500000000"],
        "--tick_time=1500000000: times --init_limit=10 exceeds 2147483647",
    ),
    (
        ["--tick_time=200000000", "--init_limit=1", "--sync_limit=1"],
        "--tick_time=200000000: times 20, the default max_session_timeout, exceeds 2147483647",
    ),
    (
        ["--max_client_cnxns=99999999999"],
        "--max_client_cnxns=99999999999: must be at most 2147483647: ZooKeeper reads it as a "
        "Java int",
    ),
    (["--purge_interval=" + "9" * 5000], "--purge_interval=" + "9" * 200 + "... (5000 characters)"),
    (["--heap=9999T"], "--heap=9999T: must be at most 4T"),
    (["--heap=" + "9" * 40 + "G"], "--heap=999"),
    (["--zk_home=/opt/zk:/tmp"], "--zk_home=/opt/zk:/tmp: contains ':'"),
    (["--data_dir=/data/\udc80"], "--data_dir='/data/\\udc80': is not valid UTF-8"),
    (["--data_dir=/data/\tx"], "--data_dir='/data/\\tx': contains a line break or other"),
    (["--servers=3", "--domain=zk hs"], "--domain=zk hs: not a DNS name (RFC 1123"),
    (["--servers=3", "--domain=zk_hs.default"], "--domain=zk_hs.default: not a DNS name"),
    (["--domain=-zk.svc"], "--domain=-zk.svc: not a DNS name"),
    (["--servers=3", "--domain=" + "a" * 64], "--domain=aaaa"),
    (["--servers=3", "--domain=" + "a." * 126 + "a"], "--domain=a.a."),
    (["--servers=3", "--hostname=zk_x-0"], "--hostname=zk_x-0: not a DNS label (RFC 1123"),
    (["--heap=2M"], "--heap=2M: must be at least 32M"),
    (["--client_address=zk-0"], "--client_address=zk-0: must be an IPv4 or IPv6 address"),
    (["--data_dir=/data/x\u0085y"], "--data_dir='/data/x\\x85y': contains a line break or other"),
    (["--data_dir=/data/x\u2028y"], "--data_dir='/data/x\\u2028y': contains a line break"),
    (["--data_dir=/" + "a" * 256], "--data_dir=/aaa"),
    (
        ["--servers=11", "--hostname=" + "a" * 61 + "-0"],
        "--hostname=" + "a" * 61 + "-0: its peer " + "a" * 61 + "-10 is longer than 63",
    ),
    (
        # zk-0.<domain> is 253 characters, the most DNS allows; zk-99.<domain> is not.
        ["--servers=100", "--domain=" + ".".join(["a" * 61] * 3 + ["a" * 62])],
        "--domain=aaa",
    ),
    (["--servers=3", "--domain="], "--domain=: empty, but --servers=3 needs it"),
    (
        ["--servers=3", "--hostname=zk-3"],
        "--hostname=zk-3: this pod's ordinal 3 is beyond --servers=3 (pods 0 to 2): the "
        "StatefulSet was scaled without changing the ensemble; scale it back (kubectl scale "
        "statefulset zk --replicas=3); to grow the ensemble, turn on --reconfig with the same "
        'members first, then scale (docs/scaling.md, "Scaling without restarts")',
    ),
]


@pytest.mark.parametrize(("argv", "expected"), BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_is_named_with_its_value(argv: list[str], expected: str) -> None:
    found = problems(argv)
    assert len(found) == 1, found
    assert found[0].startswith(expected)


def test_bad_environment_values_name_the_variable() -> None:
    assert problems([], {"ZK_CLIENT_PORT": "abc"}) == ["ZK_CLIENT_PORT=abc: not an integer"]


def test_a_system_hostname_without_ordinal_is_named() -> None:
    assert problems(["--servers=3"], fqdn="web.example.com") == [
        "hostname 'web': does not end in -<ordinal> (like zk-0), so the server id is unknown; "
        "run it as a StatefulSet pod or pass --hostname=<name>-<ordinal>"
    ]


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        ["--servers=0", "--client_port=x", "--heap=lots", "--log_level=LOUD", "--nope"]
    )
    assert [p.split(":")[0] for p in found] == [
        "--nope",
        "--servers=0",
        "--client_port=x",
        "--heap=lots",
        "--log_level=LOUD",
    ]


@pytest.mark.parametrize(
    "hostname", ["ip-172-31-5-12", "zk-3", "web", "my_laptop", "a" * 64, "zk-" + "1" * 5000]
)
def test_a_standalone_runs_under_any_hostname_without_a_server_id(hostname: str) -> None:
    s = settings(["--servers=1", f"--hostname={hostname}"])
    assert s.identity is None
    assert s.myid is None


SCALED_STANDALONE = (
    "hostname 'zk-1': this pod's ordinal 1 is beyond --servers=1 (pod 0): the StatefulSet "
    "was scaled without changing the ensemble; scale it back (kubectl -n default scale "
    "statefulset zk --replicas=1); to grow the ensemble, turn on --reconfig with the same "
    'members first, then scale (docs/scaling.md, "Scaling without restarts")'
)


def test_a_standalone_statefulsets_second_pod_is_refused() -> None:
    """`kubectl scale --replicas=3` of a standalone: zk-1 would serve a tree of its own."""
    assert problems([], fqdn="zk-1.zk-hs.default.svc.cluster.local") == [SCALED_STANDALONE]


@pytest.mark.parametrize(
    ("argv", "fqdn", "names"),
    [
        ([], "my-zk-2.my-zk-hs.zk.svc.k8s.example.com", "kubectl -n zk scale statefulset my-zk "),
        ([], "zk-2.zk-hs.default.svc.", "kubectl -n default scale statefulset zk "),
        (["--domain=elsewhere"], "zk-2.zk-hs.default.svc.cluster.local", "-n default "),
        (["--hostname=zk-2"], "zk-2.zk-hs.default.svc.cluster.local", "-n default "),
        (["--hostname=zk-2", "--domain=zk-hs.prod.svc.cluster.local"], "web", "-n prod "),
        (["--hostname=zk-2", "--domain=zk-hs.prod.svc"], "web", "-n prod "),
    ],
)
def test_a_standalone_is_refused_wherever_its_name_is_a_statefulset_pods(
    argv: list[str], fqdn: str, names: str
) -> None:
    (problem,) = problems(["--servers=1", *argv], fqdn=fqdn)
    assert "ordinal 2 is beyond --servers=1 (pod 0): the StatefulSet was scaled" in problem
    assert names in problem


@pytest.mark.parametrize(
    ("argv", "fqdn"),
    [
        ([], "ip-172-31-5-12.ec2.internal"),  # hostNetwork: the node's name
        ([], "ip-172-31-5-12.us-west-2.compute.internal"),
        ([], "ip-172-31-5-12"),
        (["--domain=zk-hs.default.svc.cluster.local"], "ip-172-31-5-12.ec2.internal"),
        ([], "zk-3.fritz.box"),
        ([], "zk-3.svc.cluster.local"),  # a domain, but no Service's
        (["--hostname=zk-3"], POD_FQDN),  # the system's domain is another host's
        (["--hostname=zk-3", "--domain=lan"], POD_FQDN),
    ],
)
def test_a_host_whose_name_only_looks_like_a_pods_runs_as_a_standalone(
    argv: list[str], fqdn: str
) -> None:
    s = settings(["--servers=1", *argv], fqdn=fqdn)
    assert s.identity is None


def test_a_static_ensembles_pod_beyond_it_is_refused_the_same_way() -> None:
    assert problems(["--servers=3"], fqdn="zk-3.zk-hs.default.svc.cluster.local") == [
        "hostname 'zk-3': this pod's ordinal 3 is beyond --servers=3 (pods 0 to 2): the "
        "StatefulSet was scaled without changing the ensemble; scale it back (kubectl -n "
        "default scale statefulset zk --replicas=3); to grow the ensemble, turn on --reconfig "
        'with the same members first, then scale (docs/scaling.md, "Scaling without restarts")'
    ]


def test_a_scaled_standalone_names_where_its_server_count_came_from() -> None:
    (problem,) = problems([], {"ZK_SERVERS": "1"}, fqdn="zk-4.zk-hs.default.svc.cluster.local")
    assert "ordinal 4 is beyond ZK_SERVERS=1 (pod 0)" in problem


def test_a_standalone_pod_beyond_pod_0_may_still_grow_with_reconfig() -> None:
    s = settings(
        ["--servers=1", "--reconfig", "--reconfig_password_file=/etc/zk/password"],
        fqdn="zk-1.zk-hs.default.svc.cluster.local",
    )
    assert s.myid == 2


def test_a_standalone_first_pod_keeps_server_id_1_for_a_later_ensemble() -> None:
    assert settings(["--servers=1", "--hostname=zk-0"]).myid == 1


def test_an_ensemble_member_needs_dns_names() -> None:
    s = settings(["--servers=5", "--hostname=Kafka-ZK-4", "--domain=ZK.Prod.svc."])
    assert (s.myid, s.domain) == (5, "ZK.Prod.svc")


@pytest.mark.parametrize("origin", ["--jvm_flags=", "ZK_JVM_FLAGS"])
def test_jvm_flags_are_never_echoed(origin: str) -> None:
    secret = "-Djavax.net.ssl.trustStorePassword='hunter2"
    if origin.startswith("--"):
        found = problems([origin + secret])
    else:
        found = problems([], {origin: secret})
    assert len(found) == 1
    assert "hunter2" not in found[0]
    assert found[0].startswith(("--jvm_flags: cannot be split", "ZK_JVM_FLAGS: cannot be split"))


def test_jvm_flags_may_span_lines() -> None:
    s = settings(env={"ZK_JVM_FLAGS": "-Da=1\n-Db=2\t-Dc=3\n"})
    assert s.jvm_flags == ("-Da=1", "-Db=2", "-Dc=3")


def test_java_int_bounds_hold_exactly() -> None:
    s = settings(["--tick_time=107374182", "--init_limit=20", "--sync_limit=20"])
    assert s.max_session_timeout == 20 * 107374182 <= 2**31 - 1
    assert problems(["--tick_time=107374183"])[0].startswith("--tick_time=107374183: times 20")
    s = settings(["--max_client_cnxns=2147483647", "--purge_interval=2147483647"])
    assert s.max_client_cnxns == s.purge_interval == 2**31 - 1
    # Integer.parseInt reads leading zeros, however many.
    assert settings(["--servers=" + "0" * 4999 + "3"]).servers == 3


def has_type(value: object, hint: object) -> bool:
    """Whether `value` is what a Settings annotation says: int, str | None, tuple[str, ...]."""
    if isinstance(hint, types.UnionType):
        return any(has_type(value, each) for each in typing.get_args(hint))
    if typing.get_origin(hint) is tuple:
        (item, _) = typing.get_args(hint)
        return isinstance(value, tuple) and all(isinstance(each, item) for each in value)
    return isinstance(value, typing.cast(type, hint))


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--servers=3", "--observers=2", "--hostname=zk-4", "--domain=zk-hs"],
        ["--tls_dir=/tls", "--client_address=0.0.0.0", "--reconfig", "--reconfig_password_file=/p"],
        ["--heap=auto", "--zk_home=/zk", "--tls_dir=/tls", "--tls_client_ca=/ca.crt"],
    ],
)
def test_every_field_holds_the_type_it_declares(argv: list[str]) -> None:
    """Settings is built from a mapping by name: this is the check mypy cannot make."""
    s = load_settings(argv, {}, lambda: POD_FQDN, lambda: memory.Limit(2**30, "memory.max"))
    hints = typing.get_type_hints(Settings)
    for name in Settings._fields:
        assert has_type(getattr(s, name), hints[name]), name


def test_every_field_is_a_flag_but_those_start_zookeeper_derives() -> None:
    derived = set(Settings._fields) - {f.name for f in FLAGS}
    assert derived == {"max_direct_memory", "heap_reason", "identity", "zk_home_source"}


@pytest.mark.parametrize(
    ("argv", "ensemble"),
    [
        ([], False),
        (["--servers=3"], True),
        # One server in reconfig mode is the first of an ensemble that may grow.
        (["--reconfig", "--reconfig_password_file=/p"], True),
    ],
)
def test_an_ensemble_is_more_than_one_server_or_one_that_may_grow(
    argv: list[str], ensemble: bool
) -> None:
    assert settings(argv).is_ensemble is ensemble
