"""Sign schemathesis in as the demo admin (bearer token); logout gets a token of its own."""

import os

import requests
import schemathesis

BASE = os.environ.get("ST_BASE", "http://127.0.0.1:8000")


def _token() -> str:
    user, password = os.environ["ST_USER"], os.environ["ST_PASSWORD"]
    answer = requests.post(
        f"{BASE}/api/v1/auth/token", data={"username": user, "password": password}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


@schemathesis.auth(refresh_interval=None)
class GridmapAuth:
    def get(self, case, ctx):
        return _token()

    def set(self, case, data, ctx):
        token = _token() if case.operation.path == "/api/v1/auth/logout" else data
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {token}"


def _ordered_bbox(value: str) -> str:
    """min <= max, the rule across a bbox's numbers that its pattern cannot say."""
    try:
        x1, y1, x2, y2 = (float(v) for v in value.split(","))
    except ValueError:
        return value
    parts = value.split(",")
    xs = sorted([(x1, parts[0]), (x2, parts[2])])
    ys = sorted([(y1, parts[1]), (y2, parts[3])])
    return ",".join([xs[0][1], ys[0][1], xs[1][1], ys[1][1]])


@schemathesis.hook
def before_call(context, case, kwargs):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not case.query:
        return
    bbox = case.query.get("bbox")
    if isinstance(bbox, str) and case.operation.path.startswith(("/api/", "/public/")):
        case.query["bbox"] = _ordered_bbox(bbox)
