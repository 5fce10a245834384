from fastapi.testclient import TestClient


def test_health_reports_postgis_database_and_migration(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")
    assert body["database"] == "embedded"
    assert body["migration"]["current"] == body["migration"]["head"]


def test_openapi_and_docs_are_public(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/grids" in spec["paths"]
    assert "/tiles/{layer}/{z}/{x}/{y}.mvt" in spec["paths"]
    assert client.get("/docs").status_code == 200
