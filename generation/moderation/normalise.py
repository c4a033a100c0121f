"""Text normalisation for the blocklist and the rules: the same function is applied to prompts
and to terms.

What it undoes: letter case, full-width and other compatibility forms (NFKC), look-alike letters
from other scripts (Unicode's confusables: Cyrillic "р", Greek "ο", mathematical letters...),
invisible characters (zero-width spaces and joiners, bidi controls) and text hidden behind a
right-to-left override, accents, simple leetspeak (0→o, 1/l/!/|→i, 3→e, 4/@→a, 5/$→s, 7→t),
spacing or punctuation between letters ("n u d e", "p.o.r.n", "po-rn"), English inflections
(words are compared by their Snowball stem too, so "beheads" matches "beheaded") and simple
misspellings of single-word terms (a letter slipped in for six letters or more, a doubled
letter below). What it keeps: word boundaries, so a term never matches inside another word
("grape" does not contain "rape"); a term may still span several split words.

`readable` is the gentler form the semantic layer embeds: invisible characters, look-alikes,
overrides and leetspeak inside words undone, but ordinary letters and spacing kept, so the
sentence still reads as a sentence to the model.
"""

import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

# "1" could be i or l: both sides are folded to "i", so either spelling matches.
LEET = str.maketrans({"0": "o", "1": "i", "l": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
# Symbols stand for letters only where a word goes on after them ("$ex", "p!ss"), not as
# punctuation ("nude!").
LEET_SYMBOLS = {"!": "i", "|": "i", "@": "a", "$": "s"}
SYMBOL_IN_WORD = re.compile(r"[!|@$](?=\w)")
# Chinese characters, Japanese kana, Korean hangul and Thai: written without spaces between words
# (or, in Korean, with particles joined to them), so matched as substrings.
UNSPACED = re.compile(
    r"[\u0e00-\u0e7f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    r"\uf900-\ufaff]"
)
# A word's character: a letter, a digit, or a vowel sign of Devanagari and the other Indic
# scripts, which are not "\w" to Python ("साल", year, would be read as two words, "स" and "ल").
WORD_CHAR = r"[\w\u0900-\u0dff]"
WORD = re.compile(f"{WORD_CHAR}+")
WORD_SPLIT = re.compile(f"({WORD_CHAR}+)")
RLO, PDF = "\u202e", "\u202c"
OVERRIDDEN = re.compile(f"{RLO}([^{PDF}]*)(?:{PDF}|$)")
# A run of three or more single letters ("p.o.r.n", "n u d e") is one word spelled out.
# Punctuation between letters is read first, so "t.e.e.n g.i.r.l" stays two words.
SPELLED_OUT_PUNCTUATED = re.compile(r"\b(?:[^\W\d_][.\-_*·]+){2,}[^\W\d_]\b")
SPELLED_OUT_SPACED = re.compile(r"\b(?:[^\W\d_] +){2,}[^\W\d_]\b")


# Lower-case Greek and Cyrillic letters used as Latin in disguise that confusables.txt does not
# map (it lists capitals, or maps them to other symbols).
EXTRA_LOOK_ALIKES = {
    "ε": "e", "η": "n", "κ": "k", "τ": "t", "χ": "x", "ω": "w", "β": "b", "μ": "u", "θ": "o",
    "в": "b", "ё": "e", "и": "u", "к": "k", "м": "m", "н": "h", "п": "n", "т": "t", "ш": "w",
    "ь": "b", "я": "r", "д": "d", "л": "n", "з": "3",
}  # fmt: skip


@cache
def _confusables() -> dict[int, str]:
    """Non-ASCII characters that Unicode lists as confusable with an ASCII letter or digit,
    mapped to it (from the confusable-homoglyphs package's copy of confusables.txt). Scripts
    matched as substrings and ASCII are left alone: Chinese has no look-alike problem here,
    and ASCII is folded by LEET."""
    import confusable_homoglyphs

    data = json.loads(
        (Path(confusable_homoglyphs.__file__).parent / "confusables.json").read_text("utf-8")
    )
    table = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii() or UNSPACED.match(char):
            continue
        target = next(
            (g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()),
            None,
        )
        if target:
            table[ord(char)] = target.lower()
    table.update({ord(k): v for k, v in EXTRA_LOOK_ALIKES.items()})
    return table


def _visible(text: str) -> str:
    """What a reader sees: text after a right-to-left override shown reversed (as a browser
    draws it), and every invisible format character (zero-width, bidi controls, soft hyphen)
    removed."""
    text = OVERRIDDEN.sub(lambda m: m.group(1)[::-1], text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


@cache
def _digits() -> dict[int, str]:
    """Decimal digits of every script (Arabic-Indic ۱۲, Devanagari १२, Bengali ১২, Thai ๑๒...)
    as ASCII digits: an age is read in any of them, and a digit is never taken for a look-alike
    letter ("۱" looks like "l")."""
    return {
        code: str(unicodedata.digit(chr(code)))
        for code in range(0x80, 0x10000)
        if unicodedata.category(chr(code)) == "Nd"
    }


def _letters(text: str, native: bool = False) -> str:
    """Case, compatibility forms, look-alikes and accents folded; CJK and Thai kept (Thai's
    tone marks dropped like accents). With `native`, a word written wholly in Cyrillic is kept
    in Cyrillic (only "ё" folded to "е"): Russian is matched as Russian (`Normalised.native`),
    and `words_of` folds such a word to Latin for the Latin terms, so "сех" still reads as
    "cex"."""
    text = unicodedata.normalize("NFKC", _visible(text)).lower().translate(_digits())
    if not native:
        return _as_latin(text)
    pieces = (_as_cyrillic(piece) for piece in WORD_SPLIT.split(text))
    return "".join(
        piece.replace("ё", "е") if _is_cyrillic(piece) else _as_latin(piece) for piece in pieces
    )


# Latin letters and digits that pass for Cyrillic ones inside a Russian word ("гoлая" with a
# Latin o, "г0лая"). Each maps to a Cyrillic letter that the look-alike table maps back to the
# same Latin letter (and "з" to "3"), so the word's Latin reading is what it was.
TO_CYRILLIC = str.maketrans(
    {"a": "а", "o": "о", "e": "е", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к", "m": "м",
     "t": "т", "h": "н", "b": "в", "0": "о", "3": "з"}
)  # fmt: skip


def _as_cyrillic(piece: str) -> str:
    """A word of Cyrillic letters with Latin look-alikes or digits slipped in, all Cyrillic;
    anything else as it was."""
    if piece.isascii() or not any("\u0400" <= c <= "\u04ff" for c in piece):
        return piece
    converted = piece.translate(TO_CYRILLIC)
    return converted if _is_cyrillic(converted) else piece


def _as_latin(text: str) -> str:
    text = text.translate(_confusables())
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _is_cyrillic(word: str) -> bool:
    """A word of Cyrillic letters only (a Russian word, or a disguise made only of look-alikes:
    both readings are matched)."""
    return bool(word) and all("\u0400" <= c <= "\u04ff" and c.isalpha() for c in word)


def _fold(text: str, native: bool = False) -> str:
    text = SYMBOL_IN_WORD.sub(lambda m: LEET_SYMBOLS[m.group()], _letters(text, native))
    return text.translate(LEET)


LEET_IN_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[01345@$7])[\w@$]+\b")
LONE_A = re.compile(r"\b4(?= [^\W\d_])")
READABLE_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})


