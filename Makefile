# Every target runs inside the project's virtualenv (.venv), made by `make setup`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup tools test lint cluster manifests bench chaos demo image e2e plugin-archive clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## setup: virtualenv, dependencies, and the pinned etcd/kube-apiserver/kubectl/helm binaries
setup: $(STAMP) tools

## tools: build the pinned binaries into ~/.cache/sagemaker-k8s-operator (skipped when cached)
tools: $(STAMP)
	$(PY) -m local_cluster build

## test: the whole suite, unit and integration (starts its own kube-apiserver)
test: setup
	$(PY) -m pytest

## lint: ruff and mypy --strict
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## cluster: run a local etcd + kube-apiserver in the foreground; prints KUBECONFIG=<path>
cluster: setup
	$(PY) -m local_cluster start

## manifests: regenerate CRDs, RBAC, manager and release YAML from apis/
manifests: $(STAMP)
	$(PY) -m apis.manifests

## demo: the local stack (kube-apiserver, SageMaker emulator, operator) with the samples
demo: setup
	$(PY) -m local_stack

## bench: every benchmark in benchmarks/, each printing its figures
bench: setup
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

## chaos: the chaos scenarios at full size (kills, apiserver restarts, failover, faults), one table
chaos: setup
	$(PY) -m chaos $(CHAOS_FLAGS)

## image: the operator's container image (podman, on a base built from Debian packages); prints its size
image:
	bash e2e/build-image.sh

## e2e: install with the release YAML and Helm on a real local node (root; installs Debian packages)
e2e: setup
	bash e2e/run.sh

## plugin-archive: the krew archive of kubectl smlogs in dist/; writes its uri and sha256 into plugins/smlogs.yaml
plugin-archive: $(STAMP)
	$(PY) plugins/build_archive.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
