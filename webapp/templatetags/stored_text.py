from django import template

from webapp.stored_text import shown

register = template.Library()


@register.filter
def translated(text):
    """A message kept in the database, in the reader's language (webapp/stored_text.py)."""
    return shown(text)
