"""Schemathesis hooks for tests/test_api_fuzz.py (loaded through SCHEMATHESIS_HOOKS).

A schema alone cannot lead a fuzzer to every answer the API documents: random bytes are never a
photo, a body the schema allows is never larger than the server accepts, and a random job id is
never one of the caller's jobs. This hook widens what the fuzzer draws, never what it checks,
and only in cases drawn to fit the schema (a negative case stays as drawn, so the checks still
judge the API's answer to exactly what the schema forbids):

- POST /uploads bodies are also real pictures (PNG, JPEG or WebP of any small size and colour)
  and bodies one byte to a few KB over the photo limit;
- POST /jobs bodies (JSON or multipart) are also what a client asks for (a plain prompt, options
  some plans lack, an Idempotency-Key), sometimes sent again as a retry, and ones with an
  extra field (the schema allows one) that takes them past the server's form and body limit;
- path parameters are also drawn from the ids of the account's own objects in every state the
  test made (`LJ_FUZZ_TARGETS`: {"METHOD /path": [{"param": value}, ...]}), as a client that
  lists before it acts would send.

Only the fuzzing phase is widened; examples, coverage and the stateful links run as drawn.
"""

import io
import json
import os

import schemathesis
from hypothesis import strategies as st
from PIL import Image
from schemathesis.core.parameters import ParameterLocation

PHOTO_LIMIT = int(os.environ["LJ_FUZZ_PHOTO_LIMIT"])
BODY_LIMIT = int(os.environ["LJ_FUZZ_BODY_LIMIT"])
TARGETS = json.loads(os.environ.get("LJ_FUZZ_TARGETS", "{}"))


def _label(ctx) -> str:
    return f"{ctx.operation.method.upper()} {ctx.operation.path}"


@st.composite
def pictures(draw) -> bytes:
    size = (draw(st.integers(1, 96)), draw(st.integers(1, 96)))
    colour = draw(st.tuples(*[st.integers(0, 255)] * 3))
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(
        buffer, format=draw(st.sampled_from(["PNG", "JPEG", "WEBP"]))
    )
    return buffer.getvalue()


OVER_PHOTO_LIMIT = st.integers(1, 4096).map(lambda extra: b"\0" * (PHOTO_LIMIT + extra))
# An extra field the schema allows (JobIn does not forbid others), long enough to pass the limit.
OVER_BODY_LIMIT = st.integers(1, 4096).map(lambda extra: "a" * (BODY_LIMIT + extra))


def _drawn_valid(case, location: ParameterLocation) -> bool:
    component = case.meta.components.get(location)
    return component is not None and component.mode.is_positive


def _with(case, **containers):
    for name, value in containers.items():
        setattr(case, name, value)
    return case


@schemathesis.hook
def flatmap_case(ctx, case):
    label = _label(ctx)
    # The stateful phase follows the schema's links (a created job's id): left as they are.
    if case.meta is None or case.meta.phase.name != "fuzzing":
        return st.just(case)
    known = TARGETS.get(label)
    if known and _drawn_valid(case, ParameterLocation.PATH):
        return st.one_of(
            st.just(case), st.sampled_from(known).map(lambda ids: _with(case, path_parameters=ids))
        )
    if not _drawn_valid(case, ParameterLocation.BODY):
        return st.just(case)
    if label == "POST /api/v1/uploads":
        if isinstance(case.body, bytes):  # the raw body is the photo
            sent = lambda photo: _with(case, body=photo)  # noqa: E731
        elif isinstance(case.body, dict):  # multipart: its `file`
            sent = lambda photo: _with(case, body={**case.body, "file": photo})  # noqa: E731
        else:
            return st.just(case)
        return st.one_of(st.just(case), pictures().map(sent), OVER_PHOTO_LIMIT.map(sent))
    if label == "POST /api/v1/jobs" and isinstance(case.body, dict):
        big = OVER_BODY_LIMIT.map(lambda pad: _with(case, body={**case.body, "padding": pad}))
        retried = [st.sampled_from(CREATED)] if CREATED else []
        asked = st.one_of(client_jobs(), client_jobs(), *retried)
        sent = asked.map(lambda job: _as_sent(case, job))
        # Mostly a client's jobs: random fields are nearly always refused before any rule runs.
        return st.one_of(st.just(case), big, sent, sent, sent)
    return st.just(case)


# What a client asks for: a plain prompt and options any plan or only some plans allow, with an
# Idempotency-Key; and, once one was created, the same request again (a retry after a lost
# answer), whose first answer the API must replay.
PROMPTS = ["a paper boat on a rainy street", "a red fox in the snow", "waves at dusk"]
CREATED: list = []  # (body, Idempotency-Key, media type) of creates answered 201


@schemathesis.hook
def after_call(ctx, case, response):
    key = case.headers.get("Idempotency-Key") if case.headers else None
    created = _label(ctx) == "POST /api/v1/jobs" and response.status_code == 201
    if created and key and isinstance(case.body, dict):
        CREATED.append((dict(case.body), key, case.media_type))


@st.composite
def client_jobs(draw) -> tuple:
    body = {
        "kind": draw(st.sampled_from(["text_to_video", "text_to_picture"])),
        "prompt": draw(st.sampled_from(PROMPTS)),
        "duration_s": draw(st.sampled_from([5, 10])),
        # Mostly what every plan allows, sometimes what only some do.
        "mode": draw(st.sampled_from(["standard"] * 3 + ["professional"])),
        "camera_movement": draw(st.sampled_from(["static"] * 3 + ["orbit"])),
        "num_images": draw(st.integers(1, 4)),
    }
    # Always a key: the drawn cases already send creates without one, and a retry needs one.
    return body, draw(st.text("abcdef0123456789", min_size=8, max_size=8)), None


def _as_sent(case, job):
    body, key, media_type = job
    if media_type is not None:  # a retry goes as the first request went
        case.media_type = media_type
    elif case.media_type != "application/json":  # a form sends every value as text
        body = {name: str(value) for name, value in body.items()}
    headers = case.headers.copy()  # case-insensitive, as the drawn ones
    headers["Idempotency-Key"] = key
    return _with(case, body=body, headers=headers)
