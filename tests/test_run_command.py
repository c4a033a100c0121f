"""`make run` starts the web server and a worker on embedded defaults; Ctrl-C stops both."""

import os
import signal
import socket
import subprocess
import time
import urllib.request

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_serves_the_landing_page_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(DATA_DIR=str(tmp_path / "data"), PORT=str(port))
    proc = subprocess.Popen(
        ["bin/run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    try:
        url = None
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.startswith("Site running at "):
                url = line.split()[3]
        assert url == f"http://127.0.0.1:{port}/", "".join(output)

        html = urllib.request.urlopen(url, timeout=10).read().decode()
        assert "Turn a sentence or an old photo into a moving picture." in html
        # The worker came up beside the web server, on the filesystem broker.
        while not any(" ready." in line for line in output) and time.monotonic() < deadline:
            output.append(proc.stdout.readline())
        assert any("filesystem://" in line for line in output), "".join(output)
    finally:
        # What a terminal does on Ctrl-C: SIGINT to the whole foreground process group.
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
    time.sleep(0.5)
    leftovers = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", "processes left running after Ctrl-C"
