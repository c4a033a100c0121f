"""The language a user reads the site in, kept for what reaches them outside a request.

A finished job's e-mail is written by a Celery task, a failed renewal's by a Stripe webhook, a
data export's by a background task: none of them has the reader's request, so each would be
written in the site's default language. Every signed-in request records the language the site
was shown in (only when it changed: one query per change), and those e-mails are written in it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation


class RememberLanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: keep the signed-in user's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        code = getattr(request, "LANGUAGE_CODE", None)
        if user is not None and user.is_authenticated and code and user.language != code:
            get_user_model().objects.filter(pk=user.pk).update(language=code)
            user.language = code
        return self.get_response(request)


def in_language_of(user):
    """`with in_language_of(user):` — what is written inside reads in the user's language
    (the site's default for one who never signed in)."""
    return translation.override(user.language or settings.LANGUAGE_CODE)
