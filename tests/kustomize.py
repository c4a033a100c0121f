"""A small, offline kustomize renderer for the subset deploy/k8s uses, so CI can check the
manifests that `kubectl apply -k` would send without the kustomize binary or a network.

Supported, with kustomize's meaning: `resources` (files and directories), `namespace`,
`namePrefix`/`nameSuffix` (renaming references to renamed objects: ConfigMaps and Secrets in pod
specs, and the `nameReference` entries of `configurations` files), `labels` (with
`includeSelectors`/`includeTemplates`), `images`, and `patches` (strategic-merge or JSON 6902,
inline or from a file, with a `target`). Within one kustomization they run in kustomize's order:
patches, namespace, prefix/suffix, labels, images. Anything else in a kustomization file is
refused, so a field this renderer would ignore can never pass unseen.
"""

import copy
from pathlib import Path

import yaml

SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "labels",
    "images",
    "patches",
    "configurations",
}
# Kinds that live outside namespaces (those deploy/k8s could plausibly hold).
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
# Where a pod template sits in each workload kind.
POD_TEMPLATE = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
}
# Lists that a strategic-merge patch merges item by item, by this key (Kubernetes' patchMergeKey).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "tolerations": "key",
}
# kustomize's built-in name references that deploy/k8s relies on: kind -> paths in a pod spec.
POD_NAME_REFERENCES = {
    "ConfigMap": [
        ("containers", "envFrom", "configMapRef"),
        ("volumes", "configMap"),
    ],
    "Secret": [
        ("containers", "envFrom", "secretRef"),
        ("volumes", "secret"),
    ],
    "PersistentVolumeClaim": [("volumes", "persistentVolumeClaim")],
}


class KustomizeError(Exception):
    pass


def render(directory: Path) -> list[dict]:
    """The objects `kustomize build directory` would print, in order."""
    return _render(Path(directory))[0]


def _render(directory: Path) -> tuple[list[dict], list]:
    """Objects and the name references in force: like kustomize, a kustomization's
    `configurations` also hold in every kustomization that includes it."""
    kfile = directory / "kustomization.yaml"
    if not kfile.exists():
        raise KustomizeError(f"{directory}: no kustomization.yaml")
    k = yaml.safe_load(kfile.read_text()) or {}
    unknown = set(k) - SUPPORTED
    if unknown:
        raise KustomizeError(f"{kfile}: unsupported fields {sorted(unknown)}")

    objects: list[dict] = []
    references = [
        ref for name in k.get("configurations", []) for ref in _name_references(directory / name)
    ]
    for entry in k.get("resources", []):
        path = directory / entry
        if path.is_dir():
            sub_objects, sub_references = _render(path)
            objects.extend(sub_objects)
            references.extend(sub_references)
        elif path.is_file():
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
        else:
            raise KustomizeError(f"{kfile}: resource {entry} not found")
    objects = copy.deepcopy(objects)

    for patch in k.get("patches", []):
        apply_patch(objects, patch, directory)
    if "namespace" in k:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = k["namespace"]
    if k.get("namePrefix") or k.get("nameSuffix"):
        rename(objects, k.get("namePrefix", ""), k.get("nameSuffix", ""), references)
    for label in k.get("labels", []):
        add_labels(objects, label)
    for image in k.get("images", []):
        set_image(objects, image)
    _check_unique(objects, kfile)
    return objects, references