def readable(text: str) -> str:
    """The prompt as the semantic model should read it: look-alikes, invisible characters,
    overrides, spelled-out words ("n u d e") and leetspeak inside words ("s3x", "b0mb") undone;
    everything else kept as written."""
    text = _letters(text)
    for spelled in (SPELLED_OUT_PUNCTUATED, SPELLED_OUT_SPACED):
        text = spelled.sub(lambda m: re.sub(r"[\s.\-_*·]", "", m.group()), text)
    text = SYMBOL_IN_WORD.sub(lambda m: LEET_SYMBOLS[m.group()], text)
    unleet = LEET_IN_WORD.sub(lambda m: m.group().translate(READABLE_LEET), text)
    # In a prompt written in leetspeak, a lone "4" before a word is the article ("4 m4n").
    return LONE_A.sub("a", unleet) if unleet != text else unleet


_per_thread = threading.local()


def _stemmer(language: str = "english"):
    """One stemmer per thread and language: a Snowball stemmer keeps the word it is working on
    in itself, so two gunicorn threads sharing one corrupt each other's words (IndexError, a
    500 on submit)."""
    stemmer = getattr(_per_thread, language, None)
    if stemmer is None:
        import snowballstemmer

        stemmer = snowballstemmer.stemmer(language)
        setattr(_per_thread, language, stemmer)
    return stemmer


