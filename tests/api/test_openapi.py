"""The OpenAPI document tells the truth: every error a route answers is documented with the body
it sends, configured vocabularies are enums, 405 names every method of the path."""

from __future__ import annotations

import copy
import re

import pytest
from fastapi.testclient import TestClient

from gridmap import catalog
from gridmap.api import tiles
from gridmap.api.errors import ErrorBody
from gridmap.api.main import create_app
from gridmap.core.settings import Settings
from gridmap.db import cql2
from gridmap.db.features import CRSES, parse_crs

ERROR_BODY = "#/components/schemas/ErrorBody"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def document(app) -> dict:
    return app.openapi()


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _schema_of(answer: dict) -> dict:
    return answer.get("content", {}).get("application/json", {}).get("schema", {})


def test_every_error_is_documented_with_the_body_sent(document: dict) -> None:
    for path, method, operation in _operations(document):
        for status, answer in operation["responses"].items():
            if not status.isdigit() or int(status) < 400:
                continue
            schema = _schema_of(answer)
            if path == "/health":
                continue  # 503 answers the health document itself
            if path.startswith("/open311/") and status not in ("413", "503"):
                # GeoReport v2's own errors: a list of {code, description}
                assert schema["type"] == "array", (method, path, status)
                assert schema["items"]["$ref"].endswith("/Open311Error"), (method, path)
            elif not path.startswith(("/ogc", "/tiles", "/public/tiles")):
                assert schema.get("$ref") == ERROR_BODY, (method, path, status, answer)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["ErrorBody"]["required"]) == {"status", "detail"}


def test_constraints_are_json_schema_keywords(document: dict) -> None:
    # pydantic writes a constraint it cannot place (beside a validator) under its own name
    found = []

    def walk(node, where: str) -> None:
        if isinstance(node, dict):
            found.extend(f"{where}/{k}" for k in ("ge", "gt", "le", "lt") if k in node)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    walk(document, "")
    assert not found


def test_what_every_route_of_a_kind_answers_is_documented(document: dict) -> None:
    for path, method, operation in _operations(document):
        answers = operation["responses"]
        signed_in = bool(operation.get("security"))
        if signed_in:
            assert "401" in answers, (method, path)
        if signed_in and method != "get":
            assert "403" in answers, (method, path)  # a page's write without its CSRF token
        if "requestBody" in operation:
            assert "413" in answers, (method, path)
        if path.startswith("/open311/"):
            assert "422" not in answers, (method, path)  # schema errors are its 400
        assert "503" in answers, (method, path)  # the database down or a statement too long


def test_routes_document_their_own_refusals(document: dict) -> None:
    paths = document["paths"]
    assert {"400", "403", "404"} <= set(paths["/api/v1/regions/{code}"]["get"]["responses"])
    assert {"400", "404", "409"} <= set(
        paths["/api/v1/events/{event_id}/transitions"]["post"]["responses"]
    )
    assert "409" in paths["/api/v1/grids/{code}/split"]["post"]["responses"]
    assert "404" in paths["/api/v1/cameras/{camera_id}"]["delete"]["responses"]
    login = paths["/api/v1/auth/login"]["post"]["responses"]
    assert "303" in login and "307" not in login


def test_answers_name_their_content_types(document: dict) -> None:
    paths = document["paths"]

    def types(path: str, status: str = "200") -> set[str]:
        return set(paths[path]["get"]["responses"][status]["content"])

    assert types("/api/v1/grids") == {"application/geo+json"}
    assert types("/api/v1/grids/{code}") == {"application/geo+json"}
    assert types("/api/v1/cameras/blind-spots") == {"application/geo+json"}
    assert {"text/csv", "application/geopackage+sqlite3"} <= types("/api/v1/grids/export")
    assert {"application/json", "text/csv"} <= types("/api/v1/events/kpis")


