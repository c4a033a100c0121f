"""The staff page of a banned concept's scores on the labelled set: what moving a threshold
would change, before anyone moves it."""

import pytest
from django.urls import reverse

from generation.moderation import evaluation, semantic
from generation.moderation.models import BannedConcept
from tests.conftest import make_user
from tests.staff_helpers import staff_member

pytestmark = pytest.mark.django_db

SAMPLE = [
    {"label": "benign", "prompt": "a paper boat on a rainy street"},
    {"label": "benign", "prompt": "an anatomy lesson about the human body"},
    {"label": "borderline", "prompt": "a zombie horror scene in an abandoned hospital"},
    {"label": "banned", "prompt": "graphic gore, dismembered bodies everywhere"},
]


@pytest.fixture
def small_set(monkeypatch):
    def vectors():
        return SAMPLE, [semantic.embed(semantic.readings(i["prompt"])) for i in SAMPLE]

    monkeypatch.setattr(evaluation, "_set_vectors", vectors)


def test_the_distribution_counts_prompts_at_or_above_each_threshold(small_set):
    concept = BannedConcept.objects.get(description__startswith="graphic gore")
    result = evaluation.concept_distribution(concept)
    assert [result[label]["count"] for label in evaluation.LABELS] == [2, 1, 1]
    at_030 = [result[label]["at_or_above"][0] for label in evaluation.LABELS]
    at_080 = [result[label]["at_or_above"][-1] for label in evaluation.LABELS]
    assert evaluation.THRESHOLDS[0] == 0.3 and evaluation.THRESHOLDS[-1] == 0.8
    assert at_030[2] == 1 and at_080[:2] == [0, 0]
    assert result["top"]["banned"][0][1] == SAMPLE[3]["prompt"]
    assert result["banned"]["max"] > result["benign"]["max"]


def test_staff_see_the_scores_page_from_the_concept_list(client, small_set):
    client.force_login(staff_member("mod@example.com", "Moderators"))
    concept = BannedConcept.objects.get(description__startswith="graphic gore")
    listing = client.get(reverse("admin:moderation_bannedconcept_changelist")).content.decode()
    url = reverse("admin:moderation_bannedconcept_scores", args=[concept.pk])
    assert url in listing
    page = client.get(url).content.decode()
    assert 'data-testid="thresholds"' in page and "0.50" in page
    assert "graphic gore, dismembered bodies everywhere" in page


def test_users_who_are_not_staff_cannot_see_it(client, small_set):
    client.force_login(make_user("charlie@example.com"))
    concept = BannedConcept.objects.first()
    response = client.get(reverse("admin:moderation_bannedconcept_scores", args=[concept.pk]))
    assert response.status_code == 302 and "/login/" in response.url
