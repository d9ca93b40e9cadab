"""Renders a kustomization in Python: the subset of kustomize that deploy/kubernetes uses.

`kubectl kustomize` is the reference; machines without kubectl still render and check the
manifests with this (resources, namespace, images and JSON 6902 patches with targets).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]
# Kinds without a namespace among those Harbour's manifests use.
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "StorageClass"}
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}


def render(folder: Path) -> list[Resource]:
    """The resources a kustomization folder builds, in their order of appearance."""
    spec = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(spec) - SUPPORTED
    if unknown:
        raise ValueError(f"{folder}: fields this renderer does not implement: {sorted(unknown)}")
    resources: list[Resource] = []
    for entry in spec.get("resources", []):
        path = (folder / entry).resolve()
        if path.is_dir():
            resources += render(path)
        else:
            resources += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for patch in spec.get("patches", []):
        operations = yaml.safe_load(
            patch["patch"] if "patch" in patch else (folder / patch["path"]).read_text()
        )
        matched = [r for r in resources if _matches(r, patch.get("target", {}))]
        if not matched:
            raise ValueError(f"{folder}: a patch matches no resource: {patch.get('target')}")
        for resource in matched:
            for operation in operations:
                apply_operation(resource, operation)
    for image in spec.get("images", []):
        for resource in resources:
            _set_image(resource, image)
    if "namespace" in spec:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource.setdefault("metadata", {})["namespace"] = spec["namespace"]
    return resources


def _matches(resource: Resource, target: dict[str, str]) -> bool:
    group, _, version = resource["apiVersion"].rpartition("/")
    checks = {
        "group": group,
        "version": version,
        "kind": resource["kind"],
        "name": resource["metadata"]["name"],
    }
    # kustomize reads each selector as a regular expression over the whole value.
    return all(re.fullmatch(target[key], value) for key, value in checks.items() if key in target)


def _pointer(path: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]]


def apply_operation(document: Any, operation: dict[str, Any]) -> None:
    """Applies one RFC 6902 `add`, `replace` or `remove` operation in place."""
    *parents, last = _pointer(operation["path"])
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    op = operation["op"]
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if op == "add":
            node.insert(index, copy.deepcopy(operation["value"]))
        elif op == "replace":
            node[index] = copy.deepcopy(operation["value"])
        elif op == "remove":
            del node[index]
        else:
            raise ValueError(f"unsupported operation {op}")
        return
    if op in {"replace", "remove"} and last not in node:
        raise KeyError(f"{operation['path']} does not exist")
    if op in {"add", "replace"}:
        node[last] = copy.deepcopy(operation["value"])
    elif op == "remove":
        del node[last]
    else:
        raise ValueError(f"unsupported operation {op}")


def pod_spec(resource: Resource) -> dict[str, Any] | None:
    """The pod template's spec of a workload, if the resource has one."""
    spec = resource.get("spec", {})
    if resource["kind"] == "Pod":
        return dict(spec)
    if resource["kind"] == "CronJob":
        return dict(spec["jobTemplate"]["spec"]["template"]["spec"])
    template = spec.get("template") if isinstance(spec, dict) else None
    return template.get("spec") if isinstance(template, dict) else None


def _set_image(resource: Resource, image: dict[str, str]) -> None:
    spec = pod_spec(resource)
    if spec is None:
        return
    for container in spec.get("containers", []) + spec.get("initContainers", []):
        name, _, tag = container["image"].partition(":")
        if name != image["name"]:
            continue
        container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
