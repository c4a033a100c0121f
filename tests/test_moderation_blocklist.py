"""The blocklist sees through case, full-width letters, spacing, punctuation and leetspeak,
matches Chinese terms inside sentences, and does not fire inside innocent words."""

import pytest

from generation.moderation import blocklist
from generation.moderation.normalise import contains, normalise, normalise_term

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, term",
    [
        ("PORN", "porn"),
        ("ＰＯＲＮ", "porn"),  # full-width
        ("p o r n", "porn"),
        ("p.o.r.n", "porn"),
        ("po-rn", "porn"),
        ("p0rn", "porn"),
        ("s3x scene!", "sex scene"),
        ("$ex scene", "sex scene"),
        ("make 4 b0mb", "make a bomb"),
        ("l0l1", "loli"),
        ("nudes", "nude"),
        ("Nudé", "nude"),
        ("这是色 情片", "色情"),
        ("ｈｅｎｔａｉ动漫", "hentai"),
    ],
)
def test_disguised_terms_are_found(text, term):
    assert contains(normalise(text), normalise_term(term))


@pytest.mark.parametrize(
    "text, term",
    [
        ("a grape harvest", "rape"),
        ("a therapist's office", "rapist"),
        ("I go read a book", "gore"),
        ("rolling hills of Sussex", "sex"),
        ("a pedometer on her wrist", "pedo"),
        ("nude!", "nudity"),
    ],
)
def test_terms_do_not_fire_inside_other_words(text, term):
    assert not contains(normalise(text), normalise_term(term))


def test_the_seeded_list_refuses_and_holds():
    assert blocklist.check("a p-o-r-n video", "prompt").outcome == "refuse"
    assert blocklist.check("a nude figure drawing", "prompt").outcome == "review"
    # An art nude (the word right before a statue or a painting) is not held.
    assert blocklist.check("a nude marble statue in the Louvre", "prompt") is None
    assert blocklist.check("a paper boat on a rainy street", "prompt") is None


def test_a_refusal_outranks_a_hold_in_the_same_text():
    hit = blocklist.check("a nude scene, pure hentai", "prompt")
    assert (hit.outcome, hit.category) == ("refuse", "sexual")


def test_the_user_message_names_field_and_category_but_not_the_term():
    hit = blocklist.check("ＧＯＲＥ everywhere", "prompt")
    message = hit.user_message()
    assert "prompt" in message and "graphic violence or gore" in message
    assert "gore everywhere" not in message.lower()
    assert "gore" in hit.rule  # staff see which rule fired
