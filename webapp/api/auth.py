"""Who is calling: a personal access token in `Authorization: Bearer …`, and what it may do."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja.security import HttpBearer

from billing.middleware import grant_points_due
from webapp.api import tokens
from webapp.api.problems import Problem

UNAUTHENTICATED = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}
DETAILS = {
    "invalid_token": _lazy("This token is not valid."),
    "token_revoked": _lazy("This token was revoked."),
    "token_expired": _lazy("This token has expired."),
    "account_inactive": _lazy("The account of this token is suspended or deleted."),
}


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        try:
            found = tokens.authenticate(token)
        except tokens.TokenRefused as refused:
            raise Problem(401, refused.code, DETAILS[refused.code], UNAUTHENTICATED) from None
        request.user = found.user
        # The site grants today's daily and membership points on a user's first request; an
        # API caller is owed them the same way.
        grant_points_due(found.user)
        return found


def require_scope(request, scope: str) -> None:
    """403 unless the request's token carries `scope`."""
    if scope not in request.auth.scopes:
        raise Problem(
            403,
            "insufficient_scope",
            _("This token lacks the %(scope)s scope.") % {"scope": scope},
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
