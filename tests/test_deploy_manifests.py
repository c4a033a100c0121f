"""deploy/ checked offline: the Kubernetes manifests as kustomize renders them, against the
Kubernetes schemas kubernetes-validate ships and KEDA's vendored CRD; the compose file against
the vendored compose-spec schema; the two images against one requirements file. And the rules
the manifests rely on: one GPU fleet per real spec, scaled on that spec's own series, probes that
exist, drains longer than the web's, selectors that never overlap."""

import json
import re
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests import kustomize
from tests.metrics_series import exported_series

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
PRODUCTION = K8S / "overlays" / "production"
KUBERNETES_VERSION = "1.33"
BUILT_IN_GROUPS = ("v1", "apps/v1", "batch/v1", "policy/v1")


@pytest.fixture(scope="module")
def rendered():
    return kustomize.render(PRODUCTION)


@pytest.fixture
def metric_names(db, client):
    return exported_series(client)


def by_kind(objects, kind):
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def pod_spec(obj):
    return obj["spec"]["template"]["spec"]


def container_env(container):
    return {item["name"]: item.get("value") for item in container.get("env", [])}


def keda_schema():
    crd = yaml.safe_load((DEPLOY / "schemas" / "keda.sh_scaledobjects-v2.20.2.yaml").read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["served"] and v["storage"]]
    return f"{crd['spec']['group']}/{version['name']}", version["schema"]["openAPIV3Schema"]


# --- the renderer itself ------------------------------------------------------------------------


def test_renderer_merges_patches_renames_and_labels_like_kustomize(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text(
        "resources: [app.yaml]\nconfigurations: [refs.yaml]\nnameSuffix: -x\n"
        "labels:\n  - pairs: {tier: gpu}\n    includeSelectors: true\n"
        "patches:\n  - patch: |-\n      kind: Deployment\n      apiVersion: apps/v1\n"
        "      metadata: {name: app}\n      spec:\n        template:\n          spec:\n"
        "            containers:\n              - name: main\n                env:\n"
        "                  - {name: B, value: patched}\n"
        "  - target: {kind: Deployment, name: app}\n"
        "    patch: |-\n      - {op: replace, path: /spec/replicas, value: 3}\n"
    )
    (tmp_path / "base" / "refs.yaml").write_text(
        "nameReference:\n  - kind: Deployment\n    fieldSpecs:\n"
        "      - {kind: ScaledObject, path: spec/scaleTargetRef/name}\n"
    )
    (tmp_path / "base" / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  replicas: 1\n"
        "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n"
        "    spec:\n      containers:\n        - name: main\n          image: img\n"
        "          env: [{name: A, value: kept}, {name: B, value: base}]\n"
        "          envFrom: [{configMapRef: {name: conf}}]\n"
        "        - name: side\n          image: img:2\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf}\ndata: {}\n---\n"
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: app}\n"
        "spec: {scaleTargetRef: {name: app}}\n"
    )
    (tmp_path / "kustomization.yaml").write_text(
        "namespace: ns\nresources: [base]\n"
        "images:\n  - {name: img, newName: reg/img, newTag: '7'}\n"
    )
    objects = kustomize.render(tmp_path)
    deployment = by_kind(objects, "Deployment")["app-x"]
    main, side = pod_spec(deployment)["containers"]
    assert container_env(main) == {"A": "kept", "B": "patched"}
    assert main["envFrom"] == [{"configMapRef": {"name": "conf-x"}}]
    assert (main["image"], side["image"]) == ("reg/img:7", "reg/img:7")
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "a", "tier": "gpu"}
    assert deployment["spec"]["template"]["metadata"]["labels"] == {"app": "a", "tier": "gpu"}
    assert by_kind(objects, "ScaledObject")["app-x"]["spec"]["scaleTargetRef"]["name"] == "app-x"
    assert {obj["metadata"]["namespace"] for obj in objects} == {"ns"}


