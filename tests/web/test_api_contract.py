"""The API's contract: every JSON route declares its response model and uses the typed
dependencies; the app is built from direct imports (a broken router is an error)."""

from __future__ import annotations

from fastapi.routing import APIRoute

from qingshan.web.app import API_ROUTERS

FILE_ROUTES = {("GET", "/api/ledgers/export"), ("GET", "/api/ledgers/{item_id}/attachments/{attachment_id}"),
               ("GET", "/api/landwaste/ponds/{code}/files/{file_id}"),
               ("GET", "/api/targets/export/{year}"), ("GET", "/api/bulletins/{kind}/{month}/document.{fmt}")}


def _api_routes():
    for router in API_ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in route.methods:
                    yield method, route.path, route


def test_every_json_route_declares_a_response_model():
    missing = [(m, p) for m, p, r in _api_routes() if (m, p) not in FILE_ROUTES and r.response_model is None]
    assert not missing, missing
    assert {(m, p) for m, p, _ in _api_routes()} >= FILE_ROUTES


def test_openapi_documents_the_response_models(app):
    from fastapi.testclient import TestClient

    spec = TestClient(app).get("/openapi.json").json()
    item = spec["paths"]["/api/ledgers/{item_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert item["$ref"].endswith("/ItemDetailOut")
    assert "ComplaintStatus" in spec["components"]["schemas"]
    status = spec["components"]["schemas"]["ComplaintStatus"]["properties"]
    assert not {"content", "location", "contact_name", "contact_phone"} & set(status)  # never personal data
