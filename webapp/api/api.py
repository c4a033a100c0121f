"""/api/v1/: the REST API (django-ninja). OpenAPI 3 at /api/v1/schema/, the reference page at
/api/v1/docs (Swagger UI from ninja's own static files, never a CDN)."""

from ninja import NinjaAPI, Router
from ninja.openapi.docs import Swagger

from webapp.api import catalogue, downloads, jobs, points, problems
from webapp.api.auth import TokenAuth
from webapp.api.problems import ProblemOut


class StudioAPI(NinjaAPI):
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
        _link_created_jobs(schema)
        return schema


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
    for status, response in paths["/api/v1/jobs"]["post"]["responses"].items():
        if str(status) in ("200", "201"):
            response["links"] = links


api = StudioAPI(
    title="Lingjing Studio API",
    version="1.0.0",
    description=(
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
