"""How the site finds who is signed in: allauth's e-mail log-in, as the one backend.

One backend, not Django's ModelBackend beside allauth's: with both listed, a wrong password was
hashed by each (2 x 30 CPU-ms of Argon2id), and allauth's alone accepts every way the site logs
in (the log-in page, the admin's e-mail-as-username form, `force_login`).

The user behind a session is read on every signed-in request, status polls included (most of the
traffic), so it is one fixed statement: the ORM compiled the same select each time at a few
times the query's own CPU.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model

BACKEND = "webapp.accounts.backends.AccountBackend"
# Sessions signed in before there was one backend name one of these; they stay signed in.
EARLIER_BACKENDS = frozenset(
    {
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    }
)


class AccountBackend(AuthenticationBackend):
    def get_user(self, user_id):
        User = get_user_model()
        users = User.objects.raw(f"SELECT * FROM {User._meta.db_table} WHERE id = %s", [user_id])  # noqa: S608
        for user in users:
            return user if self.user_can_authenticate(user) else None
        return None


class EarlierSessionsMiddleware:
    """Before AuthenticationMiddleware: a session that names an earlier backend is moved to
    this one (saved once), instead of being signed out by the change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only with a session cookie: reading the session marks the answer "Vary: Cookie".
        has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        if has_session and request.session.get(BACKEND_SESSION_KEY) in EARLIER_BACKENDS:
            request.session[BACKEND_SESSION_KEY] = BACKEND
        return self.get_response(request)
