"""Paging links for lists (OGC API style ``next``/``prev``)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from gridmap.api.deps import Page

GEOJSON = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    """A GeoJSON answer (RFC 7946), sent and documented as ``application/geo+json``."""

    media_type = GEOJSON


def page_links(
    request: Request,
    page: Page,
    returned: int,
    total: int | None,
    media_type: str = "application/json",
) -> list[dict]:
    """``self``, and ``next``/``prev`` when there is such a page, keeping the other parameters;
    typed as the page is (GeoJSON pages say so)."""

    def link(rel: str, offset: int) -> dict:
        url = request.url.include_query_params(limit=page.limit, offset=offset)
        return {"rel": rel, "href": str(url), "type": media_type}

    links = [link("self", page.offset)]
    more = returned == page.limit if total is None else page.offset + returned < total
    if more:
        links.append(link("next", page.offset + page.limit))
    if page.offset > 0:
        links.append(link("prev", max(0, page.offset - page.limit)))
    return links


def feature_collection(request: Request, page: Page, found: list[str], total: int | None) -> bytes:
    """A page of features that are GeoJSON texts (from PostgreSQL) as a FeatureCollection with
    counts and paging links: the texts joined as they are, never parsed and dumped again."""
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if total is not None:
        head["numberMatched"] = total
    head["numberReturned"] = len(found)
    head["links"] = page_links(request, page, len(found), total, GEOJSON)
    opening = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    return f'{opening},"features":[{",".join(found)}]}}'.encode()


def geojson_page(
    request: Request, page: Page, features: list[str] | list[dict], total: int
) -> Response:
    """A page of features (GeoJSON texts, or dicts) as a GeoJSON FeatureCollection."""
    texts = [f if isinstance(f, str) else json.dumps(f, ensure_ascii=False) for f in features]
    return Response(feature_collection(request, page, texts, total), media_type=GEOJSON)
