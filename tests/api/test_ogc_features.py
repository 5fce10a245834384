"""OGC API – Features as desktop and web GIS clients use it: every catalogue layer a collection,
queryables, CQL2 filters (text and JSON), sortby, properties, and CRSs (CGCS2000, Web Mercator)
with their axis order; each answer checked against an independent SQL query."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from gridmap import catalog
from gridmap.api import ogc
from gridmap.db import features
from gridmap.db.engine import engine_for
from tests.conftest import PASSWORD, TOWNSHIP_A, TOWNSHIP_B

A, B = TOWNSHIP_A[:9], TOWNSHIP_B[:9]
LOCATED = ("buildings", "places", "things", "organisations")
CGCS2000 = "http://www.opengis.net/def/crs/EPSG/0/4490"
MERCATOR = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@pytest.fixture(scope="module")
def villages(database: str, settings) -> Iterator[dict[str, int]]:
    """A natural village in township A and one in B (committed, removed afterwards), and an
    engineer of township A (engineers read natural villages)."""
    from gridmap.services import accounts

    with engine_for(settings, database).begin() as conn:
        ids = {}
        for town in (TOWNSHIP_A, TOWNSHIP_B):
            ids[town] = conn.execute(
                text(
                    "INSERT INTO natural_villages (code, name, region_code, geom)"
                    " SELECT 'NV-OGC-' || :t, '测试自然村', :t, ST_PointOnSurface(boundary)"
                    " FROM grids WHERE region_code = :t ORDER BY code LIMIT 1 RETURNING id"
                ),
                {"t": town},
            ).scalar_one()
        known = conn.execute(text("SELECT 1 FROM users WHERE username = 'ogc_engineer_a'"))
        if known.first() is None:
            accounts.add_user(conn, settings, "ogc_engineer_a", "engineer", TOWNSHIP_A, PASSWORD)
    yield ids
    with engine_for(settings, database).begin() as conn:
        conn.execute(text("DELETE FROM natural_villages WHERE code LIKE 'NV-OGC-%'"))


def _all(client: TestClient, name: str, **params) -> dict:
    """Every page of a collection's items (1,000 a page), merged into the first."""
    merged: dict = {}
    offset = 0
    while True:
        response = client.get(
            f"/ogc/collections/{name}/items", params={"limit": 1000, "offset": offset, **params}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        if merged:
            merged["features"] += page["features"]
        else:
            merged = page
        if not any(link["rel"] == "next" for link in page["links"]):
            return merged
        offset += 1000


def _ids(client: TestClient, name: str, **params) -> set:
    return {f["id"] for f in _all(client, name, **params)["features"]}


def _sql_ids(conn: Connection, query: str, **params) -> set:
    return set(conn.execute(text(query), params).scalars())


# -- collections ----------------------------------------------------------------------------


def test_every_layer_with_a_collection_is_served_with_its_crs_and_links(api) -> None:
    collections = api.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == list(catalog.collections())
    assert {"buildings", "places", "things", "organisations", "natural_villages"} <= {
        c["id"] for c in collections
    }
    for described in collections:
        assert described["crs"][0] == CRS84 and {CGCS2000, MERCATOR} <= set(described["crs"])
        assert described["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/4326"
        rels = {link["rel"]: link for link in described["links"]}
        assert rels["items"]["type"] == "application/geo+json"
        assert rels[ogc.QUERYABLES]["href"].endswith(
            f"/ogc/collections/{described['id']}/queryables"
        )
    conformance = set(api.get("/ogc/conformance").json()["conformsTo"])
    assert {
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    } <= conformance
    # residents are personal data: never a collection
    assert api.get("/ogc/collections/residents/items").status_code == 404


def test_new_collections_hold_the_callers_scope_only(as_user, conn: Connection, villages) -> None:
    town_a = as_user("town_a")
    for name in LOCATED:
        page = _all(town_a, name)
        expected = _sql_ids(conn, f"SELECT id FROM {name} WHERE grid_code LIKE :p || '%'", p=A)
        assert expected and {f["id"] for f in page["features"]} == expected, name
        assert page["numberMatched"] == len(expected)
        declared = set(catalog.collection(name).features.by_name)
        assert all(set(f["properties"]) == declared for f in page["features"]), name
        other = min(_sql_ids(conn, f"SELECT id FROM {name} WHERE grid_code LIKE :p || '%'", p=B))
        assert town_a.get(f"/ogc/collections/{name}/items/{other}").status_code == 404
        one = town_a.get(f"/ogc/collections/{name}/items/{min(expected)}")
        assert one.status_code == 200 and one.json()["geometry"]["type"] in (
            "Point",
            "MultiPolygon",
        )
    engineer = as_user("ogc_engineer_a")
    assert _ids(engineer, "natural_villages") == {villages[TOWNSHIP_A]}
    assert _ids(as_user("engineer"), "natural_villages") >= set(villages.values())
    # a dispatcher has no camera rights: the camera collections are not theirs to list or read
    listed = {c["id"] for c in town_a.get("/ogc/collections").json()["collections"]}
    assert listed == {"grids", "regions", "source_grids", "events", *LOCATED}
    refused = town_a.get("/ogc/collections/natural_villages/items")
    assert refused.status_code == 403 and refused.json()["detail"].endswith("(cameras:read)")


def test_large_layers_extents_are_estimated_within_the_callers_grids(as_user, monkeypatch) -> None:
    """Above ``ESTIMATE_ABOVE`` rows a located layer's extent is PostGIS's estimate cut to the
    box of the grids the caller sees: nothing of it lies outside their jurisdiction."""
    town_a = as_user("town_a")

    def extents() -> dict[str, list[float]]:
        described = town_a.get("/ogc/collections").json()["collections"]
        boxes = {c["id"]: c["extent"]["spatial"]["bbox"] for c in described}
        return {name: box[0] for name, box in boxes.items() if box}

    scanned = extents()
    monkeypatch.setattr(features, "ESTIMATE_ABOVE", 0)
    estimated = extents()
    assert estimated["grids"] == scanned["grids"]  # the grids themselves: scanned
    x1, y1, x2, y2 = estimated["events"]
    g1, h1, g2, h2 = scanned["grids"]
    assert g1 <= x1 < x2 <= g2 and h1 <= y1 < y2 <= h2
    e1, f1, e2, f2 = scanned["events"]  # the events' exact box overlaps the estimate
    assert x1 < e2 and e1 < x2 and y1 < f2 and f1 < y2


def _api_events(client: TestClient) -> set[int]:
    """The ids of every event ``GET /api/v1/events`` lists to the caller."""
    seen: set[int] = set()
    while True:
        page = client.get("/api/v1/events", params={"limit": 500, "offset": len(seen)}).json()
        seen |= {event["id"] for event in page["events"]}
        if len(page["events"]) < 500:
            return seen


def test_events_and_cameras_are_scoped_as_the_rest_of_the_api(
    as_user, conn: Connection, villages
) -> None:
    """A township's dispatcher and a department's staff see the located events the events API
    lists to them, and nothing about who reported them; an engineer the cameras of their
    township."""
    located = _sql_ids(conn, "SELECT id FROM events WHERE pt IS NOT NULL")
    for username in ("town_a", "dept_cg"):
        user = as_user(username)
        page = _all(user, "events")
        assert {f["id"] for f in page["features"]} == _api_events(user) & located, username
        named = {name for f in page["features"] for name in f["properties"]}
        assert not {n for n in named if n.startswith("reporter") or n in ("description", "address")}
    engineer = as_user("ogc_engineer_a")
    cameras = _all(engineer, "cameras")["features"]
    assert {f["id"] for f in cameras} == _sql_ids(
        conn, "SELECT id FROM cameras WHERE pt IS NOT NULL AND region_code LIKE :p || '%'", p=A
    )
    assert cameras and {f["id"] for f in _all(engineer, "camera_sectors")["features"]} <= {
        f["id"] for f in cameras
    }


def test_queryables_list_the_declared_properties(api) -> None:
    response = api.get("/ogc/collections/grids/queryables")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    schema = response.json()
    assert schema["$id"].endswith("/ogc/collections/grids/queryables")
    properties = schema["properties"]
    assert properties["geometry"]["format"] == "geometry-multipolygon"
    assert properties["code"]["type"] == "string" and properties["code"]["description"]
    assert properties["area_km2"]["type"] == "number"
    assert properties["updated_at"] == {**properties["updated_at"], "format": "date-time"}
    assert set(properties) == {"geometry", *catalog.collection("grids").features.by_name}
    buildings = api.get("/ogc/collections/buildings/queryables").json()["properties"]
    assert buildings["floors"]["type"] == "integer" and "household_no" not in buildings
    assert api.get("/ogc/collections/nothing/queryables").status_code == 404


# -- CQL2 -----------------------------------------------------------------------------------


def _a_grid_box(conn: Connection) -> tuple[str, dict]:
    """A polygon (WKT, lon/lat) over part of township A: the box of its first grid."""
    minx, miny, maxx, maxy = conn.execute(
        text(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT"
            " ST_Extent(boundary) AS b FROM grids WHERE code = (SELECT min(code) FROM grids"
            " WHERE code LIKE :p || '%')) t"
        ),
        {"p": A},
    ).one()
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
    return wkt, {"type": "Polygon", "coordinates": [ring]}


def test_cql2_text_and_json_give_what_sql_gives(as_user, conn: Connection) -> None:
    town_a = as_user("town_a")
    wkt, polygon = _a_grid_box(conn)
    in_a = "grid_code LIKE :p || '%'"
    cases = [
        (
            "floors >= 3",
            {"op": ">=", "args": [{"property": "floors"}, 3]},
            f"SELECT id FROM buildings WHERE {in_a} AND floors >= 3",
        ),
        (
            "address LIKE '%村%'",
            {"op": "like", "args": [{"property": "address"}, "%村%"]},
            f"SELECT id FROM buildings WHERE {in_a} AND address LIKE '%村%'",
        ),
        (
            "use IN ('commercial', 'industrial')",
            {"op": "in", "args": [{"property": "use"}, ["commercial", "industrial"]]},
            f"SELECT id FROM buildings WHERE {in_a} AND use IN ('commercial', 'industrial')",
        ),
        (
            f"S_INTERSECTS(geometry, {wkt})",
            {"op": "s_intersects", "args": [{"property": "geometry"}, polygon]},
            f"SELECT id FROM buildings WHERE {in_a}"
            " AND ST_Intersects(coalesce(footprint, pt), ST_GeomFromText(:wkt, 4326))",
        ),
        (
            f"(floors BETWEEN 2 AND 3 OR use = 'commercial') AND NOT S_INTERSECTS(geometry, {wkt})",
            {
                "op": "and",
                "args": [
                    {
                        "op": "or",
                        "args": [
                            {"op": "between", "args": [{"property": "floors"}, [2, 3]]},
                            {"op": "=", "args": [{"property": "use"}, "commercial"]},
                        ],
                    },
                    {
                        "op": "not",
                        "args": [
                            {"op": "s_intersects", "args": [{"property": "geometry"}, polygon]}
                        ],
                    },
                ],
            },
            f"SELECT id FROM buildings WHERE {in_a} AND (floors BETWEEN 2 AND 3 OR"
            " use = 'commercial')"
            " AND NOT ST_Intersects(coalesce(footprint, pt), ST_GeomFromText(:wkt, 4326))",
        ),
        (
            "name IS NULL OR CASEI(address) LIKE CASEI('%路%')",
            {
                "op": "or",
                "args": [
                    {"op": "isNull", "args": [{"property": "name"}]},
                    {
                        "op": "like",
                        "args": [{"op": "casei", "args": [{"property": "address"}]}, "%路%"],
                    },
                ],
            },
            f"SELECT id FROM buildings WHERE {in_a} AND (name IS NULL OR address ILIKE '%路%')",
        ),
    ]
    for text_filter, json_filter, query in cases:
        expected = _sql_ids(conn, query, p=A, wkt=wkt)
        assert expected, text_filter
        as_text = _all(town_a, "buildings", filter=text_filter)
        assert {f["id"] for f in as_text["features"]} == expected, text_filter
        assert as_text["numberMatched"] == len(expected)
        as_json = _ids(
            town_a, "buildings", **{"filter": json.dumps(json_filter), "filter-lang": "cql2-json"}
        )
        assert as_json == expected, json_filter
    # the spatial filter on polygons: grids of township A crossing the box
    grids = _ids(town_a, "grids", filter=f"S_INTERSECTS(geometry, {wkt}) AND kind = 'ordinary'")
    assert grids == _sql_ids(
        conn,
        "SELECT code FROM grids WHERE code LIKE :p || '%'"
        " AND ST_Intersects(boundary, ST_GeomFromText(:wkt, 4326))",
        p=A,
        wkt=wkt,
    )
    # temporal: events of township A reported in a period
    since = conn.execute(
        text("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY reported_at) FROM events")
    ).scalar_one()
    stamp = since.isoformat().replace("+00:00", "Z")
    recent = _ids(town_a, "events", filter=f"reported_at >= TIMESTAMP('{stamp}')")
    assert recent == _sql_ids(
        conn,
        "SELECT id FROM events WHERE pt IS NOT NULL AND grid_code LIKE :p || '%'"
        " AND reported_at >= :t",
        p=A,
        t=since,
    )


def test_temporal_predicates_as_cql2_writes_them(api, conn: Connection) -> None:
    """``T_…(property, literal)`` (pygeofilter 0.4 reads only the infix form), open intervals,
    and a date meaning its whole day."""
    day = conn.execute(
        text(
            "SELECT (percentile_disc(0.5) WITHIN GROUP (ORDER BY reported_at)"
            " AT TIME ZONE current_setting('TimeZone'))::date FROM events"
        )
    ).scalar_one()
    located = "SELECT id FROM events WHERE pt IS NOT NULL AND "
    cases = {
        f"T_INTERSECTS(reported_at, INTERVAL('{day}', '..'))": "reported_at >= :d",
        f"T_DURING(reported_at, INTERVAL('..', '{day}'))": "reported_at < :d + 1",
        f"T_EQUALS(reported_at, DATE('{day}'))": "reported_at >= :d AND reported_at < :d + 1",
        f"T_AFTER(reported_at, DATE('{day}'))": "reported_at >= :d + 1",
        f"reported_at T_BEFORE DATE('{day}')": "reported_at < :d",
        f"T_BEFORE(reported_at, INTERVAL('..', '{day}'))": "false",
    }
    for cql, condition in cases.items():
        expected = _sql_ids(conn, located + condition, d=day)
        assert _ids(api, "events", filter=cql) == expected, cql
    refused = api.get(
        "/ogc/collections/events/items",
        params={"filter": f"T_MEETS(reported_at, INTERVAL('{day}', '..'))"},
    ).json()
    assert refused["position"] == 0
    assert refused["detail"].startswith("filter at position 0: T_MEETS is not supported")


def test_bad_filters_answer_400_naming_position_and_reason(api) -> None:
    url = "/ogc/collections/buildings/items"
    broken = api.get(url, params={"filter": "floors >= 3 AND"})
    body = broken.json()
    assert broken.status_code == 400 and body["status"] == 400 and body["field"] == "filter"
    assert body["position"] == len("floors >= 3 AND")
    assert "at the end of the filter" in body["detail"] and "expected one of" in body["detail"]
    stray = api.get(url, params={"filter": "floors >= 3 && use = 'x'"}).json()
    assert stray["position"] == 12 and "&& use" in stray["detail"]
    unknown = api.get(url, params={"filter": "floors > 2 AND household_no = '1'"})
    assert unknown.status_code == 400
    assert unknown.json()["detail"].startswith(
        "filter at position 15: unknown property 'household_no'"
    )
    as_json = api.get(
        url,
        params={
            "filter": '{"op": "=", "args": [{"property": "resident"}, 1]}',
            "filter-lang": "cql2-json",
        },
    ).json()
    assert "unknown property 'resident'" in as_json["detail"] and as_json["position"] == 35
    not_json = api.get(url, params={"filter": "{op", "filter-lang": "cql2-json"}).json()
    assert not_json["position"] == 1 and "not JSON" in not_json["detail"]
    mismatch = api.get(url, params={"filter": "floors = 'three'"}).json()
    assert "'floors' is a number and cannot be compared with text" in mismatch["detail"]
    wrong_order = api.get(url, params={"filter": "S_INTERSECTS(geometry, POINT(28.4 117.1))"})
    assert wrong_order.status_code == 400 and "outside" in wrong_order.json()["detail"]
    language = api.get(url, params={"filter": "floors = 1", "filter-lang": "ecql"}).json()
    assert language["field"] == "filter-lang" and "cql2-text, cql2-json" in language["detail"]


# -- sortby and properties ------------------------------------------------------------------


def test_sortby_and_properties(api) -> None:
    page = api.get(
        "/ogc/collections/grids/items",
        params={"sortby": "-area_km2,name", "properties": "code,area_km2", "limit": 50},
    ).json()
    areas = [f["properties"]["area_km2"] for f in page["features"]]
    assert areas == sorted(areas, reverse=True) and len(areas) == 50
    assert all(set(f["properties"]) == {"code", "area_km2"} for f in page["features"])
    ascending = api.get(
        "/ogc/collections/buildings/items", params={"sortby": "+floors", "limit": 200}
    ).json()
    floors = [f["properties"]["floors"] for f in ascending["features"]]
    assert floors == sorted(floors, key=lambda n: (n is not None, n))
    one = api.get("/ogc/collections/grids/items/361126109000001", params={"properties": "name"})
    assert set(one.json()["properties"]) == {"name"}
    bare = api.get("/ogc/collections/grids/items", params={"properties": "", "limit": 2}).json()
    assert [f["properties"] for f in bare["features"]] == [{}, {}]
    refused = api.get("/ogc/collections/grids/items", params={"sortby": "population"}).json()
    assert refused["field"] == "sortby" and "'population' is not a property" in refused["detail"]
    refused = api.get("/ogc/collections/grids/items", params={"properties": "code,owner"}).json()
    assert refused["field"] == "properties" and "'owner'" in refused["detail"]


def test_number_matched_is_left_out_above_the_cap(api, monkeypatch) -> None:
    monkeypatch.setattr(ogc, "NUMBER_MATCHED_CAP", 100)
    page = api.get("/ogc/collections/buildings/items", params={"limit": 10}).json()
    assert "numberMatched" not in page and any(link["rel"] == "next" for link in page["links"])
    few = api.get("/ogc/collections/buildings/items", params={"filter": "floors >= 20"}).json()
    assert 0 < few["numberMatched"] <= 100


def test_number_matched_on_the_first_and_the_last_page_only(api, conn: Connection) -> None:
    total = conn.execute(text("SELECT count(*) FROM grids")).scalar_one()
    url = "/ogc/collections/grids/items"
    assert api.get(url, params={"limit": 10}).json()["numberMatched"] == total
    middle = api.get(url, params={"limit": 10, "offset": 10}).json()
    assert "numberMatched" not in middle and middle["numberReturned"] == 10
    assert any(link["rel"] == "next" for link in middle["links"])
    last = api.get(url, params={"limit": 10, "offset": total - 3}).json()
    assert last["numberMatched"] == total and last["numberReturned"] == 3
    assert not any(link["rel"] == "next" for link in last["links"])
    beyond = api.get(url, params={"limit": 10, "offset": total + 5}).json()
    assert "numberMatched" not in beyond and beyond["numberReturned"] == 0
    assert not any(link["rel"] == "next" for link in beyond["links"])


# -- CRS ------------------------------------------------------------------------------------


def test_cgcs2000_output_is_latitude_first(api, conn: Connection) -> None:
    code = "361126109000001"
    expected = conn.execute(
        text(
            "SELECT ST_AsGeoJSON(ST_Transform(boundary, 4490), 15)::json FROM grids WHERE code = :c"
        ),
        {"c": code},
    ).scalar_one()["coordinates"][0][0]
    for crs in (CGCS2000, "EPSG:4490"):
        response = api.get(f"/ogc/collections/grids/items/{code}", params={"crs": crs})
        assert response.status_code == 200
        assert response.headers["content-crs"] == f"<{CGCS2000}>"
        ring = response.json()["geometry"]["coordinates"][0][0]
        assert len(ring) == len(expected)
        for (lat, lon), (x, y) in zip(ring, expected, strict=True):
            # (latitude, longitude): EPSG:4490's axis order; 7 decimals (about 1 cm)
            assert abs(lat - round(y, 7)) < 1e-9 and abs(lon - round(x, 7)) < 1e-9
    page = api.get("/ogc/collections/things/items", params={"crs": "EPSG:4490", "limit": 5})
    assert page.headers["content-crs"] == f"<{CGCS2000}>"
    for feature in page.json()["features"]:
        lat, lon = feature["geometry"]["coordinates"]
        assert 27 < lat < 30 and 116 < lon < 119
    default = api.get("/ogc/collections/things/items", params={"limit": 1})
    assert default.headers["content-crs"] == f"<{CRS84}>"
    lon, lat = default.json()["features"][0]["geometry"]["coordinates"]
    assert 116 < lon < 119 and 27 < lat < 30


def test_web_mercator_output_is_in_metres(api, conn: Connection) -> None:
    thing, x, y = conn.execute(
        text(
            "SELECT id, ST_X(ST_Transform(pt, 3857)), ST_Y(ST_Transform(pt, 3857)) FROM things"
            " ORDER BY id LIMIT 1"
        )
    ).one()
    response = api.get(f"/ogc/collections/things/items/{thing}", params={"crs": MERCATOR})
    assert response.headers["content-crs"] == f"<{MERCATOR}>"
    got_x, got_y = response.json()["geometry"]["coordinates"]
    assert abs(got_x - x) < 0.01 and abs(got_y - y) < 0.01 and got_x > 1e7


def test_bbox_and_filter_in_other_crses(api, conn: Connection) -> None:
    minx, miny, maxx, maxy = 117.30, 28.35, 117.42, 28.45
    expected = _sql_ids(
        conn,
        "SELECT id FROM things WHERE pt && ST_MakeEnvelope(:a, :b, :c, :d, 4326)",
        a=minx,
        b=miny,
        c=maxx,
        d=maxy,
    )
    assert expected
    assert _ids(api, "things", bbox=f"{minx},{miny},{maxx},{maxy}") == expected
    # EPSG:4490's axis order: latitude first
    as_cgcs = _ids(api, "things", bbox=f"{miny},{minx},{maxy},{maxx}", **{"bbox-crs": "EPSG:4490"})
    assert as_cgcs == expected
    corners = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Transform("
            "ST_MakeEnvelope(:a, :b, :c, :d, 4326), 3857) AS e) t"
        ),
        {"a": minx, "b": miny, "c": maxx, "d": maxy},
    ).one()
    metres = ",".join(str(v) for v in corners)
    assert _ids(api, "things", bbox=metres, **{"bbox-crs": MERCATOR}) == expected
    lat_lon = (
        f"POLYGON(({miny} {minx}, {miny} {maxx}, {maxy} {maxx}, {maxy} {minx}, {miny} {minx}))"
    )
    in_cgcs = _ids(
        api, "things", filter=f"S_INTERSECTS(geometry, {lat_lon})", **{"filter-crs": CGCS2000}
    )
    assert in_cgcs == expected


def test_unknown_crs_answers_400(api) -> None:
    for field, value in (("crs", "EPSG:2000"), ("bbox-crs", "urn:ogc:def:crs:EPSG::9999")):
        params = {field: value, **({"bbox": "1,2,3,4"} if field == "bbox-crs" else {})}
        response = api.get("/ogc/collections/grids/items", params=params)
        body = response.json()
        assert response.status_code == 400 and body["field"] == field
        assert f"{field} {value!r} is not a CRS this API serves" in body["detail"]
        assert CGCS2000 in body["detail"]
    one = api.get("/ogc/collections/grids/items/361126109000001", params={"crs": "EPSG:3395"})
    assert one.status_code == 400 and one.json()["field"] == "crs"
    bad_box = api.get(
        "/ogc/collections/grids/items", params={"bbox": "117,28,118,29", "bbox-crs": "EPSG:4490"}
    )
    assert bad_box.status_code == 400 and "minLat,minLon,maxLat,maxLon" in bad_box.json()["detail"]


def test_datetime_filters_the_collections_time(api, conn: Connection) -> None:
    middle = conn.execute(
        text("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY reported_at) FROM events")
    ).scalar_one()
    stamp = middle.isoformat()
    since = _all(api, "events", datetime=f"{stamp}/..")
    expected = _sql_ids(
        conn, "SELECT id FROM events WHERE pt IS NOT NULL AND reported_at >= :t", t=middle
    )
    assert {f["id"] for f in since["features"]} == expected and expected
    until = _ids(api, "events", datetime=f"../{stamp}")
    assert until == _sql_ids(
        conn, "SELECT id FROM events WHERE pt IS NOT NULL AND reported_at <= :t", t=middle
    )
    at = _ids(api, "events", datetime=stamp)
    assert at == _sql_ids(
        conn, "SELECT id FROM events WHERE pt IS NOT NULL AND reported_at = :t", t=middle
    )
    refused = api.get("/ogc/collections/buildings/items", params={"datetime": stamp}).json()
    assert refused["field"] == "datetime" and "buildings has no time" in refused["detail"]
    bad = api.get("/ogc/collections/events/items", params={"datetime": "yesterday"}).json()
    assert bad["field"] == "datetime" and "'yesterday' is not an RFC 3339" in bad["detail"]