def test_renderer_refuses_what_it_does_not_implement(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: []\nreplicas: [{name: a, count: 2}]\n")
    with pytest.raises(kustomize.KustomizeError, match="replicas"):
        kustomize.render(tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        "resources: []\npatches:\n  - target: {kind: Deployment, name: none}\n"
        "    patch: '[{op: remove, path: /spec}]'\n"
    )
    with pytest.raises(kustomize.KustomizeError, match="matches nothing"):
        kustomize.render(tmp_path)


# --- schemas ------------------------------------------------------------------------------------


def test_every_built_in_object_passes_the_kubernetes_schema(rendered):
    built_in = [obj for obj in rendered if obj["apiVersion"] in BUILT_IN_GROUPS]
    assert len(built_in) >= 10
    for obj in built_in:
        # strict: an unknown or misspelt field fails too (a typo Kubernetes would silently drop).
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    assert {obj["kind"] for obj in rendered} == {
        "ConfigMap",
        "Job",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "ScaledObject",
    }


def test_a_misspelt_field_fails_the_kubernetes_schema(rendered):
    web = json.loads(json.dumps(by_kind(rendered, "Deployment")["web"]))
    pod_spec(web)["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def test_scaled_objects_pass_kedas_schema(rendered):
    api_version, schema = keda_schema()
    scaled = by_kind(rendered, "ScaledObject")
    assert scaled
    for obj in scaled.values():
        assert obj["apiVersion"] == api_version
        jsonschema.validate(obj, schema)
    broken = json.loads(json.dumps(next(iter(scaled.values()))))
    broken["spec"]["minReplicaCount"] = "zero"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_the_compose_file_passes_the_compose_spec():
    schema = json.loads((DEPLOY / "schemas" / "compose-spec.json").read_text())
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    # The schema names draft-07 in a form jsonschema does not look up: say it explicitly.
    jsonschema.Draft7Validator(schema).validate(compose)
    services = compose["services"]
    assert {"postgres", "redis", "minio", "web", "beat", "tasks-worker", "gpu-worker"} <= set(
        services
    )
    assert "gunicorn.conf.py" in " ".join(services["web"]["command"])
    assert "-Q celery" in services["tasks-worker"]["command"][-1]
    assert "-Q gpu-priority,gpu" in services["gpu-worker"]["command"][-1]
    gpu = services["gpu-worker"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["driver"] == "nvidia" and "gpu" in gpu["capabilities"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    for service in services.values():
        build = service.get("build")
        if build:
            assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()
        if "env_file" in service:
            assert (DEPLOY / "studio.env.example").is_file()


# --- what the manifests promise ---------------------------------------------------------------


def test_one_gpu_fleet_per_real_spec_scaled_on_its_own_queue(rendered):
    from generation.engine.specs import MODEL_SPECS

    deployments = by_kind(rendered, "Deployment")
    scaled = by_kind(rendered, "ScaledObject")
    fleets = {name: obj for name, obj in deployments.items() if name.startswith("gpu-worker-")}
    assert len(fleets) >= 2
    specs = set()
    for name, deployment in fleets.items():
        (worker,) = pod_spec(deployment)["containers"]
        spec = container_env(worker)["GENERATION_MODEL"]
        assert spec in MODEL_SPECS and not MODEL_SPECS[spec].is_demo
        specs.add(spec)
        assert worker["resources"]["limits"]["nvidia.com/gpu"] == "1"
        assert "--concurrency=1" in worker["args"][-1]
        (scaler,) = [s for s in scaled.values() if s["spec"]["scaleTargetRef"]["name"] == name]
        (trigger,) = scaler["spec"]["triggers"]
        assert trigger["type"] == "prometheus"
        query = trigger["metadata"]["query"]
        # Waiting and running jobs of this spec only.
        assert f'studio_queue_jobs{{spec="{spec}"}}' in query
        assert f'studio_jobs_running{{spec="{spec}"}}' in query
        assert re.findall(r'spec="([^"]+)"', query) == [spec, spec]
    assert len(specs) == len(fleets)
    minimums = sorted(s["spec"]["minReplicaCount"] for s in scaled.values())
    assert minimums[0] == 0, "a rarely used spec scales to zero"


def test_scaled_queries_name_series_that_metrics_exports(rendered, metric_names):
    for scaler in by_kind(rendered, "ScaledObject").values():
        for trigger in scaler["spec"]["triggers"]:
            for name in re.findall(r"\b(studio_[a-z_]+)", trigger["metadata"]["query"]):
                assert name in metric_names


def test_selectors_never_overlap_and_each_budget_covers_one_workload(rendered):
    deployments = by_kind(rendered, "Deployment")
    selectors = {}
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        match = deployment["spec"]["selector"]["matchLabels"]
        assert match.items() <= labels.items()
        selectors[name] = match
    for name, match in selectors.items():
        others = [
            other
            for other, obj in deployments.items()
            if other != name
            and match.items() <= obj["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert not others, f"{name}'s selector also takes pods of {others}"
    budgets = by_kind(rendered, "PodDisruptionBudget")
    for budget in budgets.values():
        match = budget["spec"]["selector"]["matchLabels"].items()
        covered = [
            name
            for name, obj in deployments.items()
            if match <= obj["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(covered) == 1, (budget["metadata"]["name"], covered)
    assert {"web", "gpu-worker-wan2-1", "gpu-worker-ltx-video"} <= set(budgets)


def test_probes_drains_images_and_config_fit_the_app(rendered, db, client, settings):
    deployments = by_kind(rendered, "Deployment")
    web = pod_spec(deployments["web"])
    (container,) = web["containers"]
    for probe in ("livenessProbe", "readinessProbe"):
        path = container[probe]["httpGet"]["path"]
        # Asked as the kubelet asks: the pod's address as Host, plain HTTP.
        settings.ALLOWED_HOSTS = ["studio.example.com"]
        settings.SECURE_SSL_REDIRECT = True
        assert client.get(path, HTTP_HOST="10.1.2.3:8000").status_code == 200
    preStop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert web["terminationGracePeriodSeconds"] > preStop + 25  # gunicorn's graceful_timeout
    for name, deployment in deployments.items():
        if name.startswith("gpu-worker-"):
            spec = pod_spec(deployment)
            assert spec["terminationGracePeriodSeconds"] >= 600
            (worker,) = spec["containers"]
            assert "cancel_consumer" in " ".join(worker["lifecycle"]["preStop"]["exec"]["command"])
            assert "WORKER_ALIVE_FILE" in " ".join(worker["livenessProbe"]["exec"]["command"])
    config = by_kind(rendered, "ConfigMap")["studio-config"]["data"]
    readme = (ROOT / "README.md").read_text()
    for variable in config:
        assert f"`{variable}`" in readme, f"{variable} is missing from the README's table"
    for obj in rendered:
        if obj["kind"] in ("Deployment", "Job"):
            for c in pod_spec(obj)["containers"]:
                assert c["image"].startswith("registry.example.com/studio/"), c["image"]
                refs = {
                    s.get("configMapRef", s.get("secretRef", {})).get("name")
                    for s in c.get("envFrom", [])
                }
                assert refs == {"studio-config", "studio-secrets"}


def test_both_images_install_the_same_pins():
    requirements = (ROOT / "requirements.txt").read_text()
    (torch,) = re.findall(r"^torch==(\S+)$", requirements, re.M)
    web = (DEPLOY / "Dockerfile").read_text()
    gpu = (DEPLOY / "Dockerfile.gpu").read_text()
    assert re.search(r"^FROM python:3\.11-", web, re.M)
    assert re.search(r"^FROM nvidia/cuda:[\d.]+-\S*runtime-\S+$", gpu, re.M)
    for dockerfile, index in ((web, "whl/cpu"), (gpu, "whl/cu")):
        assert "pip install -r requirements.txt" in dockerfile
        assert index in dockerfile
        # torch's version is read from requirements.txt, never written a second time.
        assert "torch==$(sed -n 's/^torch==//p' requirements.txt)" in dockerfile
        assert torch not in dockerfile
        assert "SECRET_KEY=build-only" in dockerfile
    assert "deploy/gunicorn.conf.py" in web
