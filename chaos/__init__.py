"""The chaos suite (``make chaos``): the operator's correctness under faults, on the real stack.

Each scenario runs kube-apiserver + etcd, the SageMaker emulator and one or two
``sagemaker-operator`` processes as separate processes, applies TrainingJobs and
HostingDeployments, injects its faults, and reports what SageMaker and the resources show
afterwards: duplicates, resources that never converged, resources wrongly Failed, orphaned
hosting objects, and the time to converge after the last fault. Figures, never timed
assertions; the short version runs in ``tests/chaos``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The benchmarks are scripts that import their shared stack helper as a top-level module
# (``operator_stack``); the chaos suite reuses that helper the same way rather than copy it.
_BENCHMARKS = str(Path(__file__).resolve().parents[1] / "benchmarks")
if _BENCHMARKS not in sys.path:
    sys.path.append(_BENCHMARKS)