def _check_unique(objects: list[dict], kfile: Path) -> None:
    seen = set()
    for obj in objects:
        key = (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if key in seen:
            raise KustomizeError(f"{kfile}: {key} appears twice")
        seen.add(key)


# --- patches ------------------------------------------------------------------------------------


def apply_patch(objects: list[dict], entry: dict, directory: Path) -> None:
    text = entry["patch"] if "patch" in entry else (directory / entry["path"]).read_text()
    body = yaml.safe_load(text)
    target = entry.get("target")
    if isinstance(body, list):  # JSON 6902
        if not target:
            raise KustomizeError("a JSON 6902 patch needs a target")
        matched = [obj for obj in objects if _matches(obj, target)]
        for obj in matched:
            for op in body:
                json6902(obj, op)
    else:
        target = target or {"kind": body["kind"], "name": body["metadata"]["name"]}
        matched = [obj for obj in objects if _matches(obj, target)]
        for obj in matched:
            merged = strategic_merge(obj, body)
            obj.clear()
            obj.update(merged)
    if not matched:
        raise KustomizeError(f"patch target {target} matches nothing")


def _matches(obj: dict, target: dict) -> bool:
    unknown = set(target) - {"kind", "name", "group", "version"}
    if unknown:
        raise KustomizeError(f"unsupported patch target fields {sorted(unknown)}")
    group, _, version = obj["apiVersion"].rpartition("/")
    return (
        target.get("kind", obj["kind"]) == obj["kind"]
        and target.get("name", obj["metadata"]["name"]) == obj["metadata"]["name"]
        and target.get("group", group) == group
        and target.get("version", version) == version
    )


def strategic_merge(base, patch, key=None):
    """Kubernetes' strategic merge for plain objects: maps merge, a null deletes, lists named in
    MERGE_KEYS merge item by item, any other list is replaced."""
    if isinstance(patch, dict) and isinstance(base, dict):
        if "$patch" in patch or any(k.startswith("$") for k in patch):
            raise KustomizeError("strategic-merge directives ($patch...) are not supported")
        out = dict(base)
        for name, value in patch.items():
            if value is None:
                out.pop(name, None)
            elif name in out:
                out[name] = strategic_merge(out[name], value, name)
            else:
                out[name] = copy.deepcopy(value)
        return out
    if isinstance(patch, list) and isinstance(base, list) and key in MERGE_KEYS:
        merge_key = MERGE_KEYS[key]
        out = [copy.deepcopy(item) for item in base]
        for item in patch:
            index = next(
                (i for i, old in enumerate(out) if old.get(merge_key) == item.get(merge_key)), None
            )
            if index is None:
                out.append(copy.deepcopy(item))
            else:
                out[index] = strategic_merge(out[index], item)
        return out
    return copy.deepcopy(patch)


def json6902(obj: dict, op: dict) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
    parent = obj
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    kind = op["op"]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if kind == "add":
            parent.insert(index, op["value"])
        elif kind == "replace":
            parent[index] = op["value"]
        elif kind == "remove":
            del parent[index]
        else:
            raise KustomizeError(f"unsupported JSON 6902 op {kind}")
    elif kind in ("add", "replace"):
        if kind == "replace" and last not in parent:
            raise KustomizeError(f"replace of missing path {op['path']}")
        parent[last] = op["value"]
    elif kind == "remove":
        del parent[last]
    else:
        raise KustomizeError(f"unsupported JSON 6902 op {kind}")


# --- names, labels, images ----------------------------------------------------------------------


def _name_references(path: Path) -> list[tuple[str, str, list[str]]]:
    config = yaml.safe_load(path.read_text())
    unknown = set(config) - {"nameReference"}
    if unknown:
        raise KustomizeError(f"{path}: unsupported configuration {sorted(unknown)}")
    return [
        (ref["kind"], spec["kind"], spec["path"].split("/"))
        for ref in config["nameReference"]
        for spec in ref["fieldSpecs"]
    ]


def rename(objects: list[dict], prefix: str, suffix: str, references: list) -> None:
    renamed = {}
    for obj in objects:
        if obj["kind"] in CLUSTER_SCOPED:
            continue
        old = obj["metadata"]["name"]
        obj["metadata"]["name"] = f"{prefix}{old}{suffix}"
        renamed[(obj["kind"], old)] = obj["metadata"]["name"]

    def update(holder: dict, field: str, kind: str) -> None:
        if isinstance(holder, dict) and (kind, holder.get(field)) in renamed:
            holder[field] = renamed[(kind, holder[field])]

    for obj in objects:
        for ref_kind, in_kind, path in references:
            if obj["kind"] != in_kind:
                continue
            node = obj
            for part in path[:-1]:
                node = node.get(part, {}) if isinstance(node, dict) else {}
            update(node, path[-1], ref_kind)
        pod = _pod_spec(obj)
        if pod is None:
            continue
        for ref_kind, paths in POD_NAME_REFERENCES.items():
            for path in paths:
                if path[0] == "containers":
                    for container in pod.get("containers", []) + pod.get("initContainers", []):
                        for source in container.get(path[1], []):
                            update(source.get(path[2]), "name", ref_kind)
                else:
                    field = "claimName" if ref_kind == "PersistentVolumeClaim" else "name"
                    if ref_kind == "Secret":
                        field = "secretName"
                    for volume in pod.get("volumes", []):
                        update(volume.get(path[1]), field, ref_kind)


def _pod_template(obj: dict) -> dict | None:
    path = POD_TEMPLATE.get(obj["kind"])
    node = obj
    for part in path or ():
        node = node.get(part)
        if node is None:
            return None
    return node if path else None


def _pod_spec(obj: dict) -> dict | None:
    template = _pod_template(obj)
    return template.get("spec") if template else None


def add_labels(objects: list[dict], entry: dict) -> None:
    unknown = set(entry) - {"pairs", "includeSelectors", "includeTemplates"}
    if unknown:
        raise KustomizeError(f"unsupported labels fields {sorted(unknown)}")
    pairs = entry["pairs"]
    selectors = entry.get("includeSelectors", False)
    templates = selectors or entry.get("includeTemplates", False)
    for obj in objects:
        obj["metadata"].setdefault("labels", {}).update(pairs)
        template = _pod_template(obj)
        if templates and template is not None:
            template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        if not selectors:
            continue
        if obj["kind"] == "Service":
            obj["spec"].setdefault("selector", {}).update(pairs)
        elif obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "PodDisruptionBudget"):
            obj["spec"].setdefault("selector", {}).setdefault("matchLabels", {}).update(pairs)


def set_image(objects: list[dict], entry: dict) -> None:
    for obj in objects:
        pod = _pod_spec(obj)
        for container in (pod or {}).get("containers", []) + (pod or {}).get("initContainers", []):
            name, _, tag = container["image"].partition(":")
            if name != entry["name"]:
                continue
            container["image"] = (
                f"{entry.get('newName', name)}:{entry.get('newTag', tag or 'latest')}"
            )
