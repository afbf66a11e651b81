"""Who reaches the members: the chart's NetworkPolicy, and the helm test hook that asks them."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.harness.apiserver import validate_strictly
from tests.harness.chart import documents, render
from tests.harness.chartcases import KUBERNETES_VERSIONS, README, one, rendered_documents
from tests.harness.chartpolicy import MEMBER_LABELS, TEST_POD_PEER, ingress_rules


def test_quorum_ports_admit_only_the_members_and_the_client_port_its_selector() -> None:
    members = [{"podSelector": {"matchLabels": MEMBER_LABELS}}]
    assert ingress_rules({}) == {
        2888: members,
        3888: members,
        2181: [{"namespaceSelector": {}}, TEST_POD_PEER, *members],
    }
    clients = [{"podSelector": {"matchLabels": {"zk-client": "yes"}}}]
    assert ingress_rules({"networkPolicy": {"clientFrom": clients}})[2181] == [
        *clients,
        TEST_POD_PEER,
        *members,
    ]
    assert ingress_rules({"networkPolicy": {"clientFrom": []}})[2181] is None


def test_the_test_pod_carries_the_labels_the_policy_admits() -> None:
    labels = one(rendered_documents("defaults"), "Pod")["metadata"]["labels"]
    assert TEST_POD_PEER["podSelector"]["matchLabels"].items() <= labels.items()


def test_the_network_policy_can_be_left_out() -> None:
    docs = documents(render({"networkPolicy": {"enabled": False}}))
    assert "NetworkPolicy" not in {doc["kind"] for doc in docs}


def test_the_readme_network_policy_example_renders_valid() -> None:
    (example,) = re.findall(r"```yaml\n(networkPolicy:.*?)```", README, re.DOTALL)
    validate_strictly(documents(render(yaml.safe_load(example))), KUBERNETES_VERSIONS[-1])


@pytest.mark.parametrize(("value_set", "members"), [("defaults", 3), ("values-micro.yaml", 1)])
def test_the_test_hook_asks_every_member_and_the_client_service(
    value_set: str, members: int
) -> None:
    pod = one(rendered_documents(value_set), "Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["spec"]["restartPolicy"] == "Never"
    script = pod["spec"]["containers"][0]["command"][-1]
    hosts = " ".join(f"my-zk-{i}.my-zk-hs" for i in range(members))
    assert f"for member in {hosts} ;" in script
    assert "zookeeper-ready --serving --timeout 5 --host my-zk-cs 2181" in script
    assert ("leaders, not one" in script) == (members > 1)
    assert ("not standalone" in script) == (members == 1)


def test_the_test_hook_is_not_installed_with_the_release() -> None:
    kinds = {doc["kind"] for doc in rendered_documents("defaults", hooks=False)}
    assert "Pod" not in kinds
