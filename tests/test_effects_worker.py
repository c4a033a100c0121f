"""Effects end to end on the tiny model: the create form, the real broker and a real worker.

One worker runs, in turn: an effect without an adapter, the same effect's prompt with a LoRA
(made with peft on the tiny transformer), a two-photo effect with another LoRA, an effect whose
stored adapter does not load, and the first LoRA again. The adapter changes the video (decoded
with PyAV); the pipeline is loaded once whatever the switches; the misfit fails its job with a
refund and the next job runs as before."""

import av
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing import ledger
from billing.models import Hold
from generation.models import Asset, Effect, Job
from tests.conftest import module_worker, wait_for
from tests.effect_helpers import make_lora
from tests.gen_helpers import give_points, png_bytes, t2v_data
from tests.test_content_credentials import assert_names_the_job

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = reverse("generation:create")
PROMPT = "the subject is squished like soft clay"


worker = module_worker(GENERATION_STEPS="image_to_video=2")


def _effect(slug, adapter=None, photos=1, price=100):
    effect = Effect.objects.create(
        slug=slug, name=slug.title(), photos=photos, prompt_template=PROMPT, price=price
    )
    if adapter is not None:
        effect.adapter.save(adapter.name, ContentFile(adapter.read_bytes()))
        effect.adapter_sha256 = adapter.stem  # a name unique to the file, as the admin's checksum
        effect.save()
    return effect


def _run(client, user, slug, *colors) -> Job:
    files = {"effect_image": SimpleUploadedFile("a.png", png_bytes((96, 64), colors[0]))}
    if len(colors) > 1:
        files["second_image"] = SimpleUploadedFile("b.png", png_bytes((96, 64), colors[1]))
    data = t2v_data(kind="effect", prompt="", effect=slug, seed="5")
    response = client.post(CREATE, {**data, **files})
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.filter(user=user).latest("pk")
    return wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=300,
        message=f"job {job.pk} to finish",
    )


def _frames(job) -> np.ndarray:
    asset = job.assets.get(kind=Asset.Kind.VIDEO)
    with av.open(asset.file.open("rb")) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def _differ(a, b) -> float:
    return float(np.abs(a.astype(int) - b).mean())


def test_effects_switch_adapters_on_one_warm_pipeline(client, alice, worker, tmp_path):
    client.force_login(alice)
    client.get(CREATE)
    give_points(alice, 100)
    _effect("plain")
    _effect("squish", make_lora(tmp_path / "squish-a1.safetensors", seed=1))
    _effect("hug", make_lora(tmp_path / "hug-b2.safetensors", seed=2), photos=2, price=150)
    _effect("broken", make_lora(tmp_path / "broken-n8.safetensors", attention_head_dim=8))
    start = ledger.balance(alice)

    plain = _run(client, alice, "plain", (200, 120, 40))
    squish = _run(client, alice, "squish", (200, 120, 40))
    hug = _run(client, alice, "hug", (220, 30, 30), (30, 30, 220))
    broken = _run(client, alice, "broken", (200, 120, 40))
    again = _run(client, alice, "squish", (200, 120, 40))

    for job in (plain, squish, hug, again):
        assert job.status == Job.Status.SUCCEEDED, job.error_message
    # The adapter changes the video; the same adapter later gives the same video (up to the
    # invisible mark, which carries each job's own id).
    base, with_lora, repeat = _frames(plain), _frames(squish), _frames(again)
    assert base.shape == with_lora.shape
    assert _differ(base, with_lora) > 4 * _differ(with_lora, repeat)
    # A misfitting adapter fails its own job, refunded, with a clear message.
    assert broken.status == Job.Status.FAILED
    assert broken.error_message == (
        "This effect could not be applied on our servers. Your points were refunded."
    )
    assert Hold.objects.get(ref=broken.ledger_ref).status == Hold.Status.RELEASED
    # Captured for the four that ran: 10 + 10 + 15 + 10 points.
    assert ledger.balance(alice) == start - 450
    for job in (plain, squish, hug, again):
        assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    # Provenance as for any video (the clean master: the marked copy is served to free users).
    with squish.assets.get(kind=Asset.Kind.VIDEO).file.open("rb") as f:
        assert_names_the_job(f.read(), "video/mp4", squish, visible_mark=False)

    log = worker.log()
    assert log.count("loaded tiny/ltx (LTXConditionPipeline)") == 1, log[-3000:]
    assert log.count("adapter squish-squish-a1 loaded") == 1  # kept warm for the second run
    assert "adapter hug-hug-b2 loaded" in log
    assert ledger.audit_wallet(alice).ok
