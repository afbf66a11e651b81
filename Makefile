# zkcontainer's front door. `make test` sets up everything it needs on a fresh
# Debian machine (system packages when root, a virtualenv) and runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO_DIR ?= $(CURDIR)/demo-data

IMAGE ?= zkcontainer:dev
export IMAGE

.PHONY: help test lint unit deps system-deps demo demo-down demo-local clean bench bench-revisions bench-failover bench-start bench-backup image docker manifests chart

# A bare `make` lists the targets rather than starting the whole suite: each
# target's `## ` comment is its line.
.DEFAULT_GOAL := help
help: ## list the targets (this)
	@echo "make TARGET, where TARGET is one of:"
	@sed -n 's/^\([a-z-]*\):.*## \(.*\)/  \1\t\2/p' $(MAKEFILE_LIST) | expand -t 20
	@echo "Every target that needs deps installs missing Debian packages first when run as root."

# The fast tiers first (minutes), so a broken unit stops the run before the
# container tier starts; that one reports each test as it finishes. Each tier's
# files are spread over TEST_WORKERS processes (one per core by default), a file
# kept whole on one of them: a module's or a class's shared servers are started
# once. The container tier runs at most two ensembles at a time.
TEST_WORKERS ?= auto
CONTAINER_WORKERS ?= 2
test: lint ## lint, then every test tier (as root: installs Debian packages)
	@scripts/ensure-docker || echo "make test: no Docker engine; the container tier will say so"
	$(BIN)/pytest -m "not container" -n $(TEST_WORKERS) --dist loadfile --durations=5
	$(BIN)/pytest -m container -n $(CONTAINER_WORKERS) --dist loadfile -v --durations=10

unit: deps ## the fast tier: no processes, no containers (seconds)
	$(BIN)/pytest -m "not process and not container"

lint: deps ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

deps: system-deps $(INSTALLED) ## .venv (as root: installs Debian packages first)

system-deps: ## as root: installs Debian packages (JDK, ZooKeeper ...); else lists them
	@scripts/install-system-deps

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

# The main job: a 3-member ensemble of the image, run as its StatefulSet runs it.
demo: deps image ## 3 members of the image in Docker (as root: installs Debian packages)
	$(BIN)/python scripts/demo.py $(IMAGE)

demo-down: deps docker ## stop and remove the demo ensemble
	$(BIN)/python scripts/demo.py down

# No Docker: a standalone ZooKeeper started by start-zookeeper on this host,
# data kept in ./demo-data, until Ctrl-C.
demo-local: deps ## ZooKeeper on this host until Ctrl-C (as root: installs Debian packages)
	@port=$${DEMO_PORT:-$$($(BIN)/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}; \
	echo "ZooKeeper on 127.0.0.1:$$port, data in $(DEMO_DIR); Ctrl-C stops it."; \
	echo "Try: echo ruok | nc 127.0.0.1 $$port   (ZooKeeper's warnings and errors show here)"; \
	exec $(BIN)/python scripts/foreground.py \
		--stopped "ZooKeeper stopped; its data stays in $(DEMO_DIR)." -- \
		$(BIN)/start-zookeeper --hostname=zk-0 --domain= --heap=256M \
		--client_port=$$port --client_address=127.0.0.1 \
		--data_dir=$(DEMO_DIR)/data --data_log_dir=$(DEMO_DIR)/data/log \
		--conf_dir=$(DEMO_DIR)/conf --log_dir=$(DEMO_DIR)/log --log_level=WARN

# The image, built on a pulled debian:trixie-slim or, where no registry
# answers, on a base made from Debian's packages (docker/base-image).
# ZOOKEEPER_RELEASE=trixie builds the previous image (ZooKeeper 3.9.3).
image: docker ## build the image, tagged IMAGE (zkcontainer:dev)
	docker/build-image

docker: ## start the Docker engine (as root: installs docker.io if missing)
	@scripts/ensure-docker

# manifests/*.yaml: charts/zookeeper rendered by Helm's own engine for release
# zk (see docs/helm-chart.md); a test fails when they drift from the chart.
manifests: deps ## render charts/zookeeper into manifests/*.yaml
	$(BIN)/python scripts/chart.py manifests

# zookeeper-<version>.tgz and a chart repository's index.yaml in $(CHART_DIR);
# CHART_URL=https://... when the index must name where the repository is served.
CHART_DIR ?= dist/charts
chart: deps ## the chart package and a repository index in CHART_DIR (dist/charts)
	$(BIN)/python scripts/chart.py package $(CHART_DIR) $(if $(CHART_URL),--url $(CHART_URL))

clean: ## remove .venv, demo data, build output and caches
	rm -rf $(VENV) $(DEMO_DIR) dist .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# How long a client goes without an acknowledged write when the leader fails
# (see docs/failover.md); ROUNDS=1 for a quick look.
ROUNDS ?= 3
bench-failover: deps image ## how long writes stop when the leader fails
	$(BIN)/python bench/failover.py $(IMAGE) --rounds $(ROUNDS)

# How fast a server is serving: a standalone container, an ensemble pod
# recreated (see docs/image.md).
bench-start: deps image ## how fast a container or a recreated pod serves
	$(BIN)/python bench/start.py $(IMAGE) --rounds $(ROUNDS)

# What a backup costs: zookeeper-backup and --restore_from against a tar of the
# data directory, at 10k and 100k znodes (SIZES=200,400 for a quick look).
SIZES ?= 10000,100000
bench-backup: deps image ## zookeeper-backup and --restore_from against tar
	$(BIN)/python bench/backup.py $(IMAGE) --rounds $(ROUNDS) --sizes $(SIZES)

# Probe cost against the shell probes they replace (see docs/probes-and-metrics.md).
bench: deps ## the probes' cost against the shell probes they replace
	@scripts/install-system-deps time
	$(BIN)/python bench/probes.py

# The probes of an earlier revision against this tree's, alternating in one
# run: a change must not slow them (REV=v0.1.0, a commit, HEAD~5 ...).
REV ?= HEAD
bench-revisions: deps ## the probes of REV=<commit> against this tree's
	$(BIN)/python bench/revisions.py $(REV)