def test_configured_vocabularies_are_enums(document: dict, settings: Settings) -> None:
    body = document["components"]["schemas"]["ReportBody"]["properties"]
    assert body["channel"]["enum"] == list(settings.events.channels)
    assert body["category"]["enum"] == list(settings.events.categories)
    purpose = document["components"]["schemas"]["DrawBody"]["properties"]["purpose"]
    assert purpose["enum"] == [*settings.grid.dedicated_purposes, None]  # null: none
    listed = {
        p["name"]: p["schema"] for p in document["paths"]["/api/v1/events"]["get"]["parameters"]
    }
    states = listed["state"]["pattern"]
    assert re.fullmatch(states, "reported, closed") and re.fullmatch(states, "")
    assert not re.fullmatch(states, "reported,nope")
    assert listed["grid"]["pattern"].startswith("^") and "x-vocabulary" not in repr(document)


def test_each_app_documents_its_own_configuration(settings: Settings) -> None:
    other = copy.copy(settings)
    other.events = settings.events.model_copy(update={"channels": {"walk_in": "来访"}})
    document = create_app(other).openapi()
    channel = document["components"]["schemas"]["ReportBody"]["properties"]["channel"]
    assert channel["enum"] == ["walk_in"]


def test_405_names_every_method_of_the_path(client: TestClient) -> None:
    # GET lists the grids (grids router), POST draws one (grid editing router)
    refused = client.put("/api/v1/grids")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, POST"
    assert ErrorBody.model_validate(refused.json()).status == 405
    assert client.request("TRACE", "/api/v1/grids/361126109001").headers["allow"] == (
        "GET, PATCH, DELETE"
    )
    # a literal path beside a parameter's: PATCH /cameras/plans is no camera's id
    plans = client.patch("/api/v1/cameras/plans")
    assert plans.status_code == 405 and plans.headers["allow"] == "POST"
    static = client.post("/static/favicon.svg")
    assert static.status_code == 405 and static.headers["allow"] == "GET, HEAD"


def test_error_bodies_are_the_documented_ones(
    client: TestClient, api: TestClient, document: dict
) -> None:
    cases = [
        (client.get("/api/v1/grids"), "/api/v1/grids", "get"),
        (api.get("/api/v1/grids/361126109999"), "/api/v1/grids/{code}", "get"),
        (api.get("/api/v1/regions/361126999000"), "/api/v1/regions/{code}", "get"),
        (api.get("/api/v1/events?limit=0"), "/api/v1/events", "get"),
        # a value PostgreSQL cannot take is the client's error, said in words
        (api.get("/api/v1/audit", params={"action": "log\x00in"}), "/api/v1/audit", "get"),
        (
            api.post("/api/v1/events/1/transitions", json={}),
            "/api/v1/events/{event_id}/transitions",
            "post",
        ),
    ]
    for response, path, method in cases:
        status = str(response.status_code)
        assert status in document["paths"][path][method]["responses"], (path, response.text)
        body = ErrorBody.model_validate(response.json())
        assert body.status == response.status_code and body.detail
        assert response.status_code < 500 and "SELECT" not in body.detail


def test_open311_errors_stay_the_standards(client: TestClient) -> None:
    bad = client.get("/open311/v2/requests/1/media/photo.json")
    assert bad.status_code == 400
    assert bad.json()[0]["code"] == 400 and "photo_id" in bad.json()[0]["description"]


def _parameters(document: dict, path: str, method: str = "get") -> dict[str, dict]:
    return {p["name"]: p["schema"] for p in document["paths"][path][method]["parameters"]}


def test_bbox_and_pages_say_their_limits(document: dict, settings: Settings) -> None:
    listed = _parameters(document, "/api/v1/events")
    bbox = listed["bbox"]["pattern"]
    for box in ("117.2,28.1,117.6,28.8", "-180,-90,180,90", "0,0.5,179.999,90.0"):
        assert re.fullmatch(bbox, box), box
    for box in ("180.5,0,181,1", "0,-91,1,1", "1e2,0,1,1", "1,2,3", " 1,2,3,4", ""):
        assert not re.fullmatch(bbox, box), box
    assert listed["limit"]["maximum"] == settings.server.api_page_limit
    assert listed["offset"] == {**listed["offset"], "minimum": 0, "maximum": 2**31 - 1}


