"""Messages kept in the database, shown in the reader's language.

A job's error, a ledger note or a flag's note is written once, in the language active where it
was written: English in a worker or a webhook, the user's language in a request. `shown(text)`
recognises such a text as one of the catalogue's messages, in English or in Chinese, with its
placeholders filled, and renders the same message in the active language, its placeholder values
recognised the same way ("prompt", "nudity"). A text it does not recognise (a moderator's own
words) is shown as it is.
"""

import functools
import gettext as gettext_module
import re

from django.conf import settings
from django.utils.translation import gettext

PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
LITERAL_PERCENT = re.compile(r"%(?!\(\w+\)[sd])")


@functools.cache
def _catalogue() -> dict[str, str]:
    """msgid → Simplified Chinese, from the site's own catalogue (not Django's)."""
    path = settings.LOCALE_PATHS[0] / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    try:
        with open(path, "rb") as f:
            catalog = gettext_module.GNUTranslations(f)._catalog
    except OSError:
        return {}
    return {k: v for k, v in catalog.items() if isinstance(k, str) and k and "\x04" not in k and v}


def _regex(template: str) -> re.Pattern | None:
    """A template's text as a regular expression, each placeholder a named group."""
    if LITERAL_PERCENT.search(template.replace("%%", "")):
        return None  # positional %s: not kept in the database
    parts, seen, end = [], set(), 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[end : match.start()].replace("%%", "%")))
        name, kind = match.groups()
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>-?\\d+)" if kind == "d" else f"(?P<{name}>.+?)")
        end = match.end()
    parts.append(re.escape(template[end:].replace("%%", "%")))
    return re.compile("".join(parts) + r"\Z", re.S)


@functools.cache
def _patterns() -> tuple[dict[str, str], list[tuple[re.Pattern, str, str]]]:
    """(exact texts → msgid, [(pattern, msgid, placeholder kinds)]) for both languages; the
    patterns with the most literal text first, so the most specific message wins."""
    exact, templates = {}, []
    for msgid, msgstr in _catalogue().items():
        for side in (msgid, msgstr):
            if PLACEHOLDER.search(side):
                regex = _regex(side)
                literal = PLACEHOLDER.sub("", side).strip()
                # A template that is mostly placeholders ("%(n)s points") would match a
                # moderator's own words ("goodwill points"): only telling ones are used.
                if regex is not None and _telling(literal):
                    templates.append((len(literal), regex, msgid))
            else:
                exact.setdefault(side.replace("%%", "%"), msgid)
    templates.sort(key=lambda t: -t[0])
    kinds = {msgid: dict(PLACEHOLDER.findall(msgid)) for _, _, msgid in templates}
    return exact, [(regex, msgid, kinds[msgid]) for _, regex, msgid in templates]


def _telling(literal: str) -> bool:
    """Enough literal text to recognise a message by: three words, or six Chinese characters."""
    return (
        len(re.findall(r"[A-Za-z]+", literal)) >= 3
        or len(re.findall(r"[\u4e00-\u9fff]", literal)) >= 6
    )


def shown(text: str, _depth: int = 0) -> str:
    """`text` in the active language when it is one of the catalogue's messages, else as is."""
    if not text or _depth > 3:
        return text
    exact, templates = _patterns()
    if text in exact:
        return gettext(exact[text])
    for regex, msgid, kinds in templates:
        match = regex.match(text)
        if match is None:
            continue
        values = {
            name: int(value) if kinds.get(name) == "d" else shown(value, _depth + 1)
            for name, value in match.groupdict().items()
        }
        try:
            return gettext(msgid) % values
        except (KeyError, TypeError, ValueError):
            return text
    return text
