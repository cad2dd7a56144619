#!/usr/bin/env bash
# `make image`: build the operator image with podman, from a base made locally out of
# Debian packages (this machine reaches Debian's mirror and PyPI but no container
# registry), and save it as an OCI archive that containerd can import.
#
#   IMAGE   the tag to build            (default localhost/sagemaker-k8s-operator:dev)
#   ARCHIVE where to save it            (default ~/.cache/sagemaker-k8s-operator/images/operator.tar)
#   BASE    an image to build on instead of the local Debian one (e.g. python:3.11-slim)
#   PAUSE=0 skip the test node's pause image (built next to the archive as pause.tar)
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/sagemaker-k8s-operator:dev}
CACHE=${SAGEMAKER_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sagemaker-k8s-operator}
ARCHIVE=${ARCHIVE:-$CACHE/images/operator.tar}
LOCAL_BASE=localhost/sagemaker-operator-base:bookworm-py3.11-2

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "make image: '$1' is missing; install it with: apt-get install -y $2" >&2
        exit 1
    fi
}
need podman podman
need runc runc
# crun (podman's default on Debian) cannot start containers on this kind of VM; runc can.
PODMAN=(podman --runtime runc)

if [ -z "${BASE:-}" ]; then
    BASE=$LOCAL_BASE
    if ! "${PODMAN[@]}" image exists "$BASE"; then
        need mmdebstrap mmdebstrap
        work=$(mktemp -d)
        trap 'rm -rf "$work"' EXIT
        echo "make image: building the base $BASE from Debian bookworm (once)" >&2
        # minbase plus python3 and its venv module; docs, man pages and locales are dropped.
        # mmdebstrap's merged-usr hook merges /usr itself, so the usrmerge package (and the
        # 50 MB of perl it pulls in) stays out.
        mmdebstrap --variant=minbase --quiet \
            --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
            --include=python3,python3-venv,ca-certificates \
            --aptopt='APT::Install-Recommends "false"' \
            --dpkgopt='path-exclude=/usr/share/doc/*' \
            --dpkgopt='path-exclude=/usr/share/man/*' \
            --dpkgopt='path-exclude=/usr/share/locale/*' \
            --dpkgopt='path-exclude=/usr/share/info/*' \
            bookworm "$work/base.tar"
        "${PODMAN[@]}" import --change 'CMD ["python3"]' "$work/base.tar" "$BASE" >/dev/null
        rm -rf "$work"
        trap - EXIT
    fi
fi

# The build stage installs the wheel's dependencies from PyPI; host networking lets it reach
# PyPI without a container network (which needs a CNI config this machine may not have).
build_args=(--network=host --build-arg "BASE=$BASE")
# Behind a TLS-intercepting proxy pip needs this machine's CA bundle; it is mounted into
# the build stage only, never copied into the image.
host_ca=${PIP_CERT:-${SSL_CERT_FILE:-}}
if [ -n "$host_ca" ] && [ -f "$host_ca" ]; then
    build_args+=(--volume "$host_ca:/run/host-ca.crt:ro" --build-arg PIP_CERT=/run/host-ca.crt)
fi
"${PODMAN[@]}" build "${build_args[@]}" --tag "$IMAGE" --file Containerfile .

save() {  # image, archive: only when the image changed, so containerd skips a re-import
    local id
    id=$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$1")
    if [ -f "$2" ] && [ "$(cat "$2.id" 2>/dev/null)" = "$id" ]; then
        return
    fi
    mkdir -p "$(dirname "$2")"
    rm -f "$2"
    "${PODMAN[@]}" save --quiet --format docker-archive --output "$2" "$1"
    echo "$id" > "$2.id"
}
save "$IMAGE" "$ARCHIVE"
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
echo "make image: $IMAGE is $((size / 1000000)) MB ($size bytes); saved to $ARCHIVE"

# The test node's pause image (see e2e/pause/main.go): built with the Go that builds the
# Kubernetes binaries.
if [ "${PAUSE:-1}" = 1 ]; then
    PAUSE_IMAGE=localhost/sagemaker-local-node/pause:3.10
    pause_dir=$(mktemp -d)
    cp e2e/pause/main.go e2e/pause/go.mod e2e/pause/Containerfile "$pause_dir/"
    (cd "$pause_dir" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o pause .)
    "${PODMAN[@]}" build --quiet --network=none --tag "$PAUSE_IMAGE" "$pause_dir" >/dev/null
    rm -rf "$pause_dir"
    save "$PAUSE_IMAGE" "$(dirname "$ARCHIVE")/pause.tar"
fi
