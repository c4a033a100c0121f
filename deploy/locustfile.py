"""The site's load test: each simulated person logs in, then again and again opens the create
page, submits a clip, opens the job page, follows its live status for a while, opens their
works and cancels the job if it has not finished. Run through `manage.py load_test` (it seeds
the accounts, starts gunicorn if asked and prints per-endpoint percentiles and server CPU per
request); plain `locust -f` works too with LOADTEST_EMAILS, LOADTEST_PASSWORD and
LOADTEST_OUTPUT set.

Server CPU comes from each answer's `Server-Timing` header (SERVER_TIMING=true on the server):
the CPU time of the thread that served it, so it stays true on a busy machine.
"""

import itertools
import json
import os
import re
from collections import defaultdict

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser

EMAILS = os.environ.get("LOADTEST_EMAILS", "loadtest-{}@example.invalid")
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "")
OUTPUT = os.environ.get("LOADTEST_OUTPUT", "")
POLLS = int(os.environ.get("LOADTEST_POLLS", "5"))
POLL_SECONDS = float(os.environ.get("LOADTEST_POLL_SECONDS", "2"))
# With LOADTEST_CYCLES each person stops after that many rounds, and the run ends when all
# LOADTEST_USERS have (a fixed amount of work, whatever the machine's speed); 0: until the
# run time is up.
CYCLES = int(os.environ.get("LOADTEST_CYCLES", "0"))
USERS = int(os.environ.get("LOADTEST_USERS", "0"))
SERVER_TIMING = re.compile(r"cpu;dur=([\d.]+).*?db;desc=queries;dur=(\d+)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION = {
    "kind": "text_to_video",
    "prompt": "a paper boat drifting down a rainy street at dusk",
    "negative_prompt": "",
    "aspect_ratio": "16:9",
    "duration_s": "5",
    "mode": "standard",
    "creativity": "0.5",
    "seed": "",
    "camera_movement": "static",
    "num_images": "1",
}

_numbers = itertools.count()
_finished = itertools.count(1)
# endpoint -> list of (response ms, server CPU ms or None, queries or None, failed)
samples: dict[str, list] = defaultdict(list)


@events.request.add_listener
def record(request_type, name, response_time, response_length, response=None, exception=None, **_):
    cpu = queries = None
    header = response.headers.get("Server-Timing", "") if response is not None else ""
    if match := SERVER_TIMING.search(header):
        cpu, queries = float(match[1]), int(match[2])
    samples[name].append((response_time, cpu, queries, exception is not None))


@events.quitting.add_listener
def save(environment, **_):
    if OUTPUT:
        with open(OUTPUT, "w") as out:
            json.dump(samples, out)


class Person(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.cycles = 0
        number = next(_numbers)
        self.email = EMAILS.format(number)
        # Each person from an address of their own (RFC 2544's benchmarking range, only ever
        # written in this header), as the server sees them behind one proxy
        # (TRUSTED_PROXY_COUNT=1): per-address limits count each person, not 127.0.0.1.
        self.client.headers["X-Forwarded-For"] = f"198.18.{number // 250}.{number % 250 + 1}"
        page = self.client.get("/accounts/login/", name="GET login")
        token = CSRF.search(page.text)
        with self.client.post(
            "/accounts/login/",
            data={
                "login": self.email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token[1] if token else "",
            },
            name="POST login",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"login answered {answer.status_code}")

    @task
    def create_and_follow(self):
        page = self.client.get("/create/", name="GET create")
        token = CSRF.search(page.text)
        with self.client.post(
            "/create/",
            data={**SUBMISSION, "csrfmiddlewaretoken": token[1] if token else ""},
            name="POST create (submit)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            location = answer.headers.get("Location", "")
            if answer.status_code != 302 or "/jobs/" not in location:
                answer.failure(f"submit answered {answer.status_code}, not a job")
                return
        self.client.get(location, name="GET job")
        for _ in range(POLLS):
            self.client.get(
                f"{location}status/", headers={"HX-Request": "true"}, name="GET job status"
            )
            gevent.sleep(POLL_SECONDS)
        self.client.get("/works/", name="GET works")
        # Done watching: cancel (a no-op once it has finished) so the next submission is not
        # refused for a job still in progress (plans run one or a few at a time).
        page = self.client.get(location, name="GET job")
        token = CSRF.search(page.text)
        self.client.post(
            f"{location}cancel/",
            data={"csrfmiddlewaretoken": token[1] if token else ""},
            name="POST cancel",
        )
        self.cycles += 1
        if CYCLES and self.cycles >= CYCLES:
            if next(_finished) >= USERS:
                # The last person done ends the run (from another greenlet: quit stops this one).
                gevent.spawn(self.environment.runner.quit)
            raise StopUser
