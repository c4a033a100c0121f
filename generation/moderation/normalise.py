"""Text normalisation for the blocklist: the same function is applied to prompts and to terms.

What it undoes: letter case, full-width and other compatibility forms (NFKC), accents, simple
leetspeak (0→o, 1/l/!/|→i, 3→e, 4/@→a, 5/$→s, 7→t) and spacing or punctuation between letters
("n u d e", "p.o.r.n", "po-rn"). What it keeps: word boundaries, so a term never matches inside
another word ("grape" does not contain "rape"); a term may still span several split words.
"""

import re
import unicodedata
from dataclasses import dataclass

# "1" could be i or l: both sides are folded to "i", so either spelling matches.
LEET = str.maketrans({"0": "o", "1": "i", "l": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
# Symbols stand for letters only where a word goes on after them ("$ex", "p!ss"), not as
# punctuation ("nude!").
LEET_SYMBOLS = {"!": "i", "|": "i", "@": "a", "$": "s"}
SYMBOL_IN_WORD = re.compile(r"[!|@$](?=\w)")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Normalised:
    """A text with separators removed (`squeezed`), remembering where each word began and ended."""

    squeezed: str
    starts: frozenset[int]
    ends: frozenset[int]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    # Strip accents (é→e) but keep CJK and other letters intact.
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = SYMBOL_IN_WORD.sub(lambda m: LEET_SYMBOLS[m.group()], text)
    return text.translate(LEET)


def normalise(text: str) -> Normalised:
    squeezed, starts, ends = [], set(), set()
    position = 0
    # Each CJK character is a word of its own, so "hentai动漫" still ends a Latin word.
    folded = CJK.sub(lambda m: f" {m.group()} ", _fold(text).replace("_", " "))
    for match in WORD.finditer(folded):
        word = match.group()
        starts.add(position)
        position += len(word)
        ends.add(position)
        squeezed.append(word)
    return Normalised("".join(squeezed), frozenset(starts), frozenset(ends))


def normalise_term(term: str) -> str:
    return normalise(term).squeezed


def is_cjk(term: str) -> bool:
    return bool(CJK.search(term))


def contains(text: Normalised, term: str) -> bool:
    """Whether the normalised `term` occurs in `text`: anywhere for a CJK term (Chinese has no
    spaces between words), else starting at a word's start and ending at a word's end, allowing
    a plural "s"/"es" after it."""
    if not term:
        return False
    haystack = text.squeezed
    cjk = is_cjk(term)
    at = haystack.find(term)
    while at != -1:
        if cjk:
            return True
        end = at + len(term)
        if at in text.starts and (
            end in text.ends
            or (haystack[end : end + 1] == "s" and end + 1 in text.ends)
            or (haystack[end : end + 2] == "es" and end + 2 in text.ends)
        ):
            return True
        at = haystack.find(term, at + 1)
    return False
