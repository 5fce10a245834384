"""Paging links for lists (OGC API style ``next``/``prev``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

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


def geojson_page(request: Request, page: Page, features: list[dict], total: int) -> GeoJSONResponse:
    """A page of features as a GeoJSON FeatureCollection with counts and paging links."""
    body = {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": len(features),
        "links": page_links(request, page, len(features), total, GEOJSON),
        "features": features,
    }
    return GeoJSONResponse(body)
