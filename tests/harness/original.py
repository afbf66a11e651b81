"""What the original kubernetes-zookeeper manifests run, verbatim."""

from __future__ import annotations

import shlex

START_COMMAND = (
    "start-zookeeper --servers=3 --data_dir=/var/lib/zookeeper/data "
    "--data_log_dir=/var/lib/zookeeper/data/log --conf_dir=/opt/zookeeper/conf "
    "--client_port=2181 --election_port=3888 --server_port=2888 --tick_time=2000 "
    "--init_limit=10 --sync_limit=5 --heap=512M --max_client_cnxns=60 --snap_retain_count=3 "
    "--purge_interval=12 --max_session_timeout=40000 --min_session_timeout=4000 --log_level=INFO"
)
START_FLAGS = shlex.split(START_COMMAND)[1:]
PROBE_COMMAND = "zookeeper-ready 2181"
