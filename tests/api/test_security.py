"""HTTP hardening: headers, CORS closed by default, size limits, error bodies in words."""

import copy

from fastapi.testclient import TestClient

from gridmap.api.main import create_app
from gridmap.core.settings import Settings


def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for url in ("/", "/health", "/public/grids?limit=1", "/api/v1/grids"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
        assert "unsafe-eval" not in csp and "http" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_cors_is_closed_unless_configured(client: TestClient, settings: Settings) -> None:
    preflight = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"}
    closed = client.options("/public/grids", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    opened = copy.copy(settings)
    opened.security = settings.security.model_copy(
        update={"cors_origins": ["https://elsewhere.example"]}
    )
    with TestClient(create_app(opened)) as other:
        allowed = other.options("/public/grids", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "https://elsewhere.example"


def test_large_bodies_are_refused_with_413(client: TestClient, settings: Settings) -> None:
    big = b"x" * (settings.security.max_request_bytes + 1)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post("/api/v1/auth/token", content=big, headers=form)
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]


def test_error_bodies_are_words_not_traces(client: TestClient, api: TestClient) -> None:
    for response in (
        api.get("/api/v1/grids?bbox=1,2"),
        api.get("/api/v1/grids/not-a-code"),
        api.get("/tiles/grids/99/0/0.mvt"),
        client.get("/api/v1/grids"),
        client.post("/api/v1/auth/token", data={"username": "x"}),
        client.get("/nothing-here"),
    ):
        body = response.json()
        assert 400 <= response.status_code < 500 and body["detail"], response.text
        assert "Traceback" not in response.text and "SELECT" not in response.text
