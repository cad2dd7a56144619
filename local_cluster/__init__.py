"""A real local Kubernetes control plane (etcd + kube-apiserver) for tests and the demo.

The binaries are built from pinned Go module versions and cached outside the clone, so
the tests, ``make cluster`` and the demo all run the same servers the same way.
"""

from local_cluster.control_plane import ControlPlane
from local_cluster.versions import PINNED, ToolVersion

__all__ = ["PINNED", "ControlPlane", "ToolVersion"]
