"""A local stand-in for Stripe's API, and events signed exactly as Stripe signs them.

`FakeStripe` is a threaded HTTP server answering the endpoints the site calls (customers, prices,
coupons, checkout sessions, subscriptions, invoices, charges, billing portal sessions) with
Stripe-shaped JSON in the pinned API version's shapes, objects kept in memory. Its Python methods
play Stripe's side of things a test needs to happen (a buyer pays, a renewal is charged or fails,
a refund is made); `event()` wraps an object as Stripe would deliver it and `deliver()` signs it
(HMAC-SHA256 over "t.payload", header `Stripe-Signature: t=...,v1=...`) and posts it to the real
webhook endpoint.
"""

import calendar
import copy
import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

API_VERSION = "2026-10-28.endive"
WEBHOOK_SECRET = "whsec_test_0123456789abcdef"
SECRET_KEY = "sk_test_fake_0123456789"
WEBHOOK_URL = "/billing/webhooks/stripe/"


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def add_months_utc(ts: int, months: int) -> int:
    moment = datetime.fromtimestamp(ts, tz=UTC)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def decode_form(body: str) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node):
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [listify(node[k]) for k in sorted(node, key=int)]
            return {k: listify(v) for k, v in node.items()}
        return node

    return listify(root)


class StripeError(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


class FakeStripe:
    def __init__(self):
        self.objects: dict[str, dict] = {}  # id -> object, every kind
        self.idempotent: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict, dict]] = []  # method, path, params, headers
        self.failures_left = 0
        self.lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # --- HTTP ---------------------------------------------------------------------------------

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, method):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else parts.query
                params = decode_form(body)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake.lock:
                    fake.requests.append((method, parts.path, params, headers))
                    try:
                        if fake.failures_left:
                            fake.failures_left -= 1
                            raise StripeError(500, "fake outage")
                        key = headers.get("idempotency-key")
                        if method == "POST" and key and key in fake.idempotent:
                            status, result = 200, fake.idempotent[key]
                        else:
                            status, result = 200, fake.route(method, parts.path, params)
                            if method == "POST" and key:
                                fake.idempotent[key] = result
                    except StripeError as error:
                        status = error.status
                        result = {"error": {"message": error.message, "type": "api_error"}}
                data = json.dumps(result).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Stripe-Should-Retry", "false")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def do_DELETE(self):
                self._answer("DELETE")

        return Handler

    def route(self, method: str, path: str, params: dict) -> dict:
        segments = path.strip("/").split("/")[1:]  # drop "v1"
        if method == "POST" and segments == ["customers"]:
            return self._store({"id": new_id("cus"), "object": "customer", **params})
        if method == "POST" and segments == ["prices"]:
            price = {
                "id": new_id("price"),
                "object": "price",
                "unit_amount": int(params["unit_amount"]),
                "currency": params["currency"],
                "recurring": params.get("recurring"),
                "metadata": params.get("metadata", {}),
            }
            return self._store(price)
        if method == "POST" and segments == ["coupons"]:
            coupon = {
                "id": new_id("coupon"),
                "object": "coupon",
                "percent_off": float(params["percent_off"]),
                "duration": params["duration"],
            }
            return self._store(coupon)
        if method == "POST" and segments == ["checkout", "sessions"]:
            return self._create_checkout(params)
        if method == "POST" and segments == ["billing_portal", "sessions"]:
            customer = self.get(params["customer"])
            return {"id": new_id("bps"), "url": f"{self.url}/portal/{customer['id']}"}
        if (
            method == "POST"
            and segments[:2] == ["checkout", "sessions"]
            and segments[3:] == ["expire"]
        ):
            return self._expire_checkout(segments[2])
        if method == "POST" and segments == ["invoices", "create_preview"]:
            return self._preview_invoice(params)
        if method == "POST" and segments == ["refunds"]:
            return self._refund_intent(params)
        if method == "DELETE" and segments[0] == "subscriptions" and len(segments) == 2:
            self.end_subscription(segments[1])
            return copy.deepcopy(self.get(segments[1]))
        if method == "POST" and segments[0] == "subscriptions" and len(segments) == 2:
            return self._update_subscription(segments[1], params)
        if method == "GET" and len(segments) >= 2:
            return copy.deepcopy(self.get(segments[-1]))
        raise StripeError(404, f"no route {method} {path}")

    def get(self, object_id: str) -> dict:
        if object_id not in self.objects:
            raise StripeError(404, f"No such object: '{object_id}'")
        return self.objects[object_id]

    def _store(self, obj: dict) -> dict:
        self.objects[obj["id"]] = obj
        return copy.deepcopy(obj)

    # --- checkout -------------------------------------------------------------------------------

    def _create_checkout(self, params: dict) -> dict:
        price = self.get(params["line_items"][0]["price"])
        amount = price["unit_amount"]
        for discount in params.get("discounts", []):
            amount = amount * (100 - int(self.get(discount["coupon"])["percent_off"])) // 100
        session_id = new_id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "status": "open",
            "payment_status": "unpaid",
            "client_reference_id": params.get("client_reference_id"),
            "customer": params.get("customer"),
            "subscription": None,
            "payment_intent": None,
            "metadata": params.get("metadata", {}),
            "amount_total": amount,
            "currency": price["currency"],
            "url": f"{self.url}/pay/{session_id}",
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "_price": price["id"],
            "_discounts": params.get("discounts", []),
        }
        return self._store(session)

    def _expire_checkout(self, session_id: str) -> dict:
        session = self.get(session_id)
        if session["status"] != "open":
            raise StripeError(400, f"checkout session {session_id} is {session['status']}")
        session["status"] = "expired"
        return copy.deepcopy(session)

    def _refund_intent(self, params: dict) -> dict:
        charge = self.get(self.get(params["payment_intent"])["latest_charge"])
        amount = int(params.get("amount", charge["amount"] - charge["amount_refunded"]))
        self.refund(charge["id"], amount)
        refund = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": params["payment_intent"],
            "reason": params.get("reason"),
            "status": "succeeded",
        }
        return self._store(refund)

    def refunds(self) -> list[dict]:
        return [o for o in self.objects.values() if o.get("object") == "refund"]

    def pay_checkout(self, session_id: str, async_payment: bool = False) -> dict:
        """The buyer pays on Stripe's page. With `async_payment` the money is still pending
        (payment_status "unpaid") until `settle_async_payment`. An expired session cannot be
        paid (Stripe's page says so)."""
        with self.lock:
            session = self.get(session_id)
            if session["status"] != "open":
                raise StripeError(400, f"checkout session {session_id} is {session['status']}")
            session["status"] = "complete"
            if session["mode"] == "payment":
                intent = new_id("pi")
                amount, currency = session["amount_total"], session["currency"]
                self._charge(intent, session["customer"], amount, currency)
                session["payment_intent"] = intent
                session["payment_status"] = "unpaid" if async_payment else "paid"
            else:
                sub = self._create_subscription(session)
                session["subscription"] = sub["id"]
                session["payment_status"] = "paid"
            return copy.deepcopy(session)

    def settle_async_payment(self, session_id: str) -> dict:
        with self.lock:
            session = self.get(session_id)
            session["payment_status"] = "paid"
            return copy.deepcopy(session)

    def _charge(self, intent: str, customer: str, amount: int, currency: str) -> dict:
        charge = {
            "id": new_id("ch"),
            "object": "charge",
            "amount": amount,
            "amount_refunded": 0,
            "refunded": False,
            "currency": currency,
            "customer": customer,
            "payment_intent": intent,
            "status": "succeeded",
        }
        self.objects[charge["id"]] = charge
        self.objects[intent] = {
            "id": intent,
            "object": "payment_intent",
            "latest_charge": charge["id"],
        }
        return charge

    # --- subscriptions --------------------------------------------------------------------------

    def _create_subscription(self, session: dict) -> dict:
        price = self.get(session["_price"])
        start = int(time.time())
        end = self._period_end(price, start)
        sub_id = new_id("sub")
        sub = {
            "id": sub_id,
            "object": "subscription",
            "customer": session["customer"],
            "status": "active",
            "cancel_at_period_end": False,
            "canceled_at": None,
            "ended_at": None,
            "metadata": session["metadata"],
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": new_id("si"),
                        "object": "subscription_item",
                        "price": copy.deepcopy(price),
                        "current_period_start": start,
                        "current_period_end": end,
                    }
                ],
            },
            "latest_invoice": None,
        }
        self.objects[sub_id] = sub
        self._invoice(sub, price, session["amount_total"], start, end, "subscription_create")
        return sub

    def _period_end(self, price: dict, start: int) -> int:
        recurring = price["recurring"]
        count = int(recurring.get("interval_count", 1))
        months = count * (12 if recurring["interval"] == "year" else 1)
        return add_months_utc(start, months)

    def _invoice(self, sub, price, amount, start, end, reason, paid=True) -> dict:
        invoice_id = new_id("in")
        intent = new_id("pi")
        if paid:
            self._charge(intent, sub["customer"], amount, price["currency"])
        invoice = {
            "id": invoice_id,
            "object": "invoice",
            "customer": sub["customer"],
            "status": "paid" if paid else "open",
            "billing_reason": reason,
            "amount_paid": amount if paid else 0,
            "amount_due": amount,
            "currency": price["currency"],
            "hosted_invoice_url": f"{self.url}/invoice/{invoice_id}",
            "period_start": start,
            "period_end": start,
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": sub["id"], "metadata": sub["metadata"]},
            },
            "lines": {
                "object": "list",
                "data": [
                    {
                        "id": new_id("il"),
                        "object": "line_item",
                        "amount": amount,
                        "period": {"start": start, "end": end},
                        "pricing": {
                            "type": "price_details",
                            "price_details": {"price": price["id"], "product": "prod_x"},
                        },
                    }
                ],
            },
            "payments": {
                "object": "list",
                "data": [
                    {
                        "object": "invoice_payment",
                        "payment": {"type": "payment_intent", "payment_intent": intent},
                    }
                ]
                if paid
                else [],
            },
            "status_transitions": {"paid_at": int(time.time()) if paid else None},
        }
        self.objects[invoice_id] = invoice
        sub["latest_invoice"] = invoice_id
        return invoice

    def _update_subscription(self, sub_id: str, params: dict) -> dict:
        sub = self.get(sub_id)
        if "cancel_at_period_end" in params:
            sub["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
            sub["canceled_at"] = int(time.time()) if sub["cancel_at_period_end"] else None
        if "items" in params:
            item = sub["items"]["data"][0]
            old, new = item["price"], self.get(params["items"][0]["price"])
            item["price"] = copy.deepcopy(new)
            if params.get("proration_behavior") == "always_invoice":
                now = int(params.get("proration_date") or time.time())
                amount = sum(self._proration_lines(item, old, new, now))
                end = item["current_period_end"]
                self._invoice(sub, new, amount, now, end, "subscription_update")
        return copy.deepcopy(sub)

    def _proration_lines(self, item: dict, old: dict, new: dict, at: int) -> list[int]:
        """As Stripe prorates a price change at `at`: a credit for the unused time on the old
        price and a charge for the rest of the period on the new one, each rounded."""
        left = (item["current_period_end"] - at) / (
            item["current_period_end"] - item["current_period_start"]
        )
        return [-round(old["unit_amount"] * left), round(new["unit_amount"] * left)]

    def _preview_invoice(self, params: dict) -> dict:
        """POST /v1/invoices/create_preview for a subscription's price change."""
        sub = self.get(params["subscription"])
        details = params.get("subscription_details", {})
        item = sub["items"]["data"][0]
        new = self.get(details["items"][0]["price"])
        at = int(details.get("proration_date") or time.time())
        lines = self._proration_lines(item, item["price"], new, at)
        return {
            "object": "invoice",
            "amount_due": max(0, sum(lines)),
            "currency": new["currency"],
            "lines": {
                "object": "list",
                "data": [
                    {
                        "object": "line_item",
                        "amount": amount,
                        "parent": {
                            "type": "subscription_item_details",
                            "subscription_item_details": {"proration": True},
                        },
                    }
                    for amount in lines
                ],
            },
        }

    def renew(self, sub_id: str, paid: bool = True) -> dict:
        """The period ends: Stripe starts the next one and charges it (or fails to)."""
        with self.lock:
            sub = self.get(sub_id)
            item = sub["items"]["data"][0]
            start = item["current_period_end"]
            end = self._period_end(item["price"], start)
            item["current_period_start"], item["current_period_end"] = start, end
            price = item["price"]
            invoice = self._invoice(
                sub, price, price["unit_amount"], start, end, "subscription_cycle", paid
            )
            if not paid:
                sub["status"] = "past_due"
            return copy.deepcopy(invoice)

    def end_subscription(self, sub_id: str) -> dict:
        """Stripe ends the subscription (at its period end after a cancel, or at once)."""
        with self.lock:
            sub = self.get(sub_id)
            sub["status"] = "canceled"
            sub["ended_at"] = int(time.time())
            return copy.deepcopy(sub)

    def refund(self, charge_id: str, amount: int) -> dict:
        with self.lock:
            charge = self.get(charge_id)
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            return copy.deepcopy(charge)

    def charge_of(self, intent_id: str) -> str:
        return self.get(intent_id)["latest_charge"]

    def fail_next_requests(self, count: int) -> None:
        with self.lock:
            self.failures_left = count

    def calls(self, method: str, path: str) -> list[tuple[dict, dict]]:
        return [(p, h) for m, pa, p, h in self.requests if m == method and pa == path]

    # --- events -------------------------------------------------------------------------------

    def event(self, event_type: str, obj_or_id) -> dict:
        obj = self.get(obj_or_id) if isinstance(obj_or_id, str) else obj_or_id
        return {
            "id": new_id("evt"),
            "object": "event",
            "type": event_type,
            "api_version": API_VERSION,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": copy.deepcopy(obj)},
        }


def signature_header(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    """Exactly what Stripe sends: t=<unix time>,v1=<hex HMAC-SHA256 of "t.payload">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def deliver(client, event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    """POST the event to the real webhook endpoint, signed."""
    payload = json.dumps(event).encode()
    return client.post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(payload, secret, timestamp),
    )


# --- fixtures (imported by the payment test modules) -------------------------------------------


@pytest.fixture(scope="session")
def fake_stripe_server():
    fake = FakeStripe()
    yield fake
    fake.close()


@pytest.fixture
def stripe_site(settings, fake_stripe_server, db):
    """The site with Stripe keys pointing at the fake, and the catalogue's Stripe prices made
    through `seed_catalogue --stripe` (as an operator would)."""
    from django.core.management import call_command

    from tests.conftest import tier

    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_stripe_server.url
    settings.PAYMENTS_SANDBOX = False
    for code in ("standard", "pro", "premier"):
        tier(code)
    call_command("seed_catalogue", "--stripe", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return fake_stripe_server