def stem(word: str) -> str:
    """Snowball stem of a folded word, Russian for a Cyrillic word, else English; words of
    unspaced scripts and very short words are kept as they are."""
    if len(word) <= 3 or UNSPACED.match(word):
        return word
    return _stemmer("russian" if _is_cyrillic(word) else "english").stemWord(word)


@dataclass(frozen=True)
class Squeezed:
    """A text with separators removed, remembering where each word began and ended."""

    squeezed: str
    starts: frozenset[int]
    ends: frozenset[int]

    @classmethod
    def of(cls, words: list[str]) -> "Squeezed":
        starts, ends, position = set(), set(), 0
        for word in words:
            starts.add(position)
            position += len(word)
            ends.add(position)
        return cls("".join(words), frozenset(starts), frozenset(ends))


@dataclass(frozen=True)
class Normalised:
    """A text folded for matching: as written (`squeezed`, with its word bounds) and with every
    word replaced by its stem (`stemmed`). `near` maps each word of five letters or more with
    one letter deleted to the words it came from, for misspellings."""

    squeezed: str
    starts: frozenset[int]
    ends: frozenset[int]
    stemmed: Squeezed
    words: tuple[str, ...]
    near: dict
    native: Squeezed  # Cyrillic words kept in Cyrillic, for Russian terms
    native_stemmed: Squeezed


CYRILLIC_STEM_MIN = 4  # a Russian term is matched stem for stem only if each stem is this long
FUZZY_MIN = 6  # a term this long matches a word with one letter inserted ("decapitatted")
DOUBLED_MIN = 4  # a term this long matches a word with one letter doubled ("nakked", "childd")


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_inserted(word: str, term: str) -> bool:
    """Whether `word` is `term` with one letter inserted after its first ("decapitatted",
    "nakked"): the commonest slip that keeps a word readable. Deleted or replaced letters are
    not matched: "niger" is not "nigger", "exotic" is not "erotic"; nor is a letter put in
    front ("asexual")."""
    return len(word) == len(term) + 1 and any(
        word[:i] + word[i + 1 :] == term for i in range(1, len(word))
    )


def _near(words) -> dict:
    near = {}
    for word in words:
        if len(word) >= DOUBLED_MIN + 1 and not UNSPACED.match(word):
            for variant in _deletions(word):
                near.setdefault(variant, set()).add(word)
    return near


def misspelt(text: Normalised, term: str) -> bool:
    """Whether a word of `text` is `term` misspelt: one letter inserted for a long term, one
    letter doubled for a shorter one. Single words only; the edit is checked, not guessed."""
    if len(term) < DOUBLED_MIN or not term.isalpha():
        return False
    words = text.near.get(term, ())
    if len(term) >= FUZZY_MIN:
        return any(_one_inserted(word, term) for word in words)
    return any(
        _one_inserted(word, term) and any(a == b for a, b in zip(word, word[1:], strict=False))
        for word in words
    )


