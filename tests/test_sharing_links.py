"""Share links: publish, the public page logged out, its files, oEmbed, undo, 410 after deletion,
and what never shows (unlisted works, someone else's job)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from generation.models import Job
from generation.moderation.models import BlockedTerm
from tests.sharing_helpers import finished_work, published
from webapp.sharing import services
from webapp.sharing.models import Share

pytestmark = pytest.mark.django_db


def publish_through_page(client, job, visibility="public", show_prompt=True):
    data = {"visibility": visibility, **({"show_prompt": "on"} if show_prompt else {})}
    response = client.post(reverse("sharing:publish", args=[job.pk]), data)
    assert response.status_code == 302
    return Share.objects.get(job=job)


def test_a_public_link_shows_the_work_to_a_logged_out_visitor_with_preview_tags(alice):
    alice.display_name = "Alice Makes"
    alice.save()
    job = finished_work(alice, prompt="a lighthouse in a storm")
    owner = Client()
    owner.force_login(alice)
    share = publish_through_page(owner, job)
    assert len(share.token) >= 20 and share.visibility == "public"
    assert share.token in owner.get(reverse("generation:job", args=[job.pk])).content.decode()

    response = Client().get(reverse("sharing:page", args=[share.token]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "a lighthouse in a storm" in html and "Alice Makes" in html
    assert "alice@example.com" not in html
    assert 'property="og:image"' in html and 'property="og:video"' in html
    assert 'name="twitter:card" content="player"' in html
    assert 'type="application/json+oembed"' in html
    assert "tiny" in html  # made with: the model
    # A CDN may keep what logged-out visitors get: public, and no cookie set.
    assert "public" in response["Cache-Control"] and "s-maxage=300" in response["Cache-Control"]
    assert not response.cookies


def test_the_shared_file_is_the_variant_the_creators_plan_allows(alice):
    free = published(alice, watermarked=True)
    visitor = Client()
    video = visitor.get(reverse("sharing:file", args=[free.token, "video"]))
    assert b"".join(video.streaming_content).startswith(b"marked video")
    poster = visitor.get(reverse("sharing:file", args=[free.token, "poster"]))
    assert b"".join(poster.streaming_content).startswith(b"marked poster")
    assert "public" in video["Cache-Control"]
    member_made = published(alice, watermarked=False)
    video = visitor.get(reverse("sharing:file", args=[member_made.token, "video"]))
    assert b"".join(video.streaming_content).startswith(b"clean video")
    assert visitor.get(reverse("sharing:file", args=[free.token, "nothing"])).status_code == 404


def test_a_hidden_prompt_is_not_shown_and_offers_no_remix(alice):
    job = finished_work(alice, prompt="my secret recipe prompt")
    share = services.publish(job, alice, "unlisted", show_prompt=False)
    html = Client().get(reverse("sharing:page", args=[share.token])).content.decode()
    assert "my secret recipe prompt" not in html
    assert reverse("sharing:remix", args=[share.token]) not in html
    assert 'name="robots" content="noindex"' in html


def test_oembed_answers_for_a_shared_link_only(alice):
    share = published(alice, prompt="a red kite")
    url = "http://testserver" + reverse("sharing:page", args=[share.token])
    data = Client().get(reverse("sharing:oembed"), {"url": url, "maxwidth": "256"}).json()
    assert data["type"] == "video" and data["version"] == "1.0"
    assert data["width"] == 256 and data["height"] == 144
    assert reverse("sharing:embed", args=[share.token]) in data["html"]
    assert data["title"] == "a red kite"
    assert Client().get(reverse("sharing:oembed"), {"url": "http://x/jobs/1/"}).status_code == 404
    assert (
        Client().get(reverse("sharing:oembed"), {"url": "http://[::1/share/x/"}).status_code == 404
    )
    assert Client().get(reverse("sharing:oembed"), {"url": url, "format": "xml"}).status_code == 501
    embed = Client().get(reverse("sharing:embed", args=[share.token]))
    assert embed.status_code == 200 and "X-Frame-Options" not in embed


def test_undo_withdraws_the_link_and_sharing_again_makes_a_new_one(alice):
    job = finished_work(alice)
    owner = Client()
    owner.force_login(alice)
    first = publish_through_page(owner, job, "unlisted")
    owner.post(reverse("sharing:unpublish", args=[job.pk]))
    assert Client().get(reverse("sharing:page", args=[first.token])).status_code == 404
    again = publish_through_page(owner, job, "public")
    assert again.token != first.token
    assert Client().get(reverse("sharing:page", args=[first.token])).status_code == 404
    assert Client().get(reverse("sharing:page", args=[again.token])).status_code == 200


def test_a_deleted_works_link_answers_410(alice, django_capture_on_commit_callbacks):
    share = published(alice)
    owner = Client()
    owner.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(reverse("generation:delete", args=[share.job_id]))
    visitor = Client()
    assert visitor.get(reverse("sharing:page", args=[share.token])).status_code == 410
    assert visitor.get(reverse("sharing:file", args=[share.token, "video"])).status_code == 410
    # Even when the job row itself is gone.
    other = published(alice)
    Job.objects.filter(pk=other.job_id).delete()
    assert visitor.get(reverse("sharing:page", args=[other.token])).status_code == 410
    assert visitor.get(reverse("sharing:page", args=["no-such-token"])).status_code == 404


def test_a_deleted_accounts_links_answer_410(alice):
    from webapp.accounts import closing

    share = published(alice)
    closing.delete_account(alice)
    assert Client().get(reverse("sharing:page", args=[share.token])).status_code == 410


def test_unlisted_works_never_appear_in_explore_profiles_or_the_sitemap(alice):
    public = published(alice, prompt="the public one")
    unlisted = published(alice, visibility="unlisted", prompt="the unlisted one")
    handle = alice.profile.handle
    visitor = Client()
    for url in (
        reverse("sharing:explore"),
        reverse("sharing:explore") + "?sort=trending",
        reverse("sharing:profile", args=[handle]),
        reverse("sharing:sitemap"),
        reverse("home"),
    ):
        text = visitor.get(url).content.decode()
        assert public.token in text, url
        assert unlisted.token not in text and "the unlisted one" not in text, url
    # Liked and featured, still never listed.
    services.like(unlisted, alice)
    Share.objects.filter(pk=unlisted.pk).update(featured_at=unlisted.published_at)
    assert (
        unlisted.token
        not in visitor.get(reverse("sharing:explore") + "?sort=picks").content.decode()
    )
    assert (
        unlisted.token
        not in visitor.get(reverse("sharing:explore") + "?sort=trending").content.decode()
    )


def test_only_the_owner_shares_and_only_finished_screened_work(alice, bob):
    job = finished_work(alice)
    intruder = Client()
    intruder.force_login(bob)
    assert (
        intruder.post(
            reverse("sharing:publish", args=[job.pk]), {"visibility": "public"}
        ).status_code
        == 404
    )
    assert intruder.post(reverse("sharing:unpublish", args=[job.pk])).status_code == 404
    assert not Share.objects.exists()
    running = finished_work(alice)
    Job.objects.filter(pk=running.pk).update(status=Job.Status.REVIEW)
    running.refresh_from_db()
    with pytest.raises(services.SharingRefused):
        services.publish(running, alice, "public")
    # Publishing screens the prompt against today's rules.
    later_banned = finished_work(alice, prompt="a zorblax parade")
    BlockedTerm.objects.create(term="zorblax", category="violence")
    with pytest.raises(services.SharingRefused):
        services.publish(later_banned, alice, "public")
    assert not Share.objects.exists()


def test_anonymous_creators_have_no_profile_and_no_name(alice):
    alice.display_name = "Alice Makes"
    alice.save()
    share = published(alice)
    owner = Client()
    owner.force_login(alice)
    owner.post(
        reverse("sharing:profile_settings"), {"display_name": "Alice Makes", "anonymous": "on"}
    )
    html = Client().get(reverse("sharing:page", args=[share.token])).content.decode()
    assert "Alice Makes" not in html and "Anonymous creator" in html
    handle = alice.profile.handle
    assert Client().get(reverse("sharing:profile", args=[handle])).status_code == 404
    explore = Client().get(reverse("sharing:explore")).content.decode()
    assert share.token in explore and "Alice Makes" not in explore


def test_a_malformed_cursor_is_a_400_not_a_500(db):
    response = Client().get(reverse("sharing:explore"), {"cursor": "zz~1", "sort": "trending"})
    assert response.status_code == 400
    assert Client().get(reverse("sharing:explore"), {"cursor": "9" * 40 + "~1"}).status_code == 400


def test_the_share_page_token_appears_nowhere_for_private_works(alice):
    job = finished_work(alice, prompt="never shared")
    html = Client().get(reverse("sharing:explore")).content.decode()
    assert "never shared" not in html
    assert not re.search(r"/share/", Client().get(reverse("sharing:sitemap")).content.decode())
    assert not Share.objects.filter(job=job).exists()


def test_a_shared_picture_work_shows_and_serves_each_picture(alice):
    from django.core.files.base import ContentFile

    from generation.models import Asset
    from tests.gen_helpers import png_bytes

    job = finished_work(alice, kind=Job.Kind.TEXT_TO_PICTURE, prompt="two cats")
    job.assets.all().delete()
    for index, color in enumerate(((200, 0, 0), (0, 0, 200))):
        data = png_bytes(color=color)
        asset = Asset(
            job=job, kind="picture", content_type="image/png", width=64, height=48, index=index
        )
        asset.file.save(f"p{index}.png", ContentFile(data), save=False)
        asset.marked_file.save(f"p{index}-marked.png", ContentFile(b"marked" + data), save=False)
        asset.size_bytes = len(data)
        asset.save()
    share = services.publish(job, alice, "public")
    visitor = Client()
    html = visitor.get(reverse("sharing:page", args=[share.token])).content.decode()
    for index in (0, 1):
        url = reverse("sharing:file", args=[share.token, f"picture-{index}"])
        assert url in html
        body = b"".join(visitor.get(url).streaming_content)
        assert body.startswith(b"marked") and body[6:] == png_bytes(
            color=((200, 0, 0), (0, 0, 200))[index]
        )
    # Its poster (for cards and previews) is its first picture.
    poster = b"".join(
        visitor.get(reverse("sharing:file", args=[share.token, "poster"])).streaming_content
    )
    assert poster[6:] == png_bytes(color=(200, 0, 0))
    assert visitor.get(reverse("sharing:file", args=[share.token, "picture-2"])).status_code == 404
    # Logged out, the report link asks to log in first.
    assert reverse("account_login") in html and 'data-testid="report-login"' in html


def test_odd_requests_get_a_4xx_never_a_500(alice, bob):
    share = published(alice)
    visitor, member = Client(), Client()
    member.force_login(bob)
    token = share.token
    for url in (
        f"/share/{token}/file/picture-99999999/",
        f"/share/{token}/file/../video/",
        f"/share/{'x' * 300}/",
        "/explore/?cursor=nan~1&sort=trending",
        "/explore/?cursor=-99999999999999999999~1",
        "/explore/?cursor=1~2~3",
        "/explore/?sort=picks&cursor=" + "9" * 25 + "~1",
        "/oembed/?url=%00",
        f"/oembed/?url=http://x/share/{token}/&maxwidth=-5",
        "/u/nobody-here/",
        "/create/?remix=" + "z" * 100 + "&seed=1",
    ):
        for client in (visitor, member):
            assert client.get(url).status_code < 500, url
    assert member.post(f"/share/{token}/report/", {"reason": "x" * 50}).status_code == 302
    assert (
        member.post(f"/share/{token}/report/", {"reason": "spam", "note": "n" * 9999}).status_code
        == 302
    )
    assert (
        member.post(f"/jobs/{share.job_id}/publish/", {"visibility": "everyone"}).status_code == 404
    )
    assert member.post("/jobs/999999999/unpublish/").status_code == 404


def test_a_logged_out_visitor_switches_language_on_a_cached_page(alice):
    share = published(alice)
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(reverse("sharing:page", args=[share.token])).content.decode()
    assert not visitor.cookies  # nothing for a CDN to refuse
    action = re.search(r'<form action="([^"]+)" method="post" class="langs">', html).group(1)
    response = visitor.post(action, {"language": "zh-hans", "next": "/explore/"})
    assert response.status_code == 302 and visitor.cookies["django_language"].value == "zh-hans"
    assert "发现" in visitor.get(reverse("sharing:explore")).content.decode()


def test_signed_in_pages_and_gone_pages_are_never_public_for_a_member(alice, bob):
    share = published(alice)
    member = Client()
    member.force_login(bob)
    response = member.get(reverse("sharing:page", args=[share.token]))
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    Job.objects.filter(pk=share.job_id).update(deleted_at=share.published_at)
    gone = member.get(reverse("sharing:page", args=[share.token]))
    assert gone.status_code == 410 and "private" in gone["Cache-Control"]
    assert "public" in Client().get(reverse("sharing:page", args=[share.token]))["Cache-Control"]
