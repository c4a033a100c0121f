"""Rules that combine what the layers found with cue words (moderation/lexicon.py):

- a minor together with nudity or sex is refused and filed under "minors", whichever layer saw
  the nudity and whatever its own outcome was (a hold for "nude" becomes a refusal);
- filming in secret ("hidden camera", 偷拍) together with nudity or a place where people undress
  (a changing room, a shower) is refused under "sexual";
- asking for a method together with explosives ("step by step" + "ammonium nitrate"), chemical
  or biological agents, home-made firearms or incendiaries ("how to" + "ricin") is refused under
  "weapons", worded however;
- an illegal drug with the method of making it ("how to" + "cook" + "meth") is refused under
  "drugs"; a drug being used on screen ("injecting heroin") is held for review, refused with a
  minor;
- a means of hurting oneself together with the wish to die ("pills" + "goodbye note"), or hurting
  oneself together with hiding it ("cut yourself" + "without anyone noticing"), is refused under
  "self_harm";
- a group of people called animals or vermin is refused under "hate";
- an extremist group together with recruitment or propaganda is refused under "extremism" (held
  for review when the prompt is about it: a documentary, history, the news);
- a named public figure (a head of state, a leading politician, a much-faked celebrity) is
  refused under "deepfake" with sex, violence or invented words (a speech, an announcement,
  news footage), and otherwise held for a person to judge.

Also here: `prepared`, the text every prompt layer reads, with harmless phrases that contain a
cue ("bath bomb", 印度支那) and art nudes ("a nude marble statue") set aside.
"""

import re
from dataclasses import replace
from functools import cache

from generation.moderation import lexicon
from generation.moderation.normalise import (
    UNSPACED,
    WORD_CHAR,
    Normalised,
    _letters,
    contains,
    normalise,
    normalise_term,
    readable,
)
from generation.moderation.verdict import REFUSE, REVIEW, Hit

SEXUAL_CATEGORIES = frozenset({"sexual", "nudity", "deepfake", "minors"})

# "a 12 year old", "15-year-old", "9yo", "ten year old", "14岁", "十四岁", "12 anos", "12歳".
_UNDER_18 = (
    r"(?:1[0-7]|[1-9]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
    r"|fourteen|fifteen|sixteen|seventeen)"
)
# "Years" in the other languages prompts come in: "12 anos", "13 anni", "12 ans", "14 Jahre",
# "14 лет", "12 tuổi", "12 tahun", "12 سنة", Hindi "12 साल", "12 वर्ष" (its virama dropped with
# the accents: "वरष") or "12 saal", Turkish "12 yaşında", Polish "12-letnia", Dutch "12 jaar",
# Urdu and Persian "12 سال", "۱۲ ساله", Bengali "১২ বছর", Tagalog "12 taong gulang", Swahili
# "miaka 12" (the number after); Japanese 歳, Korean 살/세 ("세계", world, is not), Thai ปี
# and ขวบ. Digits of every script are read as ASCII first (`normalise._digits`).
_YEARS = (
    r"(?:anos|años|anni|ans|jahre|jahrige|jahrigen|tuoi|tuổi|tahun|лет|года|год|سنة|سنوات|عاما"
    r"|साल|वर्?ष|बरस|saal|varsh|baras|yasinda|yasindaki|yas|letni|letnia|letnie|letniego"
    r"|letniej|lat|jaar|jarig|jarige|سال|ساله|বছর|taong|taon)"
)
AGE = re.compile(
    rf"\b{_UNDER_18}\s*-?\s*(?:years?|yrs?|yo|y/o)\b(?:\s*-?\s*old)?"
    rf"|(?<![\d])(?:1[0-7]|[1-9])\s*-?\s*{_YEARS}(?!\w)"
    r"|(?<![\d])(?:1[0-7]|[1-9])\s*(?:岁|歳|살|세(?!계)|ปี|ขวบ)"
    r"|\bmiaka\s*(?:1[0-7]|[1-9])(?!\d)"
    r"|(?<![一二三四五六七八九十])(?:[一二三四五六七八九]|十[一二三四五六七]?)(?:岁|歳)",
    re.IGNORECASE,
)
# Phrases that say "years old" about a thing ("a 5 year old car") are rare next to sexual cues,
# and a refusal there is acceptable: the rule errs towards the child.


