"""Helpers for the API tests: a token and a client that sends it."""

from django.test import Client

from webapp.api import tokens

ALL_SCOPES = ("read", "create", "billing:read")


def token_for(user, scopes=ALL_SCOPES, **kwargs) -> str:
    return tokens.create_token(user, "test", list(scopes), **kwargs)[1]


def api_client(raw_token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")


def api_for(user, plan=None, points: int = 100) -> Client:
    """A client with a token of every scope for `user`, on `plan` (a seeded tier's code) if
    given, with today's daily points and `points` more, so balances read after are exact."""
    from billing.middleware import grant_points_due
    from tests.conftest import subscribe
    from tests.gen_helpers import give_points

    if plan:
        subscribe(user, plan)
    grant_points_due(user)
    give_points(user, points)
    return api_client(token_for(user))
