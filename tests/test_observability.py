"""Sentry only with SENTRY_DSN, and then only to that DSN's host; JSON log lines with
LOG_FORMAT=json. Each runs in a fresh process, since both are set up when settings load."""

import gzip
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.metrics_series import exported_series

ROOT = Path(__file__).resolve().parent.parent

# Records every address the process connects to or looks up, then reports as a Sentry would.
SENTRY_SCRIPT = """
import json, sys
contacted = []
def audit(event, args):
    if event == "socket.connect":
        contacted.append(str(args[1][0]))
    elif event == "socket.getaddrinfo":
        contacted.append(str(args[0]))
sys.addaudithook(audit)
import django
django.setup()
import sentry_sdk
assert sentry_sdk.get_client().is_active()
try:
    1 / 0
except ZeroDivisionError:
    sentry_sdk.capture_exception()
sentry_sdk.flush(timeout=20)
print(json.dumps(contacted))
"""


def run_python(script: str, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "webapp.settings", **env}
    for name in ("SENTRY_DSN", "LOG_FORMAT"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


class FakeSentry(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append((self.path, body.decode()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_sentry():
    FakeSentry.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSentry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_sentry_reports_to_the_configured_dsn_and_nowhere_else(fake_sentry):
    port = fake_sentry.server_address[1]
    done = run_python(SENTRY_SCRIPT, SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42")
    assert done.returncode == 0, done.stderr
    contacted = json.loads(done.stdout.strip().splitlines()[-1])
    assert contacted and set(contacted) == {"127.0.0.1"}
    ((path, envelope),) = FakeSentry.received
    assert path == "/api/42/envelope/"
    assert "ZeroDivisionError" in envelope
    assert '"environment":"production"' in envelope.replace(" ", "")


def test_without_a_dsn_sentry_is_never_started():
    done = run_python(
        "import django, sys; django.setup(); import sentry_sdk; "
        "print(sentry_sdk.get_client().is_active(), "
        "'sentry_sdk.integrations.django' in sys.modules)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_log_format_json_writes_one_object_per_line():
    done = run_python(
        "import django, logging; django.setup(); log = logging.getLogger('studio.check'); "
        "log.warning('queue %s is %d deep', 'gpu', 3)\n"
        "try:\n    {}['missing']\nexcept KeyError:\n    log.exception('lookup failed')",
        LOG_FORMAT="json",
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.strip().splitlines()]
    first, second = lines[-2:]
    assert first["message"] == "queue gpu is 3 deep"
    assert (first["level"], first["logger"]) == ("WARNING", "studio.check")
    assert first["time"] and first["process"] > 0
    assert second["level"] == "ERROR" and "KeyError" in second["exc_info"]


def test_text_logs_stay_the_default_and_a_wrong_format_is_refused():
    done = run_python(
        "import django, logging; django.setup(); logging.getLogger('x').warning('plain')"
    )
    assert done.stderr.strip().splitlines()[-1] == "plain"
    done = run_python("import django; django.setup()", LOG_FORMAT="xml")
    assert done.returncode != 0 and "LOG_FORMAT" in done.stderr


def test_every_dashboard_expression_names_series_that_metrics_exports(db, client):
    exported = exported_series(client)
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "studio-dashboard.json").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(expressions) >= 10
    used = set()
    for expr in expressions:
        names = set(re.findall(r"\b(studio_[a-z_]+)\b", expr))
        assert names, expr
        assert names <= exported, (expr, names - exported)
        used |= names
    # Every series the site exports has a panel (new ones should get one).
    families = {name.removesuffix("_total") for name in exported}
    assert {name.removesuffix("_total") for name in used} >= families - {"studio_job_run_samples"}
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"
