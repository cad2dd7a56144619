"""The Deployment gives the manager time to drain and release its Lease before SIGKILL.

After SIGTERM the kubelet waits ``terminationGracePeriodSeconds``, then kills. The manager's
longest stop (the drain bound, the Lease release, stopping its servers, closing clients)
must fit inside it, or a killed leader never releases the Lease and the standby waits out
the lease duration. The Deployment's own arguments decide the manager's part.
"""

from __future__ import annotations

from apis.install import InstallOptions, deployment
from controller.manager import shutdown_budget_seconds
from controller.options import parse_options


def test_the_termination_grace_period_outlasts_the_manager_s_longest_stop() -> None:
    for namespaced in (False, True):
        pod = deployment(InstallOptions(namespaced=namespaced))["spec"]["template"]["spec"]
        [container] = pod["containers"]
        options = parse_options(container["args"], environ={})
        assert options.leader_elect
        budget = shutdown_budget_seconds(options)
        assert options.graceful_shutdown_timeout_seconds < budget
        assert pod["terminationGracePeriodSeconds"] > budget
