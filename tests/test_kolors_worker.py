"""Kolors pictures end to end: the create form with a Chinese prompt, a real broker and worker
running the tiny KolorsPipeline (GENERATION_PICTURE_MODEL=tiny-kolors); the pictures decode back,
carry content credentials naming the job and its model, and the points
are held on submit and captured on success."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from billing import ledger
from billing.models import Entry, Hold
from generation.engine.specs import get_spec
from generation.models import Asset, Job
from tests.conftest import module_worker, wait_for
from tests.gen_helpers import give_points, t2v_data
from tests.test_content_credentials import assert_names_the_job

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = reverse("generation:create")
SPEC = "tiny+tiny-kolors"
PROMPT = "夜晚屋顶上飘着一盏纸灯笼，水墨画风格"


worker = module_worker(GENERATION_PICTURE_MODEL="tiny-kolors")


@pytest.fixture
def user(client, alice, settings):
    settings.GENERATION_MODEL = SPEC  # what GENERATION_PICTURE_MODEL=tiny-kolors makes it
    client.force_login(alice)
    client.get(CREATE)  # the day's points first, so the balances below are exact
    give_points(alice, 10)
    return alice


def test_a_chinese_prompt_makes_kolors_pictures_with_mark_credentials_and_capture(
    client, user, worker
):
    before = ledger.balance(user)
    data = t2v_data(kind="text_to_picture", prompt=PROMPT, num_images="2", aspect_ratio="9:16")
    response = client.post(CREATE, data)
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(user=user)
    assert (job.model_spec, job.prompt, job.points_held) == (SPEC, PROMPT, 4)
    job = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=300,
        message=f"job {job.pk} to finish",
    )
    assert job.status == Job.Status.SUCCEEDED, job.error_message

    size = get_spec(SPEC).size_for("9:16", kind="text_to_picture")
    pictures = job.assets.filter(kind=Asset.Kind.PICTURE)
    assert pictures.count() == 2
    for picture in pictures:
        with picture.file.open("rb") as f:
            clean = f.read()
        with picture.marked_file.open("rb") as f:
            marked = f.read()
        for data in (clean, marked):
            image = Image.open(io.BytesIO(data))
            image.load()
            assert image.size == size == (picture.width, picture.height)
        # The free plan's download carries the visible mark; both carry content credentials
        # naming this job and the picture model that made it. (They went through the same
        # render_pictures as every picture, invisible mark included; on the tiny models' noise
        # the mark is not read back, Flux's pictures' no more than these.)
        assert job.watermarked
        assert_names_the_job(clean, picture.content_type, job, visible_mark=False)
        assert_names_the_job(marked, picture.content_type, job, visible_mark=True)
    # 2 pictures at 0.2 points: held on submit, captured on success.
    assert ledger.balance(user) == before - 4
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    kinds = list(
        Entry.objects.filter(ref=job.ledger_ref).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["hold", "capture"]
    assert ledger.audit_wallet(user).ok
