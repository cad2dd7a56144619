#!/usr/bin/env bash
# `make e2e`: the operator image on a real local node, installed as users install it.
# Needs root (containerd, kubelet, iptables). Installs the Debian packages it needs; a
# missing one that cannot be installed fails the run with its name, nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "make e2e: needs root (it runs containerd, a kubelet and kube-proxy)" >&2
    exit 1
fi

# prometheus brings promtool (Debian's prometheus itself lacks Kubernetes discovery, so the
# server is built from its Go module like the other pinned binaries).
packages=(podman mmdebstrap containerd runc containernetworking-plugins iptables prometheus)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "make e2e: installing Debian packages: ${missing[*]}" >&2
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "${missing[@]}"; } >/tmp/sagemaker-e2e-apt.log 2>&1; then
        tail -20 /tmp/sagemaker-e2e-apt.log >&2
        echo "make e2e: could not install ${missing[*]} (log: /tmp/sagemaker-e2e-apt.log)" >&2
        exit 1
    fi
fi
if ! command -v go >/dev/null 2>&1; then
    echo "make e2e: 'go' is missing; it builds the Kubernetes binaries and the pause image" >&2
    exit 1
fi

started=$(date +%s)
bash e2e/build-image.sh
.venv/bin/python -m local_cluster build kubelet kube-controller-manager kube-scheduler kube-proxy helm kubectl prometheus
.venv/bin/python -m pytest e2e -p no:cacheprovider -o testpaths=e2e --timeout=900 --durations=25 "$@"
echo "make e2e: passed in $(( $(date +%s) - started ))s"
