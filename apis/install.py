"""The objects that install the operator: its ServiceAccount, RBAC, Deployment and metrics Service.

Everything takes the namespace (and the other knobs the Helm charts expose) as plain
values, so the release YAMLs and the charts are rendered from this one description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apis.common import GROUP
from apis.kinds import ALL_KINDS

PREFIX = "sagemaker-k8s-operator"
NAMESPACE = f"{PREFIX}-system"
SERVICE_ACCOUNT = f"{PREFIX}-default"
DEPLOYMENT = f"{PREFIX}-controller-manager"
METRICS_SERVICE = f"{DEPLOYMENT}-metrics-service"
MANAGER_ROLE = f"{PREFIX}-manager-role"
LEADER_ELECTION_ROLE = f"{PREFIX}-leader-election-role"
METRICS_AUTH_ROLE = f"{PREFIX}-metrics-auth-role"
METRICS_READER_ROLE = f"{PREFIX}-metrics-reader"
LEADER_ELECTION_ID = f"{PREFIX}-leader-election"
IMAGE = "ghcr.io/sagemaker-k8s-operator/operator:0.1.0"
ROLE_ARN_PLACEHOLDER = "arn:aws:iam::123456789012:role/REPLACE-WITH-YOUR-OPERATOR-ROLE"
METRICS_PORT = 8080
HEALTH_PORT = 8081
SELECTOR = {"control-plane": "controller-manager", "app.kubernetes.io/name": PREFIX}
# After SIGTERM the manager lets in-flight reconciles finish for GRACEFUL_SHUTDOWN_SECONDS
# (controller-runtime's default), then releases the Lease (a PUT: at most 4 s with the
# default timing), stops its servers (2 s) and closes its clients (5 s): 41 s at most, see
# controller.manager.shutdown_budget_seconds. The kubelet's SIGKILL must come later than
# that, or the Lease is never released and a standby waits out the lease duration.
GRACEFUL_SHUTDOWN_SECONDS = 30
TERMINATION_GRACE_SECONDS = 45

Manifest = dict[str, Any]


@dataclass(frozen=True)
class InstallOptions:
    """What differs between installs: scope, namespace, image, role, leader election."""

    namespace: str = NAMESPACE
    namespaced: bool = False
    image: str = IMAGE
    role_arn: str = ROLE_ARN_PLACEHOLDER
    leader_elect: bool = True
    resources: dict[str, Any] = field(
        default_factory=lambda: {
            "limits": {"cpu": "500m", "memory": "512Mi"},
            "requests": {"cpu": "100m", "memory": "128Mi"},
        }
    )


def manager_rules() -> list[dict[str, Any]]:
    """What the manager may do: everything with its kinds, events, and reading its own pods."""
    plurals = [info.plural for info in ALL_KINDS]
    return [
        {
            "apiGroups": [GROUP],
            "resources": plurals,
            # deletecollection: a tuning job removes its TrainingJob mirrors, a
            # HostingDeployment the old operator's Model and EndpointConfig objects.
            "verbs": [
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ],
        },
        {
            "apiGroups": [GROUP],
            "resources": [f"{plural}/status" for plural in plurals],
            "verbs": ["get", "patch", "update"],
        },
        {
            "apiGroups": [GROUP],
            "resources": [f"{plural}/finalizers" for plural in plurals],
            "verbs": ["update"],
        },
        {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
        {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]},
    ]


def service_account(options: InstallOptions) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": SERVICE_ACCOUNT,
            "namespace": options.namespace,
            "annotations": {"eks.amazonaws.com/role-arn": options.role_arn},
        },
    }


def _binding(kind: str, role_kind: str, name: str, role: str, options: InstallOptions) -> Manifest:
    metadata: dict[str, Any] = {"name": name}
    if kind == "RoleBinding":
        metadata["namespace"] = options.namespace
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": metadata,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": [
            {"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": options.namespace}
        ],
    }


def rbac(options: InstallOptions) -> list[Manifest]:
    """The manager role (ClusterRole, or Role when namespaced), leader election, metrics auth."""
    rbac_v1 = "rbac.authorization.k8s.io/v1"
    # A namespaced install may sit beside others: its cluster-wide names carry its namespace.
    suffix = f"-{options.namespace}" if options.namespaced else ""
    manager_kind = "Role" if options.namespaced else "ClusterRole"
    manager_meta: dict[str, Any] = {"name": MANAGER_ROLE}
    if options.namespaced:
        manager_meta["namespace"] = options.namespace
    leader_rules = [
        {
            "apiGroups": ["coordination.k8s.io"],
            "resources": ["leases"],
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
        },
        {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
    ]
    metrics_auth_rules = [
        {
            "apiGroups": ["authentication.k8s.io"],
            "resources": ["tokenreviews"],
            "verbs": ["create"],
        },
        {
            "apiGroups": ["authorization.k8s.io"],
            "resources": ["subjectaccessreviews"],
            "verbs": ["create"],
        },
    ]
    manager_binding_kind = "RoleBinding" if options.namespaced else "ClusterRoleBinding"
    return [
        {
            "apiVersion": rbac_v1,
            "kind": manager_kind,
            "metadata": manager_meta,
            "rules": manager_rules(),
        },
        _binding(
            manager_binding_kind,
            manager_kind,
            f"{PREFIX}-manager-rolebinding",
            MANAGER_ROLE,
            options,
        ),
        {
            "apiVersion": rbac_v1,
            "kind": "Role",
            "metadata": {"name": LEADER_ELECTION_ROLE, "namespace": options.namespace},
            "rules": leader_rules,
        },
        _binding(
            "RoleBinding",
            "Role",
            f"{PREFIX}-leader-election-rolebinding",
            LEADER_ELECTION_ROLE,
            options,
        ),
        {
            "apiVersion": rbac_v1,
            "kind": "ClusterRole",
            "metadata": {"name": METRICS_AUTH_ROLE + suffix},
            "rules": metrics_auth_rules,
        },
        _binding(
            "ClusterRoleBinding",
            "ClusterRole",
            f"{PREFIX}-metrics-auth-rolebinding{suffix}",
            METRICS_AUTH_ROLE + suffix,
            options,
        ),
        {
            "apiVersion": rbac_v1,
            "kind": "ClusterRole",
            "metadata": {"name": METRICS_READER_ROLE + suffix},
            "rules": [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}],
        },
    ]


def manager_args(options: InstallOptions) -> list[str]:
    args = [
        f"--metrics-bind-address=:{METRICS_PORT}",
        f"--health-probe-bind-address=:{HEALTH_PORT}",
        f"--leader-election-id={LEADER_ELECTION_ID}",
        f"--graceful-shutdown-timeout={GRACEFUL_SHUTDOWN_SECONDS}",
        "--log-format=json",
    ]
    if options.leader_elect:
        args.insert(2, "--leader-elect")
    if options.namespaced:
        args.append(f"--namespace={options.namespace}")
    return args


def _probe(path: str, initial_delay: int, period: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": "health"},
        "initialDelaySeconds": initial_delay,
        "periodSeconds": period,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
    }


def deployment(options: InstallOptions) -> Manifest:
    """The manager: one replica (leader election makes a second safe), locked-down container."""
    container = {
        "name": "manager",
        "image": options.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["sagemaker-operator"],
        "args": manager_args(options),
        "ports": [
            {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
            {"name": "health", "containerPort": HEALTH_PORT, "protocol": "TCP"},
        ],
        "livenessProbe": _probe("/healthz", 15, 20),
        "readinessProbe": _probe("/readyz", 5, 10),
        "resources": options.resources,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        # Python and botocore write caches under /tmp; the root filesystem stays read-only.
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": DEPLOYMENT, "namespace": options.namespace, "labels": SELECTOR},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": SELECTOR},
            "template": {
                "metadata": {"labels": SELECTOR},
                "spec": {
                    "serviceAccountName": SERVICE_ACCOUNT,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 65532,
                        "runAsGroup": 65532,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "terminationGracePeriodSeconds": TERMINATION_GRACE_SECONDS,
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def metrics_service(options: InstallOptions) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": METRICS_SERVICE, "namespace": options.namespace, "labels": SELECTOR},
        "spec": {
            "selector": SELECTOR,
            "ports": [
                {
                    "name": "metrics",
                    "port": METRICS_PORT,
                    "targetPort": "metrics",
                    "protocol": "TCP",
                }
            ],
        },
    }


def namespace(options: InstallOptions) -> Manifest:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": options.namespace}}


def operator_objects(options: InstallOptions) -> list[Manifest]:
    """Everything but the CRDs and the namespace, in the order kubectl should apply it."""
    return [
        service_account(options),
        *rbac(options),
        metrics_service(options),
        deployment(options),
    ]