def test_codes_in_paths_and_queries_have_their_patterns(document: dict) -> None:
    grid = _parameters(document, "/api/v1/grids/{code}")["code"]["pattern"]
    assert re.fullmatch(grid, "361126109001001") and re.fullmatch(grid, "36112610900100101")
    # micro-grids are cut from a grid, never from a micro-grid
    whole = _parameters(document, "/api/v1/grids/{code}/micro", "post")["code"]["pattern"]
    assert re.fullmatch(whole, "361126109001001")
    assert not re.fullmatch(whole, "36112610900100101")
    region = _parameters(document, "/api/v1/regions/{code}")["code"]["pattern"]
    assert re.fullmatch(region, "361126109000") and not re.fullmatch(region, "361126109")


def test_tiles_say_their_layers_and_matrix(document: dict) -> None:
    staff = _parameters(document, "/tiles/{layer}/{z}/{x}/{y}.mvt")
    public = _parameters(document, "/public/tiles/{layer}/{z}/{x}/{y}.mvt")
    assert staff["layer"]["enum"] == catalog.tile_layers()
    assert public["layer"]["enum"] == catalog.tile_layers(public=True)
    assert set(public["layer"]["enum"]) < set(staff["layer"]["enum"])
    assert (staff["z"]["minimum"], staff["z"]["maximum"]) == (0, tiles.MAX_ZOOM)
    assert staff["x"]["maximum"] == staff["y"]["maximum"] == 2**tiles.MAX_ZOOM - 1
    heatmap = _parameters(document, "/api/v1/analytics/heatmap/{z}/{x}/{y}.png")
    assert heatmap["z"]["maximum"] == tiles.MAX_ZOOM
    for path in ("/tiles/{layer}.json", "/tiles/{layer}/{z}/{x}/{y}.mvt"):
        assert "400" in document["paths"][path]["get"]["responses"], path  # department, tile


def test_ogc_crs_parameters_say_the_crs_served(document: dict) -> None:
    listed = _parameters(document, "/ogc/collections/{collection_id}/items")
    assert listed["filter-lang"]["enum"] == list(cql2.LANGUAGES)
    for name in ("crs", "bbox-crs", "filter-crs"):
        pattern = listed[name]["pattern"]
        named = [*CRSES, "EPSG:4490", "[EPSG:3857]", "urn:ogc:def:crs:EPSG::4326", "CRS84"]
        for crs in named:
            assert re.fullmatch(pattern, crs), (name, crs)
            assert parse_crs(crs, name) is not None  # what the schema says, the parser takes
        for crs in ("", "EPSG:9999", "http://www.opengis.net/def/crs/EPSG/0/2000"):
            assert not re.fullmatch(pattern, crs), (name, crs)


def test_a_moment_too_early_for_its_window_is_a_documented_400(
    api: TestClient, document: dict
) -> None:
    # the risk window would start before year 1: said in words, never a 500
    early = api.get("/api/v1/analytics/risk", params={"at": "0001-01-04T00:00:00Z"})
    assert early.status_code == 400 and early.json()["field"] == "at"
    assert "risk window" in ErrorBody.model_validate(early.json()).detail
    assert "400" in document["paths"]["/api/v1/analytics/risk"]["get"]["responses"]


def test_what_a_change_cannot_clear_is_never_null(
    api: TestClient, document: dict, settings: Settings
) -> None:
    change = document["components"]["schemas"]["CameraChange"]["properties"]
    assert change["status"] == {**change["status"], "type": "string"}
    assert change["status"]["enum"] == list(settings.cameras.statuses)
    assert change["planned"]["type"] == "boolean" and "default" not in change["planned"]
    camera_id = api.get("/api/v1/cameras", params={"limit": 1}).json()["cameras"][0]["id"]
    refused = api.patch(f"/api/v1/cameras/{camera_id}", json={"planned": None})
    assert refused.status_code == 422 and refused.json()["field"] == "planned"
