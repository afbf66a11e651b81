"""The flag sets whose rendered files tests/golden/ keeps, each with the pod's FQDN."""

from __future__ import annotations

from tests.harness.original import START_FLAGS
from zkcontainer.settings import Settings, load_settings

CASES = {
    "original-manifest-zk-1": (
        START_FLAGS,
        "zk-1.zk-hs.default.svc.cluster.local",
    ),
    "standalone-defaults": ([], "3f4e5a6b7c8d"),
    "tuned-debug-admin": (
        [
            "--servers=5",
            "--log_level=debug",
            "--admin_port=8080",
            "--four_letter_words=ruok,srvr,stat",
            '--jvm_flags=-Djute.maxbuffer=4194304 -Dzookeeper.extra="a b"',
            "--log_dir=/var/log/zoo $weird",
            "--client_address=fd00::5",
        ],
        "kafka-zk-4.kafka-zk.prod.svc.cluster.local",
    ),
    # Every character a Properties file, a shell or a URL reads as something else.
    "hostile-paths": (
        [
            "--data_dir=/data/dätä #1 !x=y:z\\",
            "--data_log_dir=/log/\\tab\\n 😀",
            "--conf_dir=/conf/%41#frag?q= sp",
            '--log_dir=/logs/"$HOME" `id` \\',
            "--jvm_flags=-Dp='$USER \\ \"q\"'",
        ],
        "zk-0",
    ),
    # Observers (README, "Observers"): a voter lists them, an observer is one.
    "observers-voter": (
        ["--servers=3", "--observers=2"],
        "zk-0.zk-hs.default.svc.cluster.local",
    ),
    "observers-observer": (
        ["--servers=3", "--observers=2"],
        "zk-4.zk-hs.default.svc.cluster.local",
    ),
    # TLS (docs/tls.md): one case per mode ZooKeeper is configured in.
    "tls-ensemble": (
        ["--servers=3", "--tls_dir=/etc/zookeeper/tls"],
        "zk-1.zk-hs.default.svc.cluster.local",
    ),
    "tls-only-standalone-want": (
        ["--tls_dir=/etc/zookeeper/tls", "--client_port=0", "--tls_client_auth=want"],
        "zk-0",
    ),
    "tls-migration-plaintext-quorum": (
        [
            "--servers=3",
            "--tls_dir=/etc/zookeeper/tls",
            "--tls_quorum=false",
            "--tls_port_unification=true",
            "--tls_client_auth=none",
        ],
        "zk-0.zk-hs.default.svc.cluster.local",
    ),
    "tls-migration-tls-quorum-unverified": (
        [
            "--servers=3",
            "--tls_dir=/etc/zookeeper/tls",
            "--tls_port_unification=true",
            "--tls_quorum_hostname_verification=false",
            "--secure_client_port=3181",
        ],
        "zk-2.zk-hs.default.svc.cluster.local",
    ),
    "tls-ensemble-client-ca": (
        ["--servers=3", "--tls_dir=/etc/zookeeper/tls", "--tls_client_ca=/etc/zk-clients/ca.crt"],
        "zk-1.zk-hs.default.svc.cluster.local",
    ),
}


def case_settings(case: str) -> Settings:
    argv, fqdn = CASES[case]
    return load_settings(argv, {}, lambda: fqdn)
