"""/api/v1/: the REST API (django-ninja). OpenAPI 3 at /api/v1/schema/, the reference page at
/api/v1/docs (Swagger UI from ninja's own static files, never a CDN)."""

from functools import wraps

from django.urls import path as url_path
from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Router
from ninja.openapi.docs import Swagger

from webapp.api import catalogue, downloads, jobs, points, problems, uploads
from webapp.api.auth import TokenAuth
from webapp.api.problems import ProblemOut


class StudioAPI(NinjaAPI):
    def _get_urls(self):
        """ninja answers a method a path does not take with a plain-text 405, and Django an
        unknown path with the site's HTML 404; here both are problem documents like every other
        API error."""
        urls = [_with_problem_405(url) for url in super()._get_urls() if url.name != "api-root"]
        return [
            *urls,
            url_path("", csrf_exempt(problems.not_found), name="api-root"),  # ninja reverses it
            re_path(r"^.+$", csrf_exempt(problems.not_found)),
        ]

    def get_openapi_schema(self, **kwargs):
        """ninja documents every response as application/json; problems are sent as
        application/problem+json and downloads as the file's own type, and the schema says so."""
        schema = super().get_openapi_schema(**kwargs)
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                for code, response in operation.get("responses", {}).items():
                    status = str(code)  # ninja's keys are ints until the schema is dumped
                    content = response.get("content", {})
                    json_body = content.get("application/json")
                    if json_body and json_body["schema"].get("$ref", "").endswith("/ProblemOut"):
                        response["content"] = {"application/problem+json": json_body}
                    elif path.endswith("/files/{token}") and status == "200":
                        binary = {"type": "string", "format": "binary"}
                        response["content"] = {"*/*": {"schema": binary}}
                    if status == "429":
                        response["headers"] = {
                            "Retry-After": {
                                "description": "Seconds to wait before trying again.",
                                "schema": {"type": "integer"},
                            }
                        }
        create = schema["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]
        # A storyboard's shots are a list of objects, which only JSON can carry.
        for form in create.values():
            form["schema"]["properties"].pop("shots", None)
        # ninja documents the form it parses; a create also takes the same fields as JSON.
        create["application/json"] = {"schema": {"$ref": "#/components/schemas/JobIn"}}
        _link_created_jobs(schema)
        _link_uploads(schema)
        return schema


def _with_problem_405(url):
    view = url.callback

    @wraps(view)  # keeps ninja's csrf_exempt: a token, not a cookie, authenticates
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response["Content-Type"] != problems.CONTENT_TYPE:
            return problems.method_not_allowed(response["Allow"].split(", "))
        return response

    url.callback = answer
    return url


def _link_created_jobs(schema) -> None:
    """OpenAPI links: the id a create answers with is the one get, cancel and delete take."""
    paths = schema["paths"]
    job = paths.get("/api/v1/jobs/{job_id}", {})
    targets = {
        "GetJob": job.get("get"),
        "CancelJob": paths.get("/api/v1/jobs/{job_id}/cancel", {}).get("post"),
        "DeleteJob": job.get("delete"),
    }
    links = {
        name: {"operationId": op["operationId"], "parameters": {"job_id": "$response.body#/id"}}
        for name, op in targets.items()
        if op
    }
    # A retry: the same request with the same Idempotency-Key answers the first result.
    links["RetryCreate"] = {
        "operationId": paths["/api/v1/jobs"]["post"]["operationId"],
        "parameters": {"header.Idempotency-Key": "$request.header.Idempotency-Key"},
        "requestBody": "$request.body",
        "x-schemathesis": {"merge_body": False},
    }
    for status, response in paths["/api/v1/jobs"]["post"]["responses"].items():
        if str(status) in ("200", "201"):
            response["links"] = links


def _link_uploads(schema) -> None:
    """The id an upload answers with is the one get and delete take, and a job's photo."""
    paths = schema["paths"]
    upload = paths["/api/v1/uploads/{upload_id}"]
    links = {
        name: {"operationId": op["operationId"], "parameters": {"upload_id": "$response.body#/id"}}
        for name, op in (("GetUpload", upload["get"]), ("DeleteUpload", upload["delete"]))
    }
    paths["/api/v1/uploads"]["post"]["responses"][201]["links"] = links  # ninja: int keys


api = StudioAPI(
    title="Lingjing Studio API",
    version="1.0.0",
    # In the reader's language: the schema is written per request.
    description=_(
        "Make videos and pictures with your points, under the same rules as the site. "
        "Authenticate with a personal access token (`Authorization: Bearer lj_pat_…`) made on "
        "your account's API tokens page. Errors are RFC 9457 problem documents with a `code`."
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
    openapi_url="/schema/",
    docs_url="/docs",
    # No validator badge: Swagger UI would fetch it from validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)
problems.install(api)
api.add_router("", catalogue.router)
api.add_router("", jobs.router)
api.add_router("", points.router)
api.add_router("", uploads.router)

files = Router(tags=["outputs"])


@files.get(
    "/files/{token}",
    auth=None,
    url_name="download",
    response={200: bytes, 403: ProblemOut, 404: ProblemOut},
    summary="Download an output (a signed link from a job's outputs)",
)
def download(request, token: str):
    return downloads.serve(token)


api.add_router("", files)
