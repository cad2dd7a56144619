"""Node mode's host clean-up: which iptables chains are ours, and mounts below a folder."""

from __future__ import annotations

from pathlib import Path

from local_cluster import host

BEFORE = """*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:CNI-FORWARD - [0:0]
-A FORWARD -j CNI-FORWARD
COMMIT
"""

NOW = """*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:CNI-FORWARD - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:DOCKER-USER - [0:0]
-A INPUT -j KUBE-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -j CNI-FORWARD
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
-A PREROUTING -j KUBE-SERVICES
COMMIT
"""


def test_only_chains_added_since_the_snapshot_and_named_like_ours_go() -> None:
    script = host.removal_script(host.iptables_chains(BEFORE), NOW)
    assert script.splitlines() == [
        "*filter",
        "-D INPUT -j KUBE-FIREWALL",
        '-D FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        "-F KUBE-FIREWALL",
        "-F KUBE-FORWARD",
        "-X KUBE-FIREWALL",
        "-X KUBE-FORWARD",
        "COMMIT",
        "*nat",
        "-D PREROUTING -j KUBE-SERVICES",
        "-F KUBE-SERVICES",
        "-X KUBE-SERVICES",
        "COMMIT",
    ]


def test_nothing_to_remove_gives_an_empty_script() -> None:
    assert host.removal_script(host.iptables_chains(NOW), NOW) == ""


def test_mounts_under_a_folder_are_listed_deepest_first(tmp_path: Path) -> None:
    assert host.mounts_under([tmp_path]) == []
    assert "/proc" in host.mounts_under([Path("/")])
    points = host.mounts_under([Path("/")])
    assert [p.count("/") for p in points] == sorted((p.count("/") for p in points), reverse=True)