def _phrase(text: str) -> str:
    """A pattern for a harmless phrase, folded as the prompts are (`prepared`: accents, and
    Hindi's virama and Thai's tone marks with them): whole words, with a hyphen or spaces
    between them ("nude-coloured" as "nude coloured"); Chinese and Thai ones as substrings."""
    text = _letters(text, native=True)
    if UNSPACED.search(text):
        return re.escape(text)
    # Not "\b": a Devanagari word may end in a vowel sign, which is not "\w".
    words = r"[\s-]+".join(map(re.escape, text.split()))
    return rf"(?<!{WORD_CHAR}){words}(?!{WORD_CHAR})"


_HARMLESS = re.compile("|".join(map(_phrase, lexicon.HARMLESS)), re.IGNORECASE)
_ART = "|".join(re.escape(a) for a in lexicon.ART_OBJECT)
_ART_NUDE = re.compile(
    rf"\b(?:nude|naked|nudes|nudity)\s+(?:[a-z]+\s+){{0,2}}?(?:{_ART})s?\b"
    rf"|\b(?:{_ART})s?\s+of\s+(?:a\s+|an\s+|the\s+)?(?:nudes?|naked)\b"
    rf"|裸体?.{{0,2}}?(?:{'|'.join(lexicon.ART_OBJECT_ZH)})",
    re.IGNORECASE,
)


def set_aside(text: str) -> str:
    """The prompt with harmless phrases removed and art nudes called artwork, otherwise as
    written."""
    return _ART_NUDE.sub(" artwork ", _HARMLESS.sub(" ", text))


def prepared(text: str) -> str:
    """The prompt with case and look-alikes folded and harmless phrases set aside (words written
    wholly in Cyrillic kept, so Russian is read as Russian: `normalise`)."""
    return set_aside(_letters(text, native=True))


@cache
def _terms(group: tuple) -> tuple:
    return tuple(normalise_term(t) for t in group)


def has(text: Normalised, group: tuple) -> bool:
    return any(contains(text, term) for term in _terms(group))


def involves_minor(text: Normalised, prepared_text: str) -> bool:
    return has(text, lexicon.MINOR) or bool(
        AGE.search(prepared_text) or AGE.search(readable(prepared_text))
    )


def refiled(text: str, found: list[Hit]) -> list[Hit]:
    """Semantic hits under "minors" for a prompt that names no minor, filed under "sexual":
    what the model saw there is nudity or sex ("a nude figure drawing class" lies close to "a
    naked child"), and the minors category, the most severe, needs a minor."""
    if not any(h.category == "minors" and h.layer == "semantic" for h in found):
        return found
    ready = prepared(text)
    if involves_minor(normalise(ready), ready):
        return found
    return [
        replace(h, category="sexual") if h.category == "minors" and h.layer == "semantic" else h
        for h in found
    ]


