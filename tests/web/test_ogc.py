"""OGC API – Features read by GDAL's OAPIF driver (through pyogrio), as a GIS client would."""

import json
import os
import subprocess
import sys

from fastapi.testclient import TestClient

from tests.conftest import TOWNSHIP_A

READ = """
import json, sys, pyogrio
source = "OAPIF:" + sys.argv[1]
layers = [str(name) for name, _ in pyogrio.list_layers(source)]
frame = pyogrio.read_dataframe(source, layer="grids")
print(json.dumps({"layers": layers, "codes": frame["code"].tolist(), "epsg": frame.crs.to_epsg(),
                  "types": sorted(set(frame.geometry.geom_type))}))
"""


def test_gdal_reads_the_grids_collection(live_server: str, token_of) -> None:
    """GDAL in its own process (as a client is), sending the bearer token on every request."""
    env = {**os.environ, "GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": token_of("town_a")}
    done = subprocess.run(
        [sys.executable, "-c", READ, f"{live_server}/ogc"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {"grids", "regions"} <= set(result["layers"])
    assert len(result["codes"]) > 5 and result["epsg"] == 4326
    assert all(code.startswith(TOWNSHIP_A[:9]) for code in result["codes"])  # their township only
    assert set(result["types"]) <= {"MultiPolygon", "Polygon"}


def test_ogc_documents(api: TestClient, client: TestClient) -> None:
    landing = api.get("/ogc").json()
    assert {link["rel"] for link in landing["links"]} >= {"conformance", "data", "service-desc"}
    assert any("geojson" in c for c in api.get("/ogc/conformance").json()["conformsTo"])
    collections = api.get("/ogc/collections").json()["collections"]
    ids = {c["id"] for c in collections}
    assert ids == {"grids", "regions", "events", "cameras", "camera_sectors"}
    page = api.get("/ogc/collections/grids/items", params={"limit": 5}).json()
    assert page["numberReturned"] == 5 and any(link["rel"] == "next" for link in page["links"])
    one = api.get(f"/ogc/collections/grids/items/{page['features'][0]['id']}")
    assert one.status_code == 200 and one.headers["content-type"].startswith("application/geo+json")
    assert api.get("/ogc/collections/nothing/items").status_code == 404
    assert client.get("/ogc").status_code == 401


def test_system_ogrinfo_signs_in_with_an_api_key(live_server: str, as_user) -> None:
    """Debian's own GDAL 3.6 (no bearer support): a personal API key as the password of HTTP
    Basic (the OAPIF driver's USERPWD) or as a raw header (GDAL_HTTP_HEADERS)."""
    town_a = as_user("town_a")
    key = town_a.post("/api/v1/auth/api-keys", json={"name": "ogrinfo"}).json()["key"]
    seen = town_a.get("/ogc/collections/grids/items", params={"limit": 1}).json()["numberMatched"]
    ways = (
        (["-oo", f"USERPWD=town_a:{key}"], {}),
        ([], {"GDAL_HTTP_HEADERS": f"X-API-Key: {key}"}),
    )
    for options, env in ways:
        done = subprocess.run(
            ["/usr/bin/ogrinfo", "-ro", "-so", *options, f"OAPIF:{live_server}/ogc", "grids"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "Layer name: grids" in done.stdout
        assert f"Feature Count: {seen}" in done.stdout, done.stdout
    refused = subprocess.run(
        [
            "/usr/bin/ogrinfo",
            "-ro",
            "-so",
            "-oo",
            "USERPWD=town_a:gmk_wrong",
            f"OAPIF:{live_server}/ogc",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
