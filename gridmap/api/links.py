"""Paging links for lists (OGC API style ``next``/``prev``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from gridmap.api.deps import Page


def page_links(request: Request, page: Page, returned: int, total: int | None) -> list[dict]:
    """``self``, and ``next``/``prev`` when there is such a page, keeping the other parameters."""

    def link(rel: str, offset: int) -> dict:
        url = request.url.include_query_params(limit=page.limit, offset=offset)
        return {"rel": rel, "href": str(url), "type": "application/geo+json"}

    links = [link("self", page.offset)]
    more = returned == page.limit if total is None else page.offset + returned < total
    if more:
        links.append(link("next", page.offset + page.limit))
    if page.offset > 0:
        links.append(link("prev", max(0, page.offset - page.limit)))
    return links


def geojson_page(request: Request, page: Page, features: list[dict], total: int) -> JSONResponse:
    """A page of features as a GeoJSON FeatureCollection with counts and paging links."""
    body = {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": len(features),
        "links": page_links(request, page, len(features), total),
        "features": features,
    }
    return JSONResponse(body, media_type="application/geo+json")
