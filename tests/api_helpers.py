"""Helpers for the API tests: a token and a client that sends it."""

from django.test import Client

from generation.models import Job
from tests.gen_helpers import held_refs
from webapp.api import tokens

ALL_SCOPES = ("read", "create", "billing:read")
JOBS = "/api/v1/jobs"


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


def quoted(api, **query) -> str:
    response = api.get("/api/v1/quote", query)
    assert response.status_code == 200, response.content
    return response.json()["price_points"]


def post_json(api, **body):
    return api.post(JOBS, body, content_type="application/json")


def created(response, user, price: str) -> Job:
    """The 201's job: its row, and the quoted price held in the ledger under its ref (the only
    hold), as the API's own points endpoints show it."""
    assert response.status_code == 201, response.content
    body = response.json()
    job = Job.objects.get(pk=body["id"], user=user)
    assert body["price_points"] == price and body["status"] == "queued"
    assert held_refs(user) == [job.ledger_ref]
    entries = user.wallet.entries.filter(ref=job.ledger_ref)
    assert {e.kind for e in entries} == {"hold"}
    assert -sum(e.amount for e in entries) == job.points_held == int(float(price) * 10)
    api = api_client(token_for(user))
    assert api.get("/api/v1/points").json()["held_points"] == price
    history = api.get("/api/v1/points/ledger").json()["data"]
    assert [e["ref"] for e in history if e["kind"] == "hold"] == [job.ledger_ref] * len(entries)
    return job