def words_of(text: str, native: bool = False) -> list[str]:
    """The folded words of `text`; with `native`, words written in Cyrillic stay Cyrillic."""
    # Each character of an unspaced script is a word of its own, so "hentai动漫" still ends a
    # Latin word.
    folded = UNSPACED.sub(lambda m: f" {m.group()} ", _fold(text, native=True).replace("_", " "))
    words = WORD.findall(folded)
    return words if native else _latin_reading(words)


def _latin_reading(words: list[str]) -> list[str]:
    # Cyrillic left in a word (Russian, or a look-alike after a symbol: "$ех") read as Latin.
    return [w if w.isascii() else _as_latin(w).translate(LEET) for w in words]


def normalise(text: str) -> Normalised:
    native = words_of(text, native=True)
    words = _latin_reading(native)  # the same folding, read once
    plain = Squeezed.of(words)
    # Stems and slips are read from whole words: "m.a.k.i.n.g" is stemmed as "making".
    letters = _letters(text)
    whole = SPELLED_OUT_PUNCTUATED.sub(lambda m: re.sub(r"[.\-_*·]", "", m.group()), letters)
    whole_words = words if whole == letters else words_of(whole)
    return Normalised(
        plain.squeezed,
        plain.starts,
        plain.ends,
        Squeezed.of([stem(w) for w in whole_words]),
        tuple(words),
        _near(whole_words),
        Squeezed.of(native),
        Squeezed.of([stem(w) for w in native]),
    )


@dataclass(frozen=True)
class Term:
    """A blocklist term folded like the prompts: as written and stemmed word by word."""

    plain: str
    stemmed: str
    unspaced: bool  # matched anywhere, as a substring (Chinese, Japanese, Korean, Thai)
    cyrillic: bool = False  # matched against the prompt's Cyrillic words as written

    def __bool__(self):
        return bool(self.plain)


@lru_cache(maxsize=8192)
def normalise_term(term: str) -> Term:
    """The term folded (cached: the blocklist is read per prompt, and stemming its few hundred
    terms each time cost more than the rest of the blocklist layer; a Term is immutable)."""
    cyrillic = any(_is_cyrillic(w) for w in WORD.findall(_letters(term, native=True)))
    words = words_of(term, native=cyrillic)
    stems = [stem(w) for w in words]
    if cyrillic and min(len(s) for s in stems) < CYRILLIC_STEM_MIN:
        # A short Russian stem names other words too ("голая", naked, stems to "гол", a goal):
        # such a term is matched only in the forms listed.
        stems = words
    return Term("".join(words), "".join(stems), is_unspaced(term), cyrillic)


def is_unspaced(term: str) -> bool:
    return bool(UNSPACED.search(term))


def _whole_words(text: Squeezed, term: str) -> bool:
    """`term` starts at a word's start and ends at a word's end, allowing a plural "s"/"es"."""
    haystack = text.squeezed
    at = haystack.find(term)
    while at != -1:
        end = at + len(term)
        if at in text.starts and (
            end in text.ends
            or (haystack[end : end + 1] == "s" and end + 1 in text.ends)
            or (haystack[end : end + 2] == "es" and end + 2 in text.ends)
        ):
            return True
        at = haystack.find(term, at + 1)
    return False


def contains(text: Normalised, term: Term | str) -> bool:
    """Whether the normalised `term` occurs in `text`: anywhere for a term in an unspaced
    script (Chinese and Thai have no spaces between words), else as whole words, as written or
    stem for stem."""
    if isinstance(term, str):
        term = Term(term, term, is_unspaced(term))
    if not term:
        return False
    if term.unspaced:
        return term.plain in text.squeezed
    if term.cyrillic:  # Russian: whole words, as written or stem for stem
        return _whole_words(text.native, term.plain) or _whole_words(
            text.native_stemmed, term.stemmed
        )
    return (
        _whole_words(text, term.plain)
        or _whole_words(text.stemmed, term.stemmed)
        or misspelt(text, term.plain)
    )
