"""Every page of the site, read in 简体中文 by a visitor, a free user, a member and staff, shows
no English string of the translation catalogue.

The pages are not listed by hand: every URL pattern of the site is visited with each persona's
own objects filled in (each of their jobs, checkouts, ...), plus the admin's index, every model's
list and one object of each. A new page is covered as soon as it has a URL; a URL with an argument
this test has no value for fails, naming it, until one is added to `values()`."""

import re
from html import escape

import numpy as np
import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import translation
from django.utils.text import capfirst
from PIL import Image

from billing import fulfilment, sandbox
from billing.checkout import start_checkout
from billing.models import CheckoutSession, Pack, Payment, Plan
from generation import notify, services
from generation.models import Asset, Job
from generation.moderation import review
from generation.moderation.models import BlockedTerm, Flag
from generation.moderation.verdict import REVIEW, Hit
from tests.catalogue import (
    WORDS,
    Entry,
    english_patterns,
    read_po,
    shown_texts,
    site_names,
    translated_as_themselves,
    untranslated,
    untranslated_names,
)
from tests.conftest import make_user, tier
from tests.gen_helpers import give_points
from tests.provenance_helpers import finished_job, moving_clip
from tests.staff_helpers import flagged_output_job, staff_member, submit_job
from webapp.accounts import export
from webapp.sharing import services as sharing

pytestmark = pytest.mark.django_db

# Not pages: an endpoint for machines, a form target, the admin (visited below, model by model).
NOT_PAGES = {"health", "billing:stripe_webhook", "set_language"}


def _patterns(patterns=None, namespace=""):
    """(URL name, its arguments) for every named URL of the site outside the admin."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if p.app_name == "admin":
                continue
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield namespace + p.name, list(p.pattern.regex.groupindex)


def _urls(values: dict) -> list[str]:
    urls, missing = [], []
    for name, args in _patterns():
        if name in NOT_PAGES:
            continue
        lacking = [a for a in args if a not in values]
        if lacking:
            missing.append(f"{name}: {', '.join(lacking)}")
            continue
        combos = [{}]
        for arg in args:
            combos = [{**c, arg: v} for c in combos for v in values[arg]]
        urls += [reverse(name, kwargs=c) for c in combos]
    assert missing == [], "URL arguments this test has no value for (add them to values())"
    return urls


def _admin_urls() -> list[str]:
    """Django's own data pages: every registered model's list and its first object."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
    return urls


