"""The API describes itself: a valid OpenAPI document at /api/v1/schema/ and a reference page
whose scripts and styles come from this site, never a CDN."""

import re

import pytest

pytestmark = pytest.mark.django_db

SCHEMA = "/api/v1/schema/"


def test_the_schema_is_valid_openapi_3(client):
    response = client.get(SCHEMA)
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(schema)


def test_every_operation_is_authenticated_and_documents_its_problems(client):
    schema = client.get(SCHEMA).json()
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    operations = [
        (path, method, op)
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    ]
    assert len(operations) >= 9
    for path, method, op in operations:
        codes = set(op["responses"])
        if path.startswith("/api/v1/files/"):
            assert "security" not in op  # the signed link is the credential
            continue
        assert op["security"] == [{"TokenAuth": []}], (path, method)
        assert {"401", "403"} <= codes, (path, method)
    create = schema["paths"]["/api/v1/jobs"]["post"]
    assert {"201", "402", "403", "409", "422", "429"} <= set(create["responses"])
    body = create["requestBody"]["content"]
    assert "multipart/form-data" in body
    fields = body["multipart/form-data"]["schema"]["properties"]
    assert {"kind", "prompt", "image", "end_image", "source_job", "image_upload"} <= set(fields)
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/JobIn"}
    upload = schema["paths"]["/api/v1/uploads"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "image/jpeg", "image/png", "image/webp"} == set(upload)


def test_the_reference_page_loads_nothing_from_another_site(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert '"validatorUrl": null' in html
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
