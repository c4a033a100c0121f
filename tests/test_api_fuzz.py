"""Schemathesis drives the API from its own OpenAPI schema against a live server with a real
token: no 5xx, every response's status, content type, headers and body match the schema, auth is
enforced, and created jobs can be read, canceled and deleted (stateful links)."""

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
EXAMPLES = "25"  # per operation and phase; the run prints how many cases it made
RUN_LIMIT = 1800  # generous for a busy CI host; the run ends when its cases do


def schemathesis_cli() -> Path:
    pytest.importorskip("schemathesis")
    return Path(sys.executable).parent / "schemathesis"


def test_the_api_fuzzed_from_its_schema_holds_to_it(live_server, tmp_path):
    cli = schemathesis_cli()
    user = make_user("fuzz@example.com")
    give_points(user, 25)
    token = token_for(user)
    done = subprocess.run(
        [
            str(cli),
            "--config-file",
            str(CONFIG),
            "run",
            f"{live_server.url}/api/v1/schema/",
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
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
    )
    out = done.stdout + done.stderr
    generated = re.search(r"(\d+) generated", out)
    print(out[-2500:])
    assert done.returncode == 0, out[-6000:]
    assert generated and int(generated.group(1)) >= 500, out[-2500:]
    [har] = tmp_path.glob("*.json")
    seen = {e["response"]["status"] for e in json.loads(har.read_text())["log"]["entries"]}
    print("statuses seen:", sorted(seen))
    assert not {s for s in seen if s >= 500}
    # What a schema-driven fuzzer reaches on its own; 402, 403 and 429 need a crafted state
    # (an empty wallet, a token without a scope, a burst) and are tested in test_api_jobs.py.
    assert {200, 201, 204, 401, 404, 405, 415, 422} <= seen, sorted(seen)
