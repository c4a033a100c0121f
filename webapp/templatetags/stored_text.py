from django import template

from webapp.stored_text import shown

register = template.Library()


@register.filter
def translated(text):
    """A message kept in the database, in the reader's language (webapp/stored_text.py)."""
    return shown(text)


@register.filter
def ledger_note(entry):
    """A ledger entry's note in the reader's language (billing/notes.py)."""
    from billing.notes import entry_note

    return entry_note(entry)