def hits(text: str, field: str, found=(), photo: bool = False) -> list[Hit]:
    """The combined rules that fire on `text`, given the hits the layers `found` in it;
    `photo`: the prompt animates a photo the user uploaded (whoever is in it)."""
    if not text:
        return []
    ready = prepared(text)
    words = normalise(ready)
    result = []
    undressing = has(words, lexicon.UNDRESSING)
    sexual = undressing or has(words, lexicon.SEXUAL) or _seen(found, field, SEXUAL_CATEGORIES)
    if sexual and involves_minor(words, ready):
        result.append(Hit(REFUSE, "rules", field, "minors", "rule: a minor + nudity or sex"))
    elif has(words, lexicon.SECRET_FILMING) and (sexual or has(words, lexicon.PRIVATE_PLACE)):
        result.append(Hit(REFUSE, "rules", field, "sexual", "rule: filming in secret + undressing"))
    elif sexual and photo:
        # The photo may be anyone's (a classmate, an ex): made to undress or to look sexual, it
        # is the non-consensual intimate image this refuses however the words are put.
        result.append(Hit(REFUSE, "rules", field, "deepfake", "rule: a photo + nudity or sex"))
    elif undressing:
        result.append(Hit(REVIEW, "rules", field, "nudity", "rule: undressing"))
    if photo and has(words, lexicon.VIOLENCE_DONE):
        # A classmate slapped, a colleague arrested: bullying with a real face, or a film's
        # scene with the user's own. A person judges.
        result.append(Hit(REVIEW, "rules", field, "deepfake", "rule: a photo + violence"))
    if has(words, lexicon.INSTRUCTION) and (
        has(words, lexicon.EXPLOSIVE_MATERIAL)
        or (has(words, lexicon.MAKE) and has(words, lexicon.EXPLOSIVE_DEVICE))
    ):
        result.append(Hit(REFUSE, "rules", field, "weapons", "rule: instructions + explosives"))
    elif has(words, lexicon.INSTRUCTION) and has(words, lexicon.WEAPON_RECIPE):
        result.append(Hit(REFUSE, "rules", field, "weapons", "rule: instructions + weapons"))
    if has(words, lexicon.SELF_HARM_METHOD) and has(words, lexicon.SELF_HARM_INTENT):
        result.append(Hit(REFUSE, "rules", field, "self_harm", "rule: a means + the wish to die"))
    elif has(words, lexicon.SELF_HARM_ACT) and has(words, lexicon.CONCEALMENT):
        result.append(Hit(REFUSE, "rules", field, "self_harm", "rule: self-harm + hiding it"))
    if has(words, lexicon.DRUG):
        result += _drugs(words, ready, field)
    if has(words, lexicon.PEOPLE) and has(words, lexicon.DEHUMANISING):
        result.append(Hit(REFUSE, "rules", field, "hate", "rule: a group of people + vermin"))
    if has(words, lexicon.PUBLIC_FIGURE):
        result.append(_real_person(words, field, sexual, found))
    if has(words, lexicon.EXTREMIST_GROUP) and has(words, lexicon.PROPAGANDA):
        outcome = REVIEW if has(words, lexicon.REPORTING) else REFUSE
        result.append(
            Hit(outcome, "rules", field, "extremism", "rule: extremist group + propaganda")
        )
    return result


def _drugs(words: Normalised, ready: str, field: str) -> list[Hit]:
    """An illegal drug made ("how to" + "cook"), refused; used on screen ("injecting heroin"),
    held for a person to judge (a film's scene, a documentary), refused with a minor."""
    if has(words, lexicon.INSTRUCTION) and has(words, lexicon.MAKE):
        return [Hit(REFUSE, "rules", field, "drugs", "rule: instructions + making a drug")]
    if has(words, lexicon.DRUG_USE):
        if involves_minor(words, ready):
            return [Hit(REFUSE, "rules", field, "drugs", "rule: a minor + drug use")]
        return [Hit(REVIEW, "rules", field, "drugs", "rule: drug use")]
    return []


def _seen(found, field: str, categories) -> bool:
    """Whether another layer already found one of `categories` in this field."""
    return any(h.category in categories and h.field == field for h in found)


def _real_person(words: Normalised, field: str, sexual: bool, found) -> Hit:
    """A named public figure: refused with sex or an intimate scene, violence, or invented words
    (a speech, an announcement, news footage), else held for a person to judge (a portrait,
    satire, history)."""
    violent = has(words, lexicon.HARM) or _seen(found, field, {"violence"})
    if sexual or has(words, lexicon.INTIMATE) or violent:
        return Hit(REFUSE, "rules", field, "deepfake", "rule: a real person + sex or violence")
    if has(words, lexicon.INVENTED_WORDS):
        return Hit(REFUSE, "rules", field, "deepfake", "rule: a real person + invented words")
    return Hit(REVIEW, "rules", field, "deepfake", "rule: a named public figure")


_GLOSS = re.compile("|".join(sorted(map(re.escape, lexicon.GLOSSES), key=len, reverse=True)))


def glossed(text: str) -> str:
    """Chinese cue words replaced by their English gloss, for the English semantic model (which
    also reads the prompt as written): a Chinese or mixed prompt is read in both languages."""
    if not UNSPACED.search(text):
        return text
    return _GLOSS.sub(lambda m: f" {lexicon.GLOSSES[m.group()]} ", text)
