"""Notes kept in the database (ledger notes, receipt names, a job's message) and strings fixed
at import time are shown in the reader's language."""

import pytest
from django.utils import translation

from billing import sandbox
from billing.checkout import start_checkout
from billing.models import Entry, Lot, Pack, Payment, Plan
from billing.notes import entry_note
from generation import services
from generation.labels import CAMERA_MOVEMENTS
from tests.conftest import make_user, tier
from webapp.stored_text import shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(settings, db):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = True
    for code in ("standard", "pro", "premier"):
        tier(code)
    user = make_user("mei@example.com")
    with translation.override("en"):  # as a webhook writes them
        plan = Plan.objects.get(tier__code="standard", period="monthly")
        sandbox.pay(start_checkout(user, plan=plan))
        sandbox.pay(start_checkout(user, pack=Pack.objects.get(code="points-330")))
    return user


def test_a_membership_grant_s_note_is_in_the_reader_s_language(member):
    grant = Entry.objects.get(lot__source=Lot.Source.MEMBERSHIP, kind=Entry.Kind.GRANT)
    assert grant.reason == "Standard membership, month 1 of 1"
    with translation.override("zh-hans"):
        assert entry_note(grant) == "标准版会员，第 1 个月（共 1 个月）"
    with translation.override("en"):
        assert entry_note(grant) == "Standard membership, month 1 of 1"


def test_receipts_are_named_in_the_reader_s_language(member):
    pack, invoice = (Payment.objects.get(kind=k) for k in ("pack", "invoice"))
    with translation.override("zh-hans"):
        assert pack.title == "330 灵感值充值包"
        assert invoice.title == "标准版（月度）"
    with translation.override("en"):
        assert (pack.title, invoice.title) == ("330 points pack", "Standard (Monthly)")


def test_a_job_message_written_in_english_reads_in_chinese_and_back():
    english = "Canceled. Your points were refunded."
    with translation.override("zh-hans"):
        chinese = shown(english)
    assert chinese != english and "退" in chinese
    with translation.override("en"):
        assert shown(chinese) == english
        assert shown("words of a moderator") == "words of a moderator"


def test_locked_option_messages_follow_the_reader_s_language(alice):
    with translation.override("zh-hans"):
        message = services.locked_option_errors(alice, "text_to_video", {"mode": "professional"})
    assert "Professional" not in message["mode"] and "专业" in message["mode"]


def test_camera_presets_are_named_in_the_reader_s_language():
    with translation.override("zh-hans"):
        labels = dict((key, str(label)) for key, label in CAMERA_MOVEMENTS)
    assert labels["static"] == "固定镜头" and labels["orbit"].startswith("大师运镜")


def test_a_moderator_s_own_words_are_never_taken_for_a_message():
    with translation.override("zh-hans"):
        assert shown("goodwill points") == "goodwill points"
        assert shown("Daily inspiration points for 2026-12-02") == "2026-12-02 的每日灵感值"
