"""mntr parsing and its JSON and Prometheus forms, checked with Prometheus' own parser."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from zkcontainer.mntr import parse_labels, parse_mntr, parse_number, to_json, to_prometheus

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


def series(text: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """Every (name, labels) the exposition holds, read by Prometheus' own parser."""
    return [
        (sample.name, tuple(sorted(sample.labels.items())))
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


ODD_KEYS = """\
zk_server_state\tleader
zk_weird-key\tsome text
zk_a.b\t1
zk_a_b\t2
zk_version\t3.8.0
zk_version_info\t7
zk_9lives\tnine
zk___name__\tx
zk_x{a="1",a="2"}\t3
zk_x{__name__="y"}\t4
zk_q{quantile="0.5"}\t1.0
zk_q{quantile="0.5"}\t2.0
zk_back\\slash\t5
"""


def test_odd_keys_never_make_invalid_or_duplicate_series() -> None:
    text = to_prometheus(parse_mntr(ODD_KEYS))
    found = series(text)
    assert len(found) == len(set(found)), text
    parsed = families(text)
    assert parsed["zookeeper_weird_key_info"] == [({"weird_key": "some text"}, 1.0)]
    assert parsed["zookeeper_a_b"] == [({}, 1.0)]  # the first of zk_a.b and zk_a_b
    assert parsed["zookeeper_version_info"] == [({"version": "3.8.0"}, 1.0)]  # not the 7
    assert parsed["zookeeper_9lives_info"] == [({"_9lives": "nine"}, 1.0)]
    assert parsed["zookeeper___name___info"] == [({"_name__": "x"}, 1.0)]
    assert parsed["zookeeper_x"] == [({"a": "1"}, 3.0), ({"_name__": "y"}, 4.0)]
    assert parsed["zookeeper_q"] == [({"quantile": "0.5"}, 1.0)]
    assert parsed["zookeeper_back_slash"] == [({}, 5.0)]
    assert "# HELP zookeeper_back_slash ZooKeeper mntr zk_back\\\\slash\n" in text


def test_every_type_line_names_a_family_once() -> None:
    text = to_prometheus(parse_mntr(ODD_KEYS + PLAIN + PROVIDER_FORM))
    types = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
    assert len(types) == len(set(types))
    found = series(text)
    assert len(found) == len(set(found))


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("42", 42),
        ("-7", -7),
        ("0.25", 0.25),
        ("1e3", 1000.0),
        ("1_000", None),
        ("²", None),
        ("leader", None),
        ("9" * 5000, math.inf),
    ],
)
def test_numbers_are_read_as_zookeeper_writes_them(text: str, number: float | None) -> None:
    assert parse_number(text) == number


def test_a_passed_deadline_stops_parsing_and_formatting() -> None:
    big = "".join(f"zk_metric_{i}\t{i}\n" for i in range(10_000))
    past = time.monotonic() - 1
    samples = parse_mntr(big)
    for work in (
        lambda: parse_mntr(big, past),
        lambda: to_prometheus(samples, past),
        lambda: to_json(samples, past),
    ):
        with pytest.raises(TimeoutError):
            work()


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ('quantile="0.5"', (("quantile", "0.5"),)),
        ('a="1",b="2",', (("a", "1"), ("b", "2"))),
        (' a="1" , b="2" ', (("a", "1"), ("b", "2"))),
        (r'a="x\"y\\z\nw\q"', (("a", 'x"y\\z\nwq'),)),
        (r'a="\\\\n"', (("a", "\\\\n"),)),
        (r'a="\\\n"', (("a", "\\\n"),)),
        ("", ()),
        ('a="1"b="2"', None),  # no comma
        ('a="1', None),  # no closing quote
        ('a="1\\"', None),  # the last quote is escaped
        ("a", None),
        ('1a="x"', None),
        ('a="1",,b="2"', None),
    ],
)
def test_labels_parse_as_the_exposition_format_writes_them(
    text: str, labels: tuple[tuple[str, str], ...] | None
) -> None:
    assert parse_labels(text) == labels


@pytest.mark.parametrize(
    "line",
    [
        "zk_a{" + "a" * 2_000_000 + "}\t1",  # took minutes with a backtracking regex
        'zk_a{a="' + "\\" * 2_000_000 + "}\t1",
        "zk_a{" + 'a="",' * 400_000 + "b}\t1",
        "zk_a{" + " " * 2_000_000 + "}\t1",
    ],
    ids=["a label name without a value", "backslashes", "many labels, then garbage", "spaces"],
)
def test_a_malformed_label_set_of_megabytes_is_left_out_in_linear_time(line: str) -> None:
    started = time.monotonic()
    samples = parse_mntr(f"zk_server_state\tleader\n{line}\n")
    # A hang detector, not a benchmark: a linear parse takes milliseconds and a
    # backtracking one minutes, so a loaded machine cannot blur the two.
    assert time.monotonic() - started < 15.0
    assert [sample.key for sample in samples] == ["zk_server_state"]


def test_the_same_labels_in_another_order_are_one_series() -> None:
    text = to_prometheus(
        parse_mntr('zk_x{a="1",b="2"}\t1\nzk_x{b="2",a="1"}\t2\nzk_x{ b="2" , a="1" }\t3\n')
    )
    assert families(text)["zookeeper_x"] == [({"a": "1", "b": "2"}, 1.0)]
    assert 'zookeeper_x{a="1",b="2"} 1\n' in text


HUGE = [
    "1" * 308,  # within float range: written as the float it rounds to
    "9" * 309,  # beyond it, as ZooKeeper never writes but a broken server might
    "-" + "9" * 400,
    "9" * 4300,  # the longest int() takes
    "9" * 4301,
    str(2**53 + 1),
    str(2**1024),
    "1e400",
    "-1e400",
    "1e-400",
    "nan",
]


def test_values_beyond_the_float_range_are_floats_prometheus_reads() -> None:
    mntr = "zk_server_state\tleader\n" + "".join(f"zk_v{i}\t{v}\n" for i, v in enumerate(HUGE))
    text = to_prometheus(parse_mntr(mntr))
    written = {
        line.split()[0]: line.split()[1]
        for line in text.splitlines()
        if line.startswith("zookeeper_v")
    }
    for i, value in enumerate(HUGE):
        token = written[f"zookeeper_v{i}"]
        expected = float(value)
        # What Go's ParseFloat takes: a finite number within range, or a spelled-out
        # infinity; Python's float() reads "1" * 400 as inf, Go refuses it.
        assert token in ("+Inf", "-Inf", "NaN") or math.isfinite(float(token)), token
        assert float(token) == expected or (math.isnan(expected) and math.isnan(float(token)))
    assert written["zookeeper_v0"] == "1.1111111111111111e+307"
    assert written["zookeeper_v1"] == "+Inf"
    assert written["zookeeper_v2"] == "-Inf"
    parsed = families(text)
    assert parsed["zookeeper_v4"] == [({}, math.inf)]
    promtool = shutil.which("promtool")
    if promtool is not None:  # Prometheus' own parser, in Go
        result = subprocess.run(
            [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
        )
        # 3 is lint advice (names, units); 1 is a text that does not parse.
        assert result.returncode in (0, 3), result.stdout + result.stderr
        assert "parsing error" not in result.stdout + result.stderr
