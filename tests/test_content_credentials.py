"""C2PA content credentials: every MP4 and picture carries a signed manifest that c2pa's own
reader validates, says "made by a trained algorithm, here, by this model, at this time" and
names the job; stripping it leaves the invisible mark."""

import io
import json
import os
import subprocess
import sys

import av
import c2pa
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.conf import settings
from django.core.management import call_command
from PIL import Image

from generation.media import decode_video
from generation.postprocess import provenance_key
from generation.provenance import credentials
from generation.provenance.certificates import make_test_chain, signing_material
from generation.provenance.check import read_mark
from tests.conftest import ROOT
from tests.provenance_helpers import finished_job, moving_clip

pytestmark = pytest.mark.django_db
IPTC_AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def stored(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def trusting_reader(data: bytes, content_type: str, anchors: bytes | None = None):
    """c2pa's Reader, told to trust the site's root certificate (and nothing else of ours)."""
    anchors = anchors or signing_material().anchors
    context = c2pa.Context(
        c2pa.Settings.from_dict({"version": 1, "trust": {"user_anchors": anchors.decode()}})
    )
    return c2pa.Reader(content_type, io.BytesIO(data), None, context)


def assert_names_the_job(data: bytes, content_type: str, job, *, visible_mark: bool):
    with trusting_reader(data, content_type) as reader:
        assert reader.get_validation_state() == "Trusted", reader.get_validation_results()
        manifest = reader.get_active_manifest()
    assertions = {a["label"]: a["data"] for a in manifest["assertions"]}
    actions = (assertions.get("c2pa.actions.v2") or assertions["c2pa.actions"])["actions"]
    created = next(a for a in actions if a["action"] == "c2pa.created")
    assert created["digitalSourceType"] == IPTC_AI
    assert manifest["claim_generator_info"][0]["name"] == settings.SITE_NAME
    claim = assertions[credentials.JOB_ASSERTION]
    assert claim["job"] == job.pk
    assert claim["model"] == job.model_spec
    assert claim["site"] == settings.SITE_NAME
    assert claim["created"] == job.created_at.isoformat()
    assert claim["visible_watermark"] is visible_mark


def test_the_mp4_and_poster_manifests_validate_and_name_the_job_in_both_variants(alice):
    job = finished_job(alice, watermarked=True, frames=moving_clip())
    for kind, content_type in (("video", "video/mp4"), ("poster", "image/jpeg")):
        asset = job.assets.get(kind=kind)
        assert_names_the_job(stored(asset.file), content_type, job, visible_mark=False)
        assert_names_the_job(stored(asset.marked_file), content_type, job, visible_mark=True)


def test_a_pictures_manifest_validates_and_names_the_job(alice):
    job = finished_job(alice, watermarked=False, images=[Image.fromarray(moving_clip(1)[0])])
    picture = job.assets.get(kind="picture")
    assert_names_the_job(stored(picture.file), "image/png", job, visible_mark=False)


def test_a_reader_that_does_not_trust_this_site_still_finds_the_signature_intact(alice):
    job = finished_job(alice, watermarked=False, frames=moving_clip(count=6))
    data = stored(job.assets.get(kind="video").file)
    with c2pa.Reader("video/mp4", io.BytesIO(data)) as reader:
        assert reader.get_validation_state() == "Valid"
        failures = reader.get_validation_results()["activeManifest"]["failure"]
    assert [f["code"] for f in failures] == ["signingCredential.untrusted"]


def test_changed_pixels_make_the_manifest_invalid(alice):
    job = finished_job(alice, watermarked=False, frames=moving_clip(count=6))
    data = bytearray(stored(job.assets.get(kind="video").file))
    data[data.rfind(b"mdat") + 200] ^= 0xFF  # one byte of the coded video
    found = credentials.read(io.BytesIO(bytes(data)), "video/mp4")
    assert found.state == "invalid" and not found.by_this_site
    intact = credentials.read(io.BytesIO(stored(job.assets.get(kind="video").file)), "video/mp4")
    assert intact.state == "trusted" and intact.by_this_site and intact.job_id == job.pk


def remux(data: bytes) -> bytes:
    """The same coded frames in a new MP4 container: the manifest does not come along."""
    out = io.BytesIO()
    with av.open(io.BytesIO(data)) as source, av.open(out, "w", format="mp4") as target:
        stream = target.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                target.mux(packet)
    return out.getvalue()


def test_stripping_the_manifest_does_not_strip_the_invisible_mark(alice):
    job = finished_job(alice, watermarked=True, frames=moving_clip())
    video = job.assets.get(kind="video")
    for data in (stored(video.file), stored(video.marked_file)):
        stripped = remux(data)
        assert credentials.read(io.BytesIO(stripped), "video/mp4") is None
        frames, _fps = decode_video(stripped)
        found = read_mark(frames, provenance_key())
        assert found is not None and found.job_id == job.pk


def test_the_test_certificate_chain_is_made_once_with_a_usable_signing_certificate(
    settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    call_command("make_c2pa_test_cert")
    chain_file = tmp_path / "c2pa" / "chain.pem"
    first = chain_file.read_bytes()
    call_command("make_c2pa_test_cert")
    assert chain_file.read_bytes() == first
    leaf, root = x509.load_pem_x509_certificates(first)
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in usage
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    leaf.verify_directly_issued_by(root)
    assert oct((tmp_path / "c2pa" / "key.pem").stat().st_mode & 0o777) == "0o600"


def test_an_operators_certificate_signs_when_configured(settings, tmp_path, alice):
    chain, key, root = make_test_chain("Operator Ltd")
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    settings.C2PA_SIGN_CERT = str(tmp_path / "chain.pem")
    settings.C2PA_SIGN_KEY = str(tmp_path / "key.pem")
    credentials.reload()
    try:
        job = finished_job(alice, watermarked=False, frames=moving_clip(count=4))
        data = stored(job.assets.get(kind="video").file)
        with trusting_reader(data, "video/mp4", anchors=root) as reader:
            assert reader.get_validation_state() == "Trusted"
            signature = json.loads(reader.json())["manifests"]
        assert "Operator Ltd" in json.dumps(signature)
        # The site's own test root does not vouch for the operator's certificate.
        settings.C2PA_SIGN_CERT = settings.C2PA_SIGN_KEY = ""
        credentials.reload()
        with trusting_reader(data, "video/mp4") as reader:
            assert reader.get_validation_state() == "Valid"
    finally:
        settings.C2PA_SIGN_CERT = settings.C2PA_SIGN_KEY = ""
        credentials.reload()


def test_a_certificate_without_its_key_stops_start_up():
    env = {**os.environ, "C2PA_SIGN_CERT": "/etc/studio/chain.pem"}
    env.pop("C2PA_SIGN_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import webapp.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "set both C2PA_SIGN_CERT and C2PA_SIGN_KEY" in result.stderr
