"""TLS flags: every value is read and checked, none silently taken as its default."""

from __future__ import annotations

import pytest

from zkcontainer import ConfigError
from zkcontainer.settings import FLAGS, FLAGS_BY_NAME, TLS_ONLY_FLAGS, Flag, load_settings

POD_FQDN = "zk-0.zk-hs.default.svc.cluster.local"
BOOL_FLAGS = [flag for flag in FLAGS if flag.kind == "bool"]
TLS = ["--tls_dir=/etc/zk-tls"]


def problems(argv: list[str], env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(argv, env or {}, lambda: POD_FQDN)
    return caught.value.problems


@pytest.mark.parametrize("flag", BOOL_FLAGS, ids=[flag.name for flag in BOOL_FLAGS])
@pytest.mark.parametrize("bad", ["ture", "nope", "2", ""])
def test_every_true_false_flag_refuses_a_bad_value(flag: Flag, bad: str) -> None:
    name = flag.name
    assert f"--{name}={bad}: must be true or false" in problems([*TLS, f"--{name}={bad}"])


@pytest.mark.parametrize("flag", BOOL_FLAGS, ids=[flag.name for flag in BOOL_FLAGS])
def test_every_true_false_variable_refuses_a_bad_value(flag: Flag) -> None:
    env_name = flag.env_name
    assert f"{env_name}=nope: must be true or false" in problems(TLS, {env_name: "nope"})


@pytest.mark.parametrize("name", TLS_ONLY_FLAGS)
def test_a_tls_flag_without_tls_dir_is_refused_not_ignored(name: str) -> None:
    value = FLAGS_BY_NAME[name].default or "/etc/zk-clients/ca.crt"
    assert f"--{name}={value}: needs --tls_dir" in problems([f"--{name}={value}"])
    env_name = FLAGS_BY_NAME[name].env_name
    assert f"{env_name}={value}: needs --tls_dir" in problems([], {env_name: str(value)})
