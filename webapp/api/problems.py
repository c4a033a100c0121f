"""Every API error in one shape: RFC 9457 problem details (application/problem+json), with a
machine-readable `code` a client can branch on. The codes are listed in docs/API.md."""

import json
import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

log = logging.getLogger(__name__)
CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    402: "Not enough points",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal error",
}


class ProblemOut(Schema):
    """RFC 9457 problem details, plus `code`; refusals add fields (`category`, `errors`...)."""

    type: str
    title: str
    status: int
    code: str
    detail: str = ""
    errors: dict[str, list[str]] | list[dict] | None = None
    category: str | None = None
    job_id: int | None = None
    retry_after: int | None = None


def problems(*statuses: int) -> dict:
    """The problem responses an operation documents: exactly the statuses it can answer, which
    tests/test_api_fuzz.py checks the fuzzer meets, operation by operation."""
    return dict.fromkeys(statuses, ProblemOut)


class Problem(Exception):
    """Raise from any API code to answer with a problem document."""

    def __init__(self, status: int, code: str, detail: str = "", headers=None, **extra):
        self.status, self.code, self.detail = status, code, str(detail)
        self.headers = headers or {}
        self.extra = extra
        super().__init__(f"{status} {code}: {detail}")

    def document(self) -> dict:
        return {
            "type": f"urn:lingjing:problem:{self.code}",
            "title": TITLES.get(self.status, "Error"),
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
            **{k: v for k, v in self.extra.items() if v is not None},
        }

    def response(self) -> HttpResponse:
        return problem_response(self.document(), self.headers)


def problem_response(document: dict, headers=None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False),
        status=document["status"],
        content_type=CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def not_found(request, *args, **kwargs) -> HttpResponse:
    """Any path under /api/v1/ that names no endpoint (Django's own 404 is an HTML page)."""
    return Problem(404, "not_found", _("No such endpoint.")).response()


def method_not_allowed(allowed) -> HttpResponse:
    """A method the path does not take, with the ones it does in Allow (RFC 9110)."""
    allow = ", ".join(sorted(allowed))
    detail = _("This address takes %(methods)s.") % {"methods": allow}
    return Problem(405, "method_not_allowed", detail, {"Allow": allow}).response()


def install(api) -> None:
    """Make every error the API can raise answer as a problem document."""

    @api.exception_handler(Problem)
    def on_problem(request, exc: Problem):
        return exc.response()

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return Problem(
            401,
            "missing_token",
            _("Send a personal access token: Authorization: Bearer lj_pat_…"),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        ).response()

    @api.exception_handler(ValidationError)
    def on_invalid(request, exc: ValidationError):
        errors = [
            {"loc": [str(part) for part in e.get("loc", [])], "msg": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        return Problem(
            422, "invalid_request", _("The request is malformed."), errors=errors
        ).response()

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return Problem(404, "not_found", _("No such object.")).response()

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        code = {405: "method_not_allowed", 429: "rate_limited"}.get(exc.status_code, "error")
        return Problem(exc.status_code, code, str(exc.message)).response()

    @api.exception_handler(MultiPartParserError)
    def on_broken_body(request, exc):
        return Problem(400, "malformed_body", _("The request body cannot be read.")).response()

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request, exc):
        return Problem(413, "request_too_large", _("The request body is too large.")).response()

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request, exc):  # too many fields or files, a malformed header...
        return Problem(400, "malformed_body", _("The request cannot be read.")).response()

    @api.exception_handler(Exception)
    def on_crash(request, exc):
        log.exception("API error on %s %s", request.method, request.path)
        return Problem(500, "internal_error", _("Something went wrong on our side.")).response()
