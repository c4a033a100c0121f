"""C2PA content credentials: sign each MP4 and picture, and read them back on the check page.

A manifest says the file was created by a trained algorithm (IPTC digital source type
trainedAlgorithmicMedia), by this site and model, at what time, and names the job in a custom
assertion. Signing wraps the encoded bytes (the pixels are untouched), so stripping the manifest
leaves the invisible mark in place.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import datetime

import c2pa
from django.conf import settings

from generation.provenance.certificates import signing_material

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
JOB_ASSERTION = "org.lingjing.job"
# What the reader is given as the format; it also sniffs the bytes itself.
SIGNABLE = {"video/mp4", "image/png", "image/jpeg", "image/webp"}


def manifest(
    *, job_id: int, model: str, created_at: datetime, title: str, visible_mark: bool
) -> dict:
    """The manifest definition for one output of job `job_id`."""
    when = created_at.isoformat()
    return {
        "claim_generator_info": [{"name": settings.SITE_NAME, "version": "1"}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                            "softwareAgent": {"name": f"{settings.SITE_NAME} ({model})"},
                            "when": when,
                        }
                    ]
                },
            },
            {
                "label": JOB_ASSERTION,
                "data": {
                    "site": settings.SITE_NAME,
                    "site_url": settings.SITE_URL,
                    "job": job_id,
                    "model": model,
                    "created": when,
                    "visible_watermark": visible_mark,
                },
            },
        ],
    }


@functools.cache
def _signer() -> c2pa.Signer:
    material = signing_material()
    info = c2pa.C2paSignerInfo(
        settings.C2PA_SIGNING_ALG.encode(),
        material.chain,
        material.key,
        settings.C2PA_TSA_URL.encode() or None,
    )
    return c2pa.Signer.from_info(info)


@functools.cache
def _context() -> c2pa.Context:
    """Settings for signing and reading: no embedded thumbnail, no network, our roots trusted."""
    return c2pa.Context(
        c2pa.Settings.from_dict(
            {
                "version": 1,
                "builder": {"thumbnail": {"enabled": False}},
                "verify": {"remote_manifest_fetch": False},
                "trust": {"user_anchors": signing_material().anchors.decode()},
            }
        )
    )


def reload() -> None:
    """Forget the cached signer and settings (after the certificate settings change)."""
    _signer.cache_clear()
    _context.cache_clear()


def sign(data: bytes, content_type: str, definition: dict) -> bytes:
    """`data` (an encoded file of `content_type`) with the manifest embedded and signed."""
    out = io.BytesIO()
    with c2pa.Builder(definition, context=_context()) as builder:
        builder.sign(_signer(), content_type, io.BytesIO(data), out)
    return out.getvalue()


def sign_file(path, out_path, content_type: str, definition: dict) -> None:
    """`sign`, from the file at `path` into `out_path`: a long video is read and written as a
    stream, never held in memory."""
    with (
        open(path, "rb") as source,
        open(out_path, "w+b") as out,
        c2pa.Builder(definition, context=_context()) as builder,
    ):
        builder.sign(_signer(), content_type, source, out)


@dataclass(frozen=True)
class Credentials:
    """What a file's manifest says, and whether it holds.

    `state`: "trusted" (intact and signed by this site's certificate), "valid" (intact, signed
    by someone else) or "invalid" (tampered with, or unreadable).
    """

    state: str
    ai_generated: bool = False
    site: str | None = None
    job_id: int | None = None
    created: str | None = None
    signer: str | None = None

    @property
    def by_this_site(self) -> bool:
        return self.state == "trusted" and self.job_id is not None


def read(stream, content_type: str) -> Credentials | None:
    """The manifest embedded in `stream` (a seekable binary file), or None when it has none."""
    try:
        reader = c2pa.Reader.try_create(content_type, stream, None, _context())
    except c2pa.C2paError.NotSupported:
        return None
    except c2pa.C2paError:
        return Credentials(state="invalid")
    if reader is None:
        return None
    with reader:
        state = (reader.get_validation_state() or "").lower()
        active = reader.get_active_manifest() or {}
    if state not in ("trusted", "valid"):
        state = "invalid"
    assertions = {a.get("label"): a.get("data") or {} for a in active.get("assertions", [])}
    actions = [
        action
        for label in ("c2pa.actions", "c2pa.actions.v2")
        for action in assertions.get(label, {}).get("actions", [])
    ]
    job = assertions.get(JOB_ASSERTION, {})
    signature = active.get("signature_info") or {}
    return Credentials(
        state=state,
        ai_generated=any(a.get("digitalSourceType") == TRAINED_ALGORITHMIC_MEDIA for a in actions),
        site=job.get("site"),
        job_id=job.get("job") if isinstance(job.get("job"), int) else None,
        created=job.get("created"),
        signer=signature.get("common_name") or signature.get("issuer"),
    )
