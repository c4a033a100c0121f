"""Explore and profiles: orders, filters, cursor pages, query counts, and remixes from a shared
work (the create page filled in, never the other person's photo, the count on the source)."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from generation.models import Job
from tests.gen_helpers import give_points, png_bytes, t2v_data
from tests.sharing_helpers import finished_work, published
from webapp.accounts.models import User
from webapp.sharing import feed, services
from webapp.sharing.models import Remix, Share

pytestmark = pytest.mark.django_db


def tokens(html: str, shares) -> list[str]:
    """The shares' tokens in the order the page shows them."""
    found = [(html.find(f'data-share="{s.token}"'), s.token) for s in shares]
    return [token for position, token in sorted(found) if position >= 0]


def test_newest_trending_and_picks_orders(alice, bob):
    old, liked, new = (published(alice, prompt=p) for p in ("old", "liked", "new"))
    now = timezone.now()
    Share.objects.filter(pk=old.pk).update(published_at=now - timedelta(hours=3))
    Share.objects.filter(pk=liked.pk).update(published_at=now - timedelta(hours=2))
    for share in (old, liked, new):
        share.refresh_from_db()
        Share.objects.filter(pk=share.pk).update(hot=services.hot_score(share.published_at, 0))
    services.like(liked, bob)
    for i in range(20):
        services.like(liked, User.objects.create(email=f"f{i}@example.com", password="!"))
    Share.objects.filter(pk=old.pk).update(featured_at=now)
    visitor = Client()
    shares = (old, liked, new)
    newest = visitor.get(reverse("sharing:explore")).content.decode()
    assert tokens(newest, shares) == [new.token, liked.token, old.token]
    trending = visitor.get(reverse("sharing:explore"), {"sort": "trending"}).content.decode()
    # 21 likes (> tenfold) outweigh two hours of recency; the unliked old one comes last.
    assert tokens(trending, shares) == [liked.token, new.token, old.token]
    picks = visitor.get(reverse("sharing:explore"), {"sort": "picks"}).content.decode()
    assert tokens(picks, shares) == [old.token]


def test_filters_by_kind_and_aspect_ratio(alice):
    wide = published(alice, aspect_ratio="16:9")
    tall = published(alice, aspect_ratio="9:16")
    picture = published(alice, kind=Job.Kind.TEXT_TO_PICTURE, aspect_ratio="1:1")
    visitor = Client()
    everything = (wide, tall, picture)
    html = visitor.get(reverse("sharing:explore"), {"aspect": "9:16"}).content.decode()
    assert tokens(html, everything) == [tall.token]
    html = visitor.get(reverse("sharing:explore"), {"kind": "text_to_picture"}).content.decode()
    assert tokens(html, everything) == [picture.token]
    html = visitor.get(
        reverse("sharing:explore"), {"kind": "bogus", "aspect": "7:3"}
    ).content.decode()
    assert len(tokens(html, everything)) == 3


@pytest.mark.parametrize("sort", feed.SORTS)
def test_cursor_pages_walk_every_work_once(alice, sort):
    shares = [published(alice) for _ in range(7)]
    now = timezone.now()
    # Ties on the order's column: the id breaks them.
    Share.objects.update(published_at=now, hot=1.0, featured_at=now)
    seen, cursor = [], ""
    for _ in range(10):
        page, cursor = feed.page(sort, cursor=cursor, size=3)
        seen += [s.token for s in page]
        if cursor is None:
            break
    assert sorted(seen) == sorted(s.token for s in shares) and len(seen) == 7
    # The "More" link of the page carries the cursor, and htmx gets only the cards.
    html = Client().get(reverse("sharing:explore"), {"sort": sort}).content.decode()
    assert "cursor=" not in html  # one page holds all seven
    assert (
        Client()
        .get(reverse("sharing:explore"), HTTP_HX_REQUEST="true")
        .content.decode()
        .strip()
        .startswith("<article")
    )


def test_explore_and_the_public_page_cost_a_fixed_number_of_queries(
    alice, bob, django_assert_max_num_queries
):
    for _ in range(30):
        share = published(alice)
    visitor = Client()
    with django_assert_max_num_queries(2):
        assert visitor.get(reverse("sharing:explore")).status_code == 200
    # The share with its job, creator and remix source; then the job's files.
    with django_assert_max_num_queries(2):
        assert visitor.get(reverse("sharing:page", args=[share.token])).status_code == 200
    signed_in = Client()
    signed_in.force_login(bob)
    signed_in.get(reverse("sharing:explore"))
    # The session, the user, the daily points, the page and the visitor's likes: never per work.
    with django_assert_max_num_queries(12) as counted:
        signed_in.get(reverse("sharing:explore"))
    per_page = len(counted.captured_queries)
    for _ in range(10):
        published(alice)
    with django_assert_max_num_queries(per_page):
        signed_in.get(reverse("sharing:explore"))


def test_a_profile_shows_the_display_name_and_public_works_only(alice):
    alice.display_name = "Alice Makes"
    alice.save()
    public = published(alice, prompt="public one")
    published(alice, visibility="unlisted", prompt="unlisted one")
    html = Client().get(reverse("sharing:profile", args=[alice.profile.handle])).content.decode()
    assert "Alice Makes" in html and "public one" in html and "unlisted one" not in html
    assert "alice@example.com" not in html and public.token in html


def test_use_this_prompt_fills_the_create_page_without_the_photo(alice, bob):
    job = finished_work(
        alice, prompt="grandma smiles", kind=Job.Kind.IMAGE_TO_VIDEO, aspect_ratio="9:16"
    )
    job.input_image.save("grandma.png", ContentFile(png_bytes()), save=True)
    share = services.publish(job, alice, "public")
    client = Client()
    client.force_login(bob)
    response = client.get(reverse("sharing:remix", args=[share.token]))
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert "grandma smiles" in html and 'value="9:16" checked' in html
    assert f'name="remix_of" value="{share.token}"' in html
    assert 'value="4242"' not in html  # the seed only when asked
    assert job.input_image.name not in html and "photo/start" not in html
    with_seed = client.get(client.get(reverse("sharing:remix", args=[share.token]) + "?seed=1").url)
    assert 'value="4242"' in with_seed.content.decode()


def test_a_remix_links_to_its_source_and_counts_there(alice, bob):
    source = published(alice, prompt="a paper boat on a rainy street")
    give_points(bob, 100)
    client = Client()
    client.force_login(bob)
    response = client.post(reverse("generation:create"), {**t2v_data(), "remix_of": source.token})
    assert response.status_code == 302
    remix_job = Job.objects.filter(user=bob).latest("pk")
    assert Remix.objects.get(job=remix_job).source_id == source.pk
    source.refresh_from_db()
    assert source.remix_count == 1
    assert "1 remix" in Client().get(reverse("sharing:page", args=[source.token])).content.decode()
    # Finished and shared, the remix's page links back to the source.
    Job.objects.filter(pk=remix_job.pk).update(status=Job.Status.SUCCEEDED)
    remix_share = Share.objects.create(
        job=remix_job,
        user=bob,
        token="remix-token-0123456789",
        visibility="public",
        kind=remix_job.kind,
        published_at=timezone.now(),
    )
    html = Client().get(reverse("sharing:page", args=[remix_share.token])).content.decode()
    assert reverse("sharing:page", args=[source.token]) in html
    # A remix of a withdrawn link is not counted.
    services.unpublish(source)
    client.post(reverse("generation:create"), {**t2v_data(), "remix_of": source.token})
    assert Remix.objects.count() == 1
