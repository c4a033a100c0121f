"""Layer 1 for prompts: the staff-edited list of blocked terms, matched after normalisation."""

from generation.moderation.models import Action, BlockedTerm
from generation.moderation.normalise import contains, normalise, normalise_term
from generation.moderation.verdict import Hit, strongest


def active_terms() -> list[tuple[str, BlockedTerm]]:
    """(normalised term, rule) for every active term; read per call so admin edits apply at once
    (a few hundred short rows: well under a millisecond to normalise)."""
    return [(normalise_term(t.term), t) for t in BlockedTerm.objects.filter(active=True)]


def check(text: str, field: str, terms=None, categories=None) -> Hit | None:
    """The strongest blocked term in `text` (refuse before review), or None.

    `categories` limits the check to those rule categories (used for the negative prompt).
    """
    if not text:
        return None
    normalised = normalise(text)
    hits = []
    for term, rule in terms if terms is not None else active_terms():
        if categories is not None and rule.category not in categories:
            continue
        if contains(normalised, term):
            hit = Hit(
                rule.action, "blocklist", field, rule.category, f"term #{rule.pk}: {rule.term}"
            )
            if rule.action == Action.REFUSE:
                return hit
            hits.append(hit)
    return strongest(hits)
