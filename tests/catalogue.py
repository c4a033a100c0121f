"""Reading the translation catalogue (locale/zh_Hans/LC_MESSAGES/django.po) and finding its
English strings in rendered pages."""

import ast
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def read_po(path: Path = PO) -> list[Entry]:
    """Every live entry of a .po file (obsolete `#~` entries and the header left out)."""
    entries: list[Entry] = []
    entry, target, index = Entry(), None, 0

    def close():
        nonlocal entry, target
        if entry.msgid or entry.msgstr:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            close()
        elif line.startswith("#,"):
            if entry.msgid or entry.msgstr:
                close()
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if target == "msgstr":
                entry.msgstr[index] += value
            elif target:
                setattr(entry, target, (getattr(entry, target) or "") + value)
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            starts_another = keyword == "msgctxt" or (keyword == "msgid" and entry.msgstr)
            if starts_another and (entry.msgid or entry.msgstr):
                close()
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if "[" in keyword else 0
                entry.msgstr[index] = value
                target = "msgstr"
            else:
                setattr(entry, keyword, value)
                target = keyword
                if keyword == "msgid":
                    entry.line = number
    close()
    return [e for e in entries if e.msgid]


# --- finding English catalogue strings in a page --------------------------------------------

PLACEHOLDER = re.compile(r"%\([^)]*\)[sdr]|%[sdr]|\{[a-z_0-9]*\}|<[^>]+>")
WORDS = re.compile(r"[A-Za-z]+")
TRIM = " \t\n:·—–-()（）：.,;!?\"'“”"


def english_patterns(entries: list[Entry]) -> tuple[dict[str, Entry], dict[str, Entry]]:
    """(whole strings, fragments): what an untranslated string leaves on a page.

    A string without placeholders must not be a whole text of the page (a button, a label, a
    heading). A string with placeholders or markup must not leave any of its literal runs of two
    words or more. Strings translated as themselves ("MP4", "16:9") are not English to find."""
    whole, fragments = {}, {}
    for entry in entries:
        if not entry.translated or entry.msgstr.get(0) == entry.msgid:
            continue
        for source in filter(None, (entry.msgid, entry.msgid_plural)):
            if not PLACEHOLDER.search(source):
                text = " ".join(source.split()).strip(TRIM)
                if WORDS.search(text):
                    whole.setdefault(text, entry)
                continue
            for run in PLACEHOLDER.split(source):
                run = " ".join(run.split()).strip(TRIM)
                if len(WORDS.findall(run)) >= 2 and len(run) >= 8:
                    fragments.setdefault(run, entry)
    return whole, fragments


class _Texts(HTMLParser):
    """Shown text; scripts, styles and the Django admin's sidebar of model names left out."""

    SHOWN_ATTRS = {"title", "placeholder", "aria-label", "alt", "label"}
    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in self.HIDDEN or (tag == "nav" and values.get("id") == "nav-sidebar"):
            self._hidden += 1
        for name, value in attrs:
            if value and name in self.SHOWN_ATTRS:
                self.texts.append(value)
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"])

    def handle_endtag(self, tag):
        if (tag in self.HIDDEN or tag == "nav") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


def shown_texts(html: str) -> list[str]:
    """The page's text as people see it, one item per text node or shown attribute."""
    parser = _Texts()
    parser.feed(html)
    return [" ".join(t.split()) for t in parser.texts]


def untranslated(html: str, whole: dict, fragments: dict) -> list[str]:
    """The catalogue's English strings that a page still shows."""
    found = []
    for text in shown_texts(html):
        bare = text.strip(TRIM)
        if bare in whole:
            line = whole[bare].line
            found.append(f"{bare!r} ({f'catalogue line {line}' if line else 'a name in English'})")
            continue
        for run, entry in fragments.items():
            if run in text and re.search(rf"(?<![A-Za-z]){re.escape(run)}(?![A-Za-z])", text):
                found.append(f"{run!r} in {text!r} (catalogue line {entry.line})")
    return found


# --- the names Django's admin shows: apps, models, fields, choices ----------------------------


def site_names() -> list[tuple[str, object]]:
    """(where, name) for every name the admin shows of the site's own apps: each app's, each
    model's (singular and plural), each field's and each choice's. Django's own and allauth's
    models are named by their own catalogues."""
    from django.apps import apps

    names = []
    for config in apps.get_app_configs():
        if not Path(config.path).is_relative_to(ROOT) or ".venv" in Path(config.path).parts:
            continue
        names.append((f"app {config.label}", config.verbose_name))
        for model in config.get_models():
            opts = model._meta
            where = f"{opts.label}"
            names.append((where, opts.verbose_name))
            names.append((f"{where} (plural)", opts.verbose_name_plural))
            for each in [*opts.fields, *opts.many_to_many]:
                if each.auto_created:
                    continue
                names.append((f"{where}.{each.name}", each.verbose_name))
                for value, label in each.flatchoices:
                    if label == value and str(value).isupper():
                        continue  # a code, not a word (NudeNet's class names)
                    names.append((f"{where}.{each.name} = {value!r}", label))
    return names


def translated_as_themselves(entries: list[Entry]) -> set[str]:
    return {e.msgid for e in entries if e.translated and e.msgstr.get(0) == e.msgid}


def untranslated_names(names, entries: list[Entry]) -> list[str]:
    """The names that read the same in 简体中文 as in English, unless the catalogue says they
    do ("API", "URL")."""
    from django.utils import translation

    same = translated_as_themselves(entries)
    left = []
    for where, name in names:
        with translation.override("en"):
            english = str(name)
        with translation.override("zh-hans"):
            chinese = str(name)
        if chinese == english and english not in same:
            left.append(f"{where}: {english!r}")
    return left
