"""/api/v1/: the REST API (django-ninja). OpenAPI 3 at /api/v1/schema/, the reference page at
/api/v1/docs (Swagger UI from ninja's own static files, never a CDN)."""

from ninja import NinjaAPI, Router
from ninja.openapi.docs import Swagger

from webapp.api import catalogue, downloads, jobs, points, problems
from webapp.api.auth import TokenAuth
from webapp.api.problems import ProblemOut

api = NinjaAPI(
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
