"""Layer 1 for prompts: the staff-edited list of blocked terms, matched after normalisation.

The prompt is read as written and, for Latin terms, backwards too ("bmob a dliub ot woh"):
a reversed prompt reads as gibberish to a person but not to a video model's text encoder.
"""

from generation.moderation.models import BlockedTerm
from generation.moderation.normalise import contains, normalise, normalise_term
from generation.moderation.rules import prepared
from generation.moderation.verdict import Hit, strongest


def active_terms() -> list[tuple[object, BlockedTerm]]:
    """(normalised term, rule) for every active term; read per call so admin edits apply at once
    (a few hundred short rows: a few milliseconds to normalise)."""
    return [(normalise_term(t.term), t) for t in BlockedTerm.objects.filter(active=True)]


def hits(text: str, field: str, terms=None, categories=None) -> list[Hit]:
    """Every blocked term in `text`, one hit per term.

    `categories` limits the check to those rule categories (used for the negative prompt).
    """
    if not text:
        return []
    ready = prepared(text)
    forwards, backwards = normalise(ready), normalise(ready[::-1])
    found = []
    for term, rule in terms if terms is not None else active_terms():
        if categories is not None and rule.category not in categories:
            continue
        if contains(forwards, term):
            how = ""
        elif not term.unspaced and contains(backwards, term):
            how = " (reversed)"
        else:
            continue
        rule_text = f"term #{rule.pk}: {rule.term}{how}"
        found.append(Hit(rule.action, "blocklist", field, rule.category, rule_text))
    return found


def check(text: str, field: str, terms=None, categories=None) -> Hit | None:
    """The deciding blocked term in `text` (a refusal before a hold, then the most severe
    category), or None."""
    return strongest(hits(text, field, terms, categories))
