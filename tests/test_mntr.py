"""mntr parsing and its JSON and Prometheus forms, checked with Prometheus' own parser."""

from __future__ import annotations

import json
import math

from prometheus_client.parser import text_string_to_metric_families

from zkcontainer.mntr import parse_mntr, to_json, to_prometheus

PLAIN = """\
zk_version\t3.8.0-abc, built on 2024-12-29 17:54 UTC
zk_server_state\tleader
zk_peer_state\tleading - broadcast
zk_avg_latency\t0.25
zk_znode_count\t42
zk_learners\t2
zk_synced_followers\t2
"""

# With PrometheusMetricsProvider, values are floats and summaries carry labels.
PROVIDER_FORM = """\
zk_version\t3.9.5
zk_server_state\tfollower
zk_znode_count\t42.0
zk_readlatency{quantile="0.5"}\t1.0
zk_readlatency{quantile="0.99"}\t3.0
zk_readlatency_count\t17.0
zk_jvm_info{runtime="OpenJDK \\"17\\"",vendor="Debian"}\t1.0
zk_odd_value\tNaN
"""


def families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    parsed = {}
    for family in text_string_to_metric_families(text):
        parsed[family.name] = [(sample.labels, sample.value) for sample in family.samples]
    return parsed


def test_plain_mntr_parses_to_keys_and_texts() -> None:
    samples = parse_mntr(PLAIN)
    assert [s.key for s in samples][:3] == ["zk_version", "zk_server_state", "zk_peer_state"]
    assert samples[3].number == 0.25
    assert samples[4].number == 42
    assert samples[1].number is None


def test_provider_form_keeps_labels() -> None:
    latency = [s for s in parse_mntr(PROVIDER_FORM) if s.key == "zk_readlatency"]
    assert [s.labels for s in latency] == [(("quantile", "0.5"),), (("quantile", "0.99"),)]
    jvm = next(s for s in parse_mntr(PROVIDER_FORM) if s.key == "zk_jvm_info")
    assert jvm.labels == (("runtime", 'OpenJDK "17"'), ("vendor", "Debian"))


def test_json_is_one_object_with_numbers_as_numbers() -> None:
    document = json.loads(to_json(parse_mntr(PLAIN)))
    assert document["zk_server_state"] == "leader"
    assert document["zk_znode_count"] == 42
    assert document["zk_avg_latency"] == 0.25
    provider = json.loads(to_json(parse_mntr(PROVIDER_FORM)))
    assert provider['zk_readlatency{quantile="0.99"}'] == 3.0
    assert provider["zk_odd_value"] is None


def test_prometheus_exposition_parses_and_renames() -> None:
    parsed = families(to_prometheus(parse_mntr(PLAIN)))
    assert parsed["zookeeper_znode_count"] == [({}, 42.0)]
    assert parsed["zookeeper_avg_latency"] == [({}, 0.25)]
    assert parsed["zookeeper_server_state_info"] == [({"server_state": "leader"}, 1.0)]
    assert parsed["zookeeper_peer_state_info"] == [({"peer_state": "leading - broadcast"}, 1.0)]
    assert parsed["zookeeper_version_info"][0][0]["version"].startswith("3.8.0-abc")


def test_prometheus_exposition_of_the_provider_form_groups_quantiles() -> None:
    text = to_prometheus(parse_mntr(PROVIDER_FORM))
    parsed = families(text)
    assert parsed["zookeeper_readlatency"] == [
        ({"quantile": "0.5"}, 1.0),
        ({"quantile": "0.99"}, 3.0),
    ]
    assert text.count("# TYPE zookeeper_readlatency ") == 1
    assert parsed["zookeeper_jvm_info"] == [({"runtime": 'OpenJDK "17"', "vendor": "Debian"}, 1.0)]
    assert math.isnan(parsed["zookeeper_odd_value"][0][1])


def test_every_family_has_help_and_type() -> None:
    text = to_prometheus(parse_mntr(PLAIN))
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    helps = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP")}
    assert names == helps == set(families(text))


def test_lines_that_are_not_mntr_are_ignored() -> None:
    assert parse_mntr("no tab here\n\n\tvalue without key\n") == []
