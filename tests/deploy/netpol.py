"""Evaluates Kubernetes NetworkPolicies over a set of pods: who may open a connection to whom."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

Resource = dict[str, Any]


@dataclass(frozen=True)
class Pod:
    """A pod as NetworkPolicies see it: labels, namespace (and its labels), and an address."""

    name: str
    namespace: str
    labels: dict[str, str] = field(default_factory=dict)
    ip: str = "10.0.0.1"

    @property
    def namespace_labels(self) -> dict[str, str]:
        return {"kubernetes.io/metadata.name": self.namespace}


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return True
    assert not selector.get("matchExpressions"), "only matchLabels are evaluated"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _ip_in(ip: str, block: dict[str, Any]) -> bool:
    address = ipaddress.ip_address(ip)
    if address not in ipaddress.ip_network(block["cidr"]):
        return False
    return not any(address in ipaddress.ip_network(e) for e in block.get("except", []))


def _peer_matches(peer: dict[str, Any], policy_ns: str, other: Pod) -> bool:
    if "ipBlock" in peer:
        return _ip_in(other.ip, peer["ipBlock"])
    if "namespaceSelector" in peer:
        if not _selects(peer["namespaceSelector"], other.namespace_labels):
            return False
    elif other.namespace != policy_ns:
        return False
    return _selects(peer.get("podSelector"), other.labels)


def _port_matches(ports: list[dict[str, Any]] | None, port: int) -> bool:
    return not ports or any(
        p.get("port") == port and p.get("protocol", "TCP") == "TCP" for p in ports
    )


def _side_allows(
    policies: list[Resource], kind: str, pod: Pod, other: Pod, port: int, rules_key: str
) -> bool:
    """Whether `pod`'s policies of this direction let the connection through."""
    applying = [
        p
        for p in policies
        if p["metadata"].get("namespace", pod.namespace) == pod.namespace
        and _selects(p["spec"]["podSelector"], pod.labels)
        and kind in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not applying:
        return True  # a pod no policy selects is not isolated in that direction
    peer_key = "from" if rules_key == "ingress" else "to"
    for policy in applying:
        namespace = policy["metadata"].get("namespace", pod.namespace)
        for rule in policy["spec"].get(rules_key, []):
            peers = rule.get(peer_key)
            if (not peers or any(_peer_matches(x, namespace, other) for x in peers)) and (
                _port_matches(rule.get("ports"), port)
            ):
                return True
    return False


def allowed(policies: list[Resource], source: Pod, target: Pod, port: int) -> bool:
    """Whether `source` may connect to `target` on TCP `port` (egress and ingress both)."""
    return _side_allows(policies, "Egress", source, target, port, "egress") and _side_allows(
        policies, "Ingress", target, source, port, "ingress"
    )
