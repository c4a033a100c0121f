"""Mechanical disguises of a prompt, as people write them to slip past a screen: leetspeak,
letters spelled out, look-alike letters from other scripts, zero-width characters, full-width
forms and a right-to-left override. The labelled set (moderation/evaluation.py) adds two of them
to every clearly banned prompt; hand-written disguises (paraphrase, euphemism, misspelling,
pinyin, mixed languages) are in the set itself.
"""

import re

from generation.moderation.normalise import UNSPACED

LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"})
# Cyrillic and Ukrainian letters drawn like Latin ones.
HOMOGLYPHS = str.maketrans(
    {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}
)
ZERO_WIDTH_SPACE = "\u200b"
RLO, PDF = "\u202e", "\u202c"
LONG_WORD = re.compile(r"[a-zA-Z\u00c0-\u024f]{4,}")


def leet(text: str) -> str:
    return text.lower().translate(LEET)


def spacing(text: str, separator: str = ".") -> str:
    """Every word of four letters or more spelled out ("n.u.d.e"); Chinese, one character at a
    time with spaces between."""
    if UNSPACED.search(text) and not LONG_WORD.search(text):
        return " ".join(text)
    return LONG_WORD.sub(lambda m: separator.join(m.group()), text)


def homoglyph(text: str) -> str:
    return text.translate(HOMOGLYPHS)


def zero_width(text: str) -> str:
    """A zero-width space between the letters of every long word and between Chinese
    characters."""
    text = LONG_WORD.sub(lambda m: ZERO_WIDTH_SPACE.join(m.group()), text)
    return UNSPACED.sub(lambda m: m.group() + ZERO_WIDTH_SPACE, text)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def rtl_override(text: str) -> str:
    """Stored backwards after a right-to-left override: a browser shows the original."""
    return RLO + text[::-1] + PDF


LATIN_KINDS = {
    "leet": leet,
    "spacing": spacing,
    "homoglyph": homoglyph,
    "zero_width": zero_width,
    "fullwidth": fullwidth,
    "rtl_override": rtl_override,
}
CJK_KINDS = {"spacing": spacing, "zero_width": zero_width, "rtl_override": rtl_override}


def variants(text: str, index: int, lang: str, count: int = 2) -> list[tuple[str, str]]:
    """`count` disguises of `text`, (kind, disguised), the kinds taken in turn by `index` so
    that over a set every kind is used about equally."""
    kinds = CJK_KINDS if lang == "zh" else LATIN_KINDS
    names = list(kinds)
    chosen = [names[(index * count + k) % len(names)] for k in range(count)]
    return [(name, kinds[name](text)) for name in chosen]
