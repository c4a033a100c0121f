"""Helpers for the API tests: a token and a client that sends it."""

from django.test import Client

from webapp.api import tokens

ALL_SCOPES = ("read", "create", "billing:read")


def token_for(user, scopes=ALL_SCOPES, **kwargs) -> str:
    return tokens.create_token(user, "test", list(scopes), **kwargs)[1]


def api_client(raw_token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
