"""Many hosts: two web processes (gunicorn, the deploy/ config) and three worker hosts, each with
its own DATA_DIR and TMPDIR, sharing only PostgreSQL, the broker and S3 (moto). A member
submits every kind of job through both web processes; each completes on some worker, is served
by the other web process, and no host opens or lists another host's folders (Python's audit
hooks watch every process: tests/faults/host_audit/). On Redis and on RabbitMQ.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from billing import ledger
from generation.models import Asset, Job
from generation.provenance.certificates import CHAIN_FILE, KEY_FILE, ROOT_FILE, ensure_test_chain
from tests.conftest import (
    ROOT,
    start_worker,
    stop_worker,
    subprocess_env,
    subscribe,
    wait_for,
)
from tests.faults.brokers import broker  # noqa: F401 - the fixture
from tests.gen_helpers import give_points, png_bytes, t2v_data
from tests.test_generation_s3 import BUCKET, KEYS, s3_endpoint  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]
AUDIT = Path(__file__).parent / "host_audit"
HOSTS = ("web-a", "web-b", "gpu-1", "gpu-2", "gpu-3")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Fleet:
    """The hosts' folders and the environment each host's processes get."""

    def __init__(self, root: Path, broker_url: str, s3_url: str):
        self.root = root
        self.folders = {name: root / name for name in HOSTS}
        for folder in self.folders.values():
            (folder / "data").mkdir(parents=True)
            (folder / "tmp").mkdir()
        # What an operator gives every host alike: settings and a mounted secret (the C2PA chain).
        secrets = ensure_test_chain(root / "secrets" / "c2pa")
        self.shared = {
            "SECRET_KEY": "multi-host-test-" + "x" * 40,
            "CELERY_BROKER_URL": broker_url,
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": s3_url,
            **KEYS,
            "C2PA_SIGN_CERT": str(secrets / CHAIN_FILE),
            "C2PA_SIGN_KEY": str(secrets / KEY_FILE),
            "C2PA_TRUST_ANCHORS": str(secrets / ROOT_FILE),
            "JOB_HEARTBEAT_SECONDS": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(AUDIT), os.environ.get("PYTHONPATH")])),
        }

    def env(self, name: str) -> dict:
        folder = self.folders[name]
        others = [str(f) for n, f in self.folders.items() if n != name]
        env = subprocess_env(
            **self.shared,
            DATA_DIR=str(folder / "data"),
            TMPDIR=str(folder / "tmp"),
            STUDIO_FOREIGN_DIRS=os.pathsep.join(others),
            STUDIO_ACCESS_LOG=str(self.root / f"{name}.access.log"),
        )
        env.pop("REDIS_URL", None)  # no shared cache: each process keeps its own
        return env

    def access_log(self, name: str) -> str:
        path = self.root / f"{name}.access.log"
        return path.read_text() if path.exists() else ""


class WebHost:
    def __init__(self, fleet: Fleet, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = fleet.root / f"{name}.log"
        env = fleet.env(name) | {"HOST": "127.0.0.1", "PORT": str(self.port)}
        env |= {"WEB_WORKERS": "1", "WEB_THREADS": "4"}
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
                + ["webapp.wsgi:application"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(self.answers, timeout=300, interval=0.2, message=f"{name} to answer")
        except BaseException:
            self.stop()  # not left running (and holding the test database) by a failed start
            raise

    def answers(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()}")
        try:
            return requests.get(self.url + "/health/", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or too busy starting to answer
            return False

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def fleet(tmp_path, broker, s3_endpoint, settings):  # noqa: F811
    fleet = Fleet(tmp_path / "fleet", broker[1], s3_endpoint)
    # This process logs the user in for the hosts: its sessions must be signed as theirs are.
    settings.SECRET_KEY = fleet.shared["SECRET_KEY"]
    started = []
    try:
        webs = []
        for name in ("web-a", "web-b"):
            webs.append(WebHost(fleet, name))
            started.append(webs[-1])
        workers = []
        for name in ("gpu-1", "gpu-2", "gpu-3"):
            worker = start_worker(fleet.root / name, env=fleet.env(name))
            started.append(worker)
            workers.append(worker)
        yield fleet, webs, workers
    finally:
        for host in started:
            host.stop() if isinstance(host, WebHost) else stop_worker(host)


def browser_for(web: WebHost, client, user) -> requests.Session:
    """A browser logged in as `user` on `web` (the session lives in the shared database)."""
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        django_settings.SESSION_COOKIE_NAME,
        client.cookies[django_settings.SESSION_COOKIE_NAME].value,
    )
    session.base_url = web.url
    return session


def submit(browser: requests.Session, data: dict, files=None) -> int:
    create = browser.base_url + "/create/"
    page = browser.get(create, timeout=60)
    assert page.status_code == 200, page.text[:500]
    data = {**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"]}
    response = browser.post(
        create,
        data=data,
        files=files,
        headers={"Referer": create},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text[:2000]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def finished(job_id: int) -> Job:
    return wait_for(
        lambda: Job.objects.filter(pk=job_id, status__in=Job.FINISHED).first(),
        timeout=600,
        interval=0.5,
        message=f"job {job_id} to finish",
    )


def test_every_kind_of_job_completes_across_hosts_that_share_no_files(client, alice, fleet):
    fleet, (web_a, web_b), workers = fleet
    subscribe(alice, "premier")  # extension, and ten jobs at a time
    give_points(alice, 1000)
    on_a, on_b = browser_for(web_a, client, alice), browser_for(web_b, client, alice)
    photo = {"image": ("old.png", png_bytes((512, 288), (30, 90, 200)), "image/png")}
    last = {"end_image": ("end.png", png_bytes((512, 288), (220, 40, 40)), "image/png")}
    jobs = {
        "text to video": submit(on_a, t2v_data()),
        "image to video": submit(on_b, t2v_data(kind="image_to_video", prompt=""), photo),
        "first and last frame": submit(
            on_a, t2v_data(kind="image_to_video", prompt="it turns red"), photo | last
        ),
        "pictures": submit(on_b, t2v_data(kind="text_to_picture", num_images="2")),
    }
    done = {what: finished(pk) for what, pk in jobs.items()}
    # The extension reads its source's video from S3, on whichever worker takes it.
    source = done["text to video"]
    extend = t2v_data(kind="extend", source_job=str(source.pk), prompt="the boat sails on")
    done["extension"] = finished(submit(on_b, extend))

    for what, job in done.items():
        assert job.status == Job.Status.SUCCEEDED, f"{what}: {job.error_message}"
        waited, ran = job.started_at - job.created_at, job.finished_at - job.started_at
        print(f"\n{what}: waited {waited.total_seconds():.1f} s, ran {ran.total_seconds():.1f} s")
    assert done["first and last frame"].end_image
    assert done["pictures"].assets.filter(kind=Asset.Kind.PICTURE).count() == 2
    used = {job.worker.split("@")[0] for job in done.values()}
    assert len(used) >= 2, used  # the jobs were spread over the worker hosts
    assert used <= {w.hostname.split("@")[0] for w in workers}

    # Each output is served by a web process that neither received the job nor ran it.
    for job in done.values():
        for asset in job.assets.all():
            response = on_a.get(f"{web_a.url}/files/{asset.pk}/", allow_redirects=False, timeout=60)
            assert response.status_code == 302 and response.headers["Location"].startswith(
                fleet.shared["S3_ENDPOINT_URL"]
            )
            assert len(requests.get(response.headers["Location"], timeout=60).content) > 0
    assert ledger.audit_wallet(alice).ok

    # Every process of every host was watched, and none touched another host's folders.
    for name in HOSTS:
        log = fleet.access_log(name)
        assert "WATCHING" in log, f"{name}'s processes were not watched"
        assert "FOREIGN" not in log, log


def test_the_watch_sees_a_host_opening_another_hosts_file(tmp_path):
    """The audit hook that the test above relies on does report a foreign access."""
    fleet = Fleet(tmp_path / "fleet", "redis://unused", "http://unused")
    secret = fleet.folders["gpu-2"] / "data" / "secret_key"
    secret.write_text("not yours")
    subprocess.run(
        [sys.executable, "-c", f"open({str(secret)!r}).read()"],
        env=fleet.env("gpu-1"),
        check=True,
        timeout=60,
    )
    assert "FOREIGN" in fleet.access_log("gpu-1")
    assert str(secret) in fleet.access_log("gpu-1")