@pytest.fixture
def site(settings):
    """A site in use: a free user with jobs in every state, a member with a membership, a pack,
    a refund and held outputs, and an admin."""
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = True
    for code in ("standard", "pro", "premier"):
        tier(code)

    free = make_user("free@example.com")
    give_points(free, 300)
    video = finished_job(free, watermarked=True, frames=moving_clip(count=8))
    picture = Image.fromarray(np.full((48, 64, 3), 120, np.uint8))
    finished_job(free, watermarked=True, images=[picture, picture])
    services.fail(submit_job(free, 20).pk, "The GPU stopped answering.")
    services.cancel(submit_job(free, 20))
    held = submit_job(free, 20, prompt="人体写生课")  # then held for review, as screening does
    hit = Hit(REVIEW, "semantic", "prompt", "nudity", "figure drawing", 0.61)
    Job.objects.filter(pk=held.pk).update(
        status=Job.Status.REVIEW, error_message=hit.user_message()
    )
    services.record_flag(held, hit)
    appealed = submit_job(free, 20, prompt="斩首视频")  # refused
    review.appeal(appealed, free, "这是一部历史纪录片。")
    submit_job(free, 20, prompt="斩首视频")  # refused, not appealed
    running = submit_job(free, 20)
    services.claim(running.pk, "worker@gpu-1")
    services.beat(running.pk, progress=40)

    member = make_user("member@example.com")
    standard = Plan.objects.get(tier__code="standard", period="monthly")
    sandbox.pay(start_checkout(member, plan=standard))
    pack = Pack.objects.get(code="points-330")
    sandbox.pay(start_checkout(member, pack=pack))
    bought = Payment.objects.get(user=member, kind=Payment.Kind.PACK)
    fulfilment.record_refund(bought, bought.amount // 2)
    start_checkout(member, pack=pack)  # left open: its test-payment page
    finished_job(member, watermarked=False, frames=moving_clip(count=8))
    flagged_output_job(member)

    staff = staff_member("admin@example.com", "Admins", "Moderators", "Support")
    staff.is_superuser = True
    staff.save()
    assert Flag.objects.filter(status=Flag.Status.PENDING).count() >= 2
    share = sharing.publish(video, free, "public")
    return {"free": free, "member": member, "staff": staff, "video": video, "share": share}


def values(site, user) -> dict:
    jobs = list(Job.objects.filter(user=user)) or list(Job.objects.filter(user=site["free"]))
    checkouts = list(CheckoutSession.objects.filter(user=user or site["member"]))
    return {
        "job_id": [job.pk for job in jobs],
        "asset_id": [Asset.objects.filter(job=site["video"]).first().pk],
        "which": ["input"],
        "what": ["output"],
        "plan_id": [plan.pk for plan in Plan.objects.filter(tier__code="pro")],
        "pack_id": [Pack.objects.first().pk],
        "pk": [c.pk for c in checkouts],
        "session_id": [c.session_id for c in checkouts],
        "user_id": [site["free"].pk, site["member"].pk],
        "flag_id": [Flag.objects.first().pk],
        "key": ["not-a-key"],
        "uidb36": ["1"],
        "token": ["not-a-token", site["share"].token],
        "handle": [sharing.profile_for(site["free"]).handle],
        "share_id": [site["share"].pk],
        "decision": ["restore"],
        "upload_id": [1],
        "token_id": [1],
        "endpoint_id": [1],
        "slug": ["old-photo"],  # an effect's preview clip
    }


def visit(client, urls, names=()) -> dict[str, list[str]]:
    """Each page's English catalogue strings, and the English of `names` (model, field and
    choice names: what Django's admin shows) as whole texts."""
    entries = read_po()
    whole, fragments = english_patterns(entries)
    same = translated_as_themselves(entries)
    for _where, name in names:
        with translation.override("en"):
            english = capfirst(str(name))
        if english not in same and WORDS.search(english):
            whole.setdefault(english, Entry(msgid=english, line=0))
    found = {}
    for url in urls:
        for query in _variants(url):
            response = client.get(url + query)
            assert response.status_code < 500, f"{url}{query}: {response.status_code}"
            if "text/html" not in response.get("Content-Type", ""):
                continue
            left = untranslated(response.content.decode(), whole, fragments)
            if left:
                found[url + query] = left
    return found


def _variants(url: str) -> list[str]:
    """The create page's tabs and refills, the works page's filters: one query string each."""
    if url == reverse("generation:create"):
        return ["", *(f"?kind={kind}" for kind in Job.Kind.values)]
    if url == reverse("generation:works"):
        return ["", "?status=failed", "?kind=text_to_picture&status=running"]
    return [""]


def reader(user=None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    if user is not None:
        client.force_login(user)
    return client


def test_every_page_in_simplified_chinese_shows_no_english_catalogue_string(site):
    # One test for the four readers: the site they read is built once (it renders real videos).
    found = {}
    for persona in ("anonymous", "free", "member", "staff"):
        user = site.get(persona)
        found |= {
            f"{persona} {url}": left
            for url, left in visit(reader(user), _urls(values(site, user))).items()
        }
    report = "\n".join(f"{url}: {'; '.join(left)}" for url, left in found.items())
    assert found == {}, f"English left on pages read in 简体中文:\n{report}"


def test_every_app_model_field_and_choice_of_the_site_has_a_chinese_name():
    left = "\n".join(untranslated_names(site_names(), read_po()))
    assert left == "", f"names without a 简体中文 translation (verbose_name, choices):\n{left}"


def test_the_admin_pages_in_simplified_chinese_show_no_english_catalogue_string(site):
    # The admin's index, every model's list and one object's page, with the English names of
    # every app, model, field and choice looked for too.
    found = visit(reader(site["staff"]), _admin_urls(), names=site_names())
    report = "\n".join(f"{url}: {'; '.join(left)}" for url, left in found.items())
    assert found == {}, f"English left on admin pages read in 简体中文:\n{report}"


def test_the_admin_check_finds_a_field_name_left_english(site, monkeypatch):
    monkeypatch.setattr(BlockedTerm._meta.get_field("term"), "verbose_name", "word or phrase")
    names = site_names()
    assert "moderation.BlockedTerm.term: 'word or phrase'" in untranslated_names(names, read_po())
    page = reverse("admin:moderation_blockedterm_change", args=[BlockedTerm.objects.first().pk])
    found = visit(reader(site["staff"]), [page], names)
    assert "'Word or phrase'" in " ".join(found.get(page, []))


def test_the_check_finds_an_english_string(site):
    """The check itself works: a page read in English is full of catalogue strings."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(site["free"])
    found = visit(client, [reverse("generation:create"), reverse("points")])
    assert len(found) >= 2 and any("Balance" in s for s in sum(found.values(), []))


def test_the_job_page_names_mode_and_camera_in_chinese(site):
    job = site["video"]
    job.params.update(mode="standard", camera_movement="orbit")
    Job.objects.filter(pk=job.pk).update(params=job.params)
    page = reader(site["free"]).get(reverse("generation:job", args=[job.pk])).content.decode()
    texts = " ".join(shown_texts(page))
    assert "standard" not in texts.lower() and "orbit" not in texts.lower()
    assert "标准" in texts and "环绕" in texts


def test_the_roles_page_names_permissions_in_chinese():
    """Django stores permission names in English; the role and user forms name them again."""
    staff = staff_member("root@example.com", "Admins")
    staff.is_superuser = True
    staff.save()
    role = Group.objects.get(name="Moderators")
    page = reader(staff).get(reverse("admin:auth_group_change", args=[role.pk])).content.decode()
    texts = " ".join(shown_texts(page))
    assert "账单 | 灵感值充值包 | 可添加灵感值充值包" in texts
    assert "可通过或拒绝被标记内容" in texts  # a permission of the site's own (a Meta's)
    assert "Can add" not in texts and "Can view" not in texts


# --- what reaches a reader outside a page: e-mails ----------------------------------------------


def english_in_mail(message) -> list[str]:
    whole, fragments = english_patterns(read_po())
    lines = [message.subject, *message.body.splitlines()]
    html = "".join(f"<p>{escape(line)}</p>" for line in lines if line.strip())
    return untranslated(html, whole, fragments)


def test_a_signed_in_reader_s_language_is_kept_for_later_e_mails():
    user = make_user("reader@example.com")
    assert user.language == ""
    reader(user).get(reverse("home"))
    user.refresh_from_db()
    assert user.language == "zh-hans"
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(user)
    english.get(reverse("home"))
    user.refresh_from_db()
    assert user.language == "en"


def test_e_mails_sent_outside_a_request_are_written_in_the_owner_s_language(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    """Job e-mails (a Celery task), a failed renewal (a Stripe webhook) and a data export (a
    background task) have no reader's request: each is written in the language the owner last
    read the site in, and a job's stored English error is shown in it too."""
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = True
    tier("standard")
    user = make_user("reader@example.com", language="zh-hans")
    made = dict(user=user, model_spec="tiny", points_held=0, prompt="a lantern festival")
    done = Job.objects.create(kind="text_to_video", status=Job.Status.SUCCEEDED, **made)
    failed = Job.objects.create(
        kind="text_to_picture",
        status=Job.Status.FAILED,
        error_message="The job stopped twice on our servers. Your points were refunded.",
        **made,
    )
    notify.job_finished(done)
    notify.job_finished(failed)
    notify.appeal_accepted(done)
    sandbox.pay(
        start_checkout(user, plan=Plan.objects.get(tier__code="standard", period="monthly"))
    )
    subscription = user.subscriptions.get()
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.record_failed_invoice(subscription.subscription_id)
    exported, _created = export.request_export(user)
    export.build(exported.pk)

    subjects = [m.subject for m in mailoutbox]
    assert len(mailoutbox) >= 5, subjects
    for message in mailoutbox:
        text = f"{message.subject}\n{message.body}"
        assert english_in_mail(message) == [] and english_sentences(text) == [], text
        assert re.search("[\u4e00-\u9fff]", message.subject + message.body), message.subject
    assert any("服务器" in m.body for m in mailoutbox)  # the failed job's reason, translated

    # The same e-mails for a reader of English are in English.
    mailoutbox.clear()
    type(user).objects.filter(pk=user.pk).update(language="en")
    done.user.refresh_from_db()
    notify.job_finished(done)
    assert english_in_mail(mailoutbox[0]) and not re.search("[\u4e00-\u9fff]", mailoutbox[0].body)


def test_the_api_reference_describes_the_api_in_the_reader_s_language():
    """The reference page (Swagger UI) shows the schema's description; the schema is written in
    the language of whoever reads it."""
    info = reader().get("/api/v1/schema/").json()["info"]
    assert "个人访问令牌" in info["description"]
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/schema/").json()["info"]
    assert "personal access token" in english["description"]


def _fails(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fails/", _fails)]  # for the 500 page test below


@pytest.mark.urls("tests.test_pages_zh_hans")
def test_the_500_page_reads_in_chinese():
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get("/fails/")
    assert response.status_code == 500
    page = response.content.decode()
    whole, fragments = english_patterns(read_po())
    assert untranslated(page, whole, fragments) == []
    assert 'lang="zh-hans"' in page and "灵感值是安全的" in page


def test_every_form_sent_empty_answers_in_simplified_chinese(site):
    """Each page's form sent with nothing in it: the errors it answers with are in 简体中文 too
    (a message translated when its module was imported would be English here)."""
    whole, fragments = english_patterns(read_po())
    found = {}
    personas = ("anonymous", "free", "staff")
    # Listed before anything is sent: a form sent may delete what a later address names.
    urls = {persona: _urls(values(site, site.get(persona))) for persona in personas}
    for persona in personas:
        client = reader(site.get(persona))
        for url in urls[persona]:
            if url in (reverse("account_logout"),):
                continue  # it would end the persona's session
            response = client.post(url, {})
            assert response.status_code < 500, f"{persona} POST {url}: {response.status_code}"
            if "text/html" not in response.get("Content-Type", ""):
                continue
            left = untranslated(response.content.decode(), whole, fragments)
            if left:
                found[f"{persona} POST {url}"] = left
    report = "\n".join(f"{url}: {'; '.join(left)}" for url, left in found.items())
    assert found == {}, f"English left in answers to forms read in 简体中文:\n{report}"


ENGLISH_SENTENCE = re.compile(r"(?<![\w/.])[A-Za-z]{2,}(?:[ ,'’]+[A-Za-z]{2,}){3,}")


def english_sentences(text: str) -> list[str]:
    """Runs of four English words or more, addresses and the site's name left out: what an
    untranslated sentence from any catalogue (ours, allauth's, Django's) leaves."""
    text = re.sub(r"https?://\S+", " ", text).replace(settings.SITE_NAME, " ")
    return ENGLISH_SENTENCE.findall(text)


def test_account_e_mails_asked_for_in_chinese_are_in_chinese(mailoutbox):
    """Sign-up's confirmation and a password reset, asked for by a reader of 简体中文 (allauth
    writes them in the request's language)."""
    client = reader()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a long pass phrase 7",
            "password2": "a long pass phrase 7",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    make_user("old@example.com")
    client.post(reverse("account_reset_password"), {"email": "old@example.com"})
    assert len(mailoutbox) == 2, [m.subject for m in mailoutbox]
    for message in mailoutbox:
        text = f"{message.subject}\n{message.body}"
        assert english_sentences(text) == [] and english_in_mail(message) == [], text
        assert re.search("[\u4e00-\u9fff]", message.body), text
    # The check sees English: the same reset asked for in English.
    Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("account_reset_password"), {"email": "old@example.com"}
    )
    assert english_sentences(mailoutbox[-1].body)


def test_notes_kept_in_english_read_in_chinese():
    """A job's points hold and a refusal's decision note are written where no reader is (the
    submitting request's language, screening): the staff user page shows them in the reader's."""
    user = make_user("writer@example.com")
    held = submit_job(user, 20)  # submitted in English
    submit_job(user, 20, prompt="斩首视频")  # refused at submission
    staff = staff_member("support@example.com", "Support", "Moderators")
    page = reader(staff).get(reverse("staff:user", args=[user.pk])).content.decode()
    texts = " ".join(shown_texts(page))
    assert "提交时被自动拒绝。" in texts and f"为任务 #{held.pk}（文生视频）冻结" in texts, texts
    assert "Refused automatically" not in texts and "Text to video" not in texts
    assert "排队中 1" in texts and "queued" not in texts  # the jobs counted by status


def test_the_admin_scripts_read_in_chinese():
    """The permission pickers' labels come from the admin's script catalogue, where Django's own
    简体中文 lacks Django 5's newer strings; ours (locale/…/djangojs.po) adds them."""
    staff = staff_member("root@example.com", "Admins")
    staff.is_superuser = True
    staff.save()
    script = reader(staff).get(reverse("admin:jsi18n")).content.decode()
    # The catalogue is JSON inside the script: read its \uXXXX escapes, leave the code's own.
    script = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), script)
    assert "全选%s" in script and "删除全部%s" in script
