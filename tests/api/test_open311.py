"""Open311 GeoReport v2 as a client speaks it: form-encoded reports, services, public requests
and their status, errors in the standard's shape, photos without their location."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import ExifTags, Image
from sqlalchemy import Connection, text

BASE = "/open311/v2"


@pytest.fixture
def place(conn: Connection) -> dict:
    row = conn.execute(
        text(
            "SELECT code, ST_X(ST_PointOnSurface(boundary)) AS lon,"
            " ST_Y(ST_PointOnSurface(boundary)) AS lat FROM grids"
            " WHERE length(code) = 15 ORDER BY code DESC LIMIT 1"
        )
    ).one()
    return {"grid": row.code, "lon": row.lon, "lat": row.lat}


def _photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (28.0, 24.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (117.0, 26.0, 10.0),
    }
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (90, 140, 200)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _gps(data: bytes) -> dict:
    return dict(Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo))


def test_services_are_the_categories(client: TestClient) -> None:
    services = client.get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["exposed_garbage"]["service_name"] == "暴露垃圾"
    assert by_code["exposed_garbage"]["group"] == "城市管理"
    assert all(s["type"] == "realtime" and s["metadata"] is False for s in services)


def test_a_resident_reports_and_follows_the_request(client: TestClient, as_user, place) -> None:
    sent = client.post(
        f"{BASE}/requests.json",
        data={
            "service_code": "road_damage",
            "lat": str(place["lat"]),
            "long": str(place["lon"]),
            "description": "路面塌陷 a hole in the road",
            "first_name": "伟",
            "last_name": "张",
            "phone": "13812345678",
        },
        files={"media": ("hole.jpg", _photo_with_gps(), "image/jpeg")},
    )
    assert sent.status_code == 200, sent.text
    request_id = sent.json()[0]["service_request_id"]
    mine = client.get(f"{BASE}/requests/{request_id}.json").json()[0]
    assert mine["status"] == "open" and mine["service_code"] == "road_damage"
    assert mine["expected_datetime"] and abs(mine["lat"] - place["lat"]) < 1e-9
    assert "13812345678" not in str(mine) and "张伟" not in str(mine)
    media = client.get(mine["media_url"])
    assert media.status_code == 200 and _gps(media.content) == {}
    listed = client.get(f"{BASE}/requests.json", params={"service_code": "road_damage"}).json()
    assert request_id in [r["service_request_id"] for r in listed]
    # the centre sees the report, masked, with the original photo and its location
    staff = as_user("dispatcher").get(f"/api/v1/events/{request_id}").json()
    assert staff["channel"] == "open311" and staff["state"] == "reported"
    assert staff["reporter_contact"] == {"name": "张*", "phone": "138****5678", "masked": True}
    original = as_user("dispatcher").get(staff["attachments"][0]["url"]).content
    assert _gps(original)  # staff keep the evidence
    # the centre rejects it: the resident sees it closed, with the reason's status
    rejected = as_user("dispatcher").post(
        f"/api/v1/events/{request_id}/transitions",
        json={"action": "reject", "reason": "not a public road"},
    )
    assert rejected.status_code == 200, rejected.text
    closed = client.get(f"{BASE}/requests/{request_id}.json").json()[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "不予立案"
    assert closed["expected_datetime"] is None
    only_open = client.get(f"{BASE}/requests.json", params={"status": "open"}).json()
    assert request_id not in [r["service_request_id"] for r in only_open]


def test_staff_reports_are_not_public(client: TestClient, as_user, conn: Connection) -> None:
    spot = conn.execute(
        text(
            "SELECT ST_X(ST_PointOnSurface(g.boundary)), ST_Y(ST_PointOnSurface(g.boundary))"
            " FROM grids g JOIN users u ON u.jurisdiction = g.code WHERE u.username = 'worker'"
        )
    ).one()
    event = as_user("worker").post(
        "/api/v1/events",
        json={
            "channel": "grid_worker",
            "category": "neighbour",
            "title": "邻里纠纷",
            "lon": spot[0],
            "lat": spot[1],
        },
    )
    assert event.status_code == 201
    hidden = client.get(f"{BASE}/requests/{event.json()['id']}.json")
    assert hidden.status_code == 404 and hidden.json()[0]["code"] == 404


def test_errors_in_the_standard_shape(client: TestClient, place) -> None:
    missing = client.post(f"{BASE}/requests.json", data={"lat": "28.4", "long": "117.4"})
    assert missing.status_code == 400
    assert missing.json() == [{"code": 400, "description": "service_code is required"}]
    unknown = client.post(
        f"{BASE}/requests.json",
        data={"service_code": "ufo", "lat": str(place["lat"]), "long": str(place["lon"])},
    )
    assert (
        unknown.status_code == 400 and "unknown category 'ufo'" in unknown.json()[0]["description"]
    )
    outside = client.post(
        f"{BASE}/requests.json", data={"service_code": "road_damage", "lat": "10", "long": "100"}
    )
    assert outside.status_code == 400 and "outside every grid" in outside.json()[0]["description"]
    bad_number = client.post(
        f"{BASE}/requests.json", data={"service_code": "road_damage", "lat": "north", "long": "1"}
    )
    assert bad_number.status_code == 400 and "lat 'north'" in bad_number.json()[0]["description"]
    bad_date = client.get(f"{BASE}/requests.json", params={"start_date": "yesterday"})
    assert bad_date.status_code == 400 and "start_date" in bad_date.json()[0]["description"]
    assert client.get(f"{BASE}/requests/abc.json").status_code == 404
