"""Schemathesis drives the API from its own OpenAPI schema against a live server with real
tokens: no 5xx, every response's status, content type, headers and body match the schema, auth
is enforced, created jobs can be read, canceled and deleted (stateful links), and every status
code the schema documents is seen."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api_helpers import token_for
from tests.conftest import ROOT, make_user
from tests.gen_helpers import give_points

CONFIG = ROOT / "tests" / "api_schemathesis.toml"
EXAMPLES = "20"  # per operation and phase; each run prints how many cases it made
RUN_LIMIT = 1800  # generous for a busy CI host; a run ends when its cases do
# Only a body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB of form fields) answers 413; a schema
# fuzzer does not send one. tests/test_api_jobs.py does.
NOT_FUZZED = {413}


def schemathesis_cli() -> Path:
    pytest.importorskip("schemathesis")
    return Path(sys.executable).parent / "schemathesis"


def fuzz(url: str, token: str, report_dir: Path) -> tuple[int, set[int]]:
    """One run with every check; returns the number of cases and the statuses seen."""
    report_dir.mkdir()
    done = subprocess.run(
        [
            str(schemathesis_cli()),
            "--config-file",
            str(CONFIG),
            "run",
            f"{url}/api/v1/schema/",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--max-examples",
            EXAMPLES,
            "--seed",
            "1",
            "--workers",
            "1",
            "--report",
            "har",
            "--report-dir",
            str(report_dir),
        ],
        cwd=report_dir,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
    )
    out = done.stdout + done.stderr
    print(out[-1500:])
    assert done.returncode == 0, out[-6000:]
    generated = int(re.search(r"(\d+) generated", out).group(1))
    [har] = report_dir.glob("*.json")
    entries = json.loads(har.read_text())["log"]["entries"]
    return generated, {entry["response"]["status"] for entry in entries}


def documented_statuses(client) -> set[int]:
    schema = client.get("/api/v1/schema/").json()
    return {
        int(status)
        for operations in schema["paths"].values()
        for operation in operations.values()
        for status in operation["responses"]
    }


def test_the_api_fuzzed_from_its_schema_holds_to_it(live_server, client, tmp_path, settings):
    # A daily window, so that a run crossing a minute's boundary still meets the limit (429).
    settings.JOB_SUBMIT_RATE = "5/d"
    # A member of the free plan with points and every scope; then an account with no points
    # whose token may read and create but not read billing (402 and 403 come from it).
    rich = make_user("fuzz@example.com")
    give_points(rich, 25)
    poor = make_user("fuzz-poor@example.com", verified=False)  # no daily points
    cases_rich, seen_rich = fuzz(live_server.url, token_for(rich), tmp_path / "rich")
    poor_token = token_for(poor, scopes=["read", "create"])
    cases_poor, seen_poor = fuzz(live_server.url, poor_token, tmp_path / "poor")
    seen = seen_rich | seen_poor
    print(f"cases: {cases_rich} + {cases_poor}; statuses seen: {sorted(seen)}")
    assert cases_rich >= 300 and cases_poor >= 300
    assert not {status for status in seen if status >= 500}
    assert documented_statuses(client) - NOT_FUZZED <= seen, sorted(seen)
