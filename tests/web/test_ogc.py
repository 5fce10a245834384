"""OGC API – Features read by GDAL's OAPIF driver (through pyogrio), as a GIS client would."""

import base64
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request

from fastapi.testclient import TestClient

from gridmap import catalog
from tests.conftest import TOWNSHIP_A

READ = """
import json, sys, pyogrio
source = "OAPIF:" + sys.argv[1]
layers = [str(name) for name, _ in pyogrio.list_layers(source)]
frame = pyogrio.read_dataframe(source, layer="grids")
print(json.dumps({"layers": layers, "codes": frame["code"].tolist(), "epsg": frame.crs.to_epsg(),
                  "types": sorted(set(frame.geometry.geom_type)),
                  "bounds": frame.total_bounds.tolist()}))
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
    minx, miny, maxx, maxy = result["bounds"]  # longitude, latitude whatever CRS GDAL asked in
    assert 116 < minx < maxx < 119 and 27 < miny < maxy < 30


def test_ogc_documents(api: TestClient, client: TestClient) -> None:
    landing = api.get("/ogc").json()
    assert {link["rel"] for link in landing["links"]} >= {"conformance", "data", "service-desc"}
    assert any("geojson" in c for c in api.get("/ogc/conformance").json()["conformsTo"])
    collections = api.get("/ogc/collections").json()["collections"]
    ids = {c["id"] for c in collections}
    assert ids == {
        "grids",
        "regions",
        "events",
        "cameras",
        "camera_sectors",
        "natural_villages",
        "buildings",
        "places",
        "things",
        "organisations",
        "source_grids",
    }
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


def _features_per_layer(ogrinfo_output: str) -> dict[str, int]:
    """How many features ogrinfo printed under each layer."""
    layers = re.split(r"^Layer name: ", ogrinfo_output, flags=re.MULTILINE)[1:]
    return {
        block.splitlines()[0].strip(): len(re.findall(r"^OGRFeature\(", block, flags=re.MULTILINE))
        for block in layers
    }


def test_system_ogrinfo_reads_every_collection(live_server: str, as_user) -> None:
    """Debian's GDAL 3.6 reads every feature of every collection, as the county's admin."""
    admin = as_user("county_admin")
    key = admin.post("/api/v1/auth/api-keys", json={"name": "ogrinfo-all"}).json()["key"]
    counts = {
        name: admin.get(f"/ogc/collections/{name}/items", params={"limit": 1}).json()[
            "numberMatched"
        ]
        for name in catalog.collections()
    }
    assert all(counts[name] > 0 for name in ("grids", "buildings", "places", "things"))
    done = subprocess.run(
        [
            "/usr/bin/ogrinfo",
            "-ro",
            "-al",
            "-geom=SUMMARY",
            "-oo",
            "PAGE_SIZE=1000",
            "-oo",
            f"USERPWD=county_admin:{key}",
            f"OAPIF:{live_server}/ogc",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert _features_per_layer(done.stdout) == counts


def test_items_in_cgcs2000_with_a_cql2_filter_over_http(live_server: str, as_user) -> None:
    """What GDAL 3.6 cannot ask for itself, as an outside client asks: a CQL2 text filter and
    CGCS2000 output (latitude first), with an API key over HTTP Basic."""
    town_a = as_user("town_a")
    key = town_a.post("/api/v1/auth/api-keys", json={"name": "cgcs2000"}).json()["key"]
    query = urllib.parse.urlencode(
        {
            "crs": "http://www.opengis.net/def/crs/EPSG/0/4490",
            "filter": "floors >= 3 AND use IN ('rural_house', 'residential')",
            "filter-lang": "cql2-text",
            "limit": 1000,
        }
    )
    request = urllib.request.Request(
        f"{live_server}/ogc/collections/buildings/items?{query}",
        headers={"Authorization": "Basic " + base64.b64encode(f"town_a:{key}".encode()).decode()},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4490>"
        assert response.headers["Content-Type"].startswith("application/geo+json")
        page = json.loads(response.read())
    assert page["numberMatched"] == page["numberReturned"] > 0
    for feature in page["features"]:
        properties = feature["properties"]
        assert properties["floors"] >= 3 and properties["use"] in ("rural_house", "residential")
        assert properties["grid_code"].startswith(TOWNSHIP_A[:9])
        lat, lon = feature["geometry"]["coordinates"]
        assert 27 < lat < 30 and 116 < lon < 119  # latitude first: EPSG:4490's axis order
    crs84 = town_a.get(
        "/ogc/collections/buildings/items",
        params={"filter": "floors >= 3 AND use IN ('rural_house', 'residential')", "limit": 1000},
    ).json()
    assert [f["id"] for f in crs84["features"]] == [f["id"] for f in page["features"]]
    assert [f["geometry"]["coordinates"][::-1] for f in crs84["features"]] == [
        f["geometry"]["coordinates"] for f in page["features"]
    ]


def test_system_ogrinfo_time_filter_is_done_by_the_server(live_server: str, as_user) -> None:
    """GDAL 3.6 turns a comparison of a date-time field into ``datetime=`` and trusts the
    server's answer (it does not filter again): the server must honour it."""
    town_a = as_user("town_a")
    key = town_a.post("/api/v1/auth/api-keys", json={"name": "ogrinfo-time"}).json()["key"]
    events = town_a.get("/ogc/collections/events/items", params={"limit": 1000}).json()
    moments = sorted(f["properties"]["reported_at"] for f in events["features"])
    middle = moments[len(moments) // 2][:19]  # 2025-05-01T08:00:00
    expected = town_a.get(
        "/ogc/collections/events/items", params={"datetime": f"{middle}Z/..", "limit": 1}
    ).json()["numberMatched"]
    assert 0 < expected < len(moments)
    done = subprocess.run(
        [
            "/usr/bin/ogrinfo",
            "-ro",
            "-so",
            "-oo",
            f"USERPWD=town_a:{key}",
            "-oo",
            "PAGE_SIZE=1000",
            "-where",
            f"reported_at >= '{middle.replace('-', '/').replace('T', ' ')}'",
            f"OAPIF:{live_server}/ogc",
            "events",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"Feature Count: {expected}" in done.stdout, done.stdout[-2000:]
