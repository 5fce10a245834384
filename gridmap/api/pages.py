"""The web pages: the public map ``/``, the staff map ``/map``, the planner's workbench
``/planner``, and their configuration."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import Connection

from gridmap import catalog
from gridmap.api.deps import MapRead, PublicDep, SettingsDep
from gridmap.core.errors import Unauthorized
from gridmap.core.settings import Settings
from gridmap.layers import grids, regions
from gridmap.services import accounts

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

router = APIRouter(tags=["map"])


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    """The public map: grid outlines, codes and names, and a login link."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


def _staff_page(request: Request, settings: Settings, path: str, page: str) -> Response:
    """A staff page behind login (a signed-in cookie); others are sent to /login, which comes
    back to the same page and query (``/profile?code=…``) once signed in."""
    token = request.cookies.get(settings.auth.cookie_name)
    try:
        if not token:
            raise Unauthorized("no session")
        with request.app.state.engine.begin() as conn:
            accounts.authenticate(conn, settings, token)
    except Unauthorized:
        target = f"{path}?{request.url.query}" if request.url.query else path
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    return FileResponse(STATIC_DIR / page, media_type="text/html")


# the staff pages behind login: path → (file, what it is)
STAFF_PAGES = {
    "/map": ("map.html", "the staff map"),
    "/planner": ("planner.html", "the planner's workbench (规划): edit grids, merge, divide"),
    "/profile": ("profile.html", "the grid profile (网格画像) of ?code= with drill-down"),
    "/centre": ("centre.html", "the dispatch desk (综治中心): queue, map of events, KPIs"),
    "/worker": ("worker.html", "the grid worker's phone page (网格员): report, patrol, tasks"),
    "/department": ("department.html", "a department's dispatched events (职能部门)"),
    "/cameras": (
        "cameras.html",
        "the engineer's cameras (雪亮工程): map, coverage, problems, planning",
    ),
    "/analytics": (
        "analytics.html",
        "the centre's analysis (研判分析): heatmap, hot spots, risk colours",
    ),
}


def _add_staff_page(path: str, page: str, what: str) -> None:
    def staff_page(request: Request, settings: SettingsDep) -> Response:
        return _staff_page(request, settings, path, page)

    staff_page.__doc__ = f"{what[0].upper()}{what[1:]}, behind login (others go to /login)."
    router.add_api_route(path, staff_page, methods=["GET"], include_in_schema=False)


for _path, (_page, _what) in STAFF_PAGES.items():
    _add_staff_page(_path, _page, _what)


@router.get("/report", include_in_schema=False)
def report_form() -> FileResponse:
    """The public report form (群众上报): residents report through Open311."""
    return FileResponse(STATIC_DIR / "report.html", media_type="text/html")


@router.get("/worker-sw.js", include_in_schema=False)
def worker_service_worker() -> FileResponse:
    """The worker page's service worker, served at the root so that it may control /worker
    (its offline queue of reports)."""
    return FileResponse(
        STATIC_DIR / "js" / "worker" / "sw.js",
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


def _map_config(conn: Connection, settings: Settings, public: bool) -> dict:
    legend = grids.townships(conn)
    palette = settings.map.palette
    for index, entry in enumerate(legend):
        entry["color"] = palette[index % len(palette)]
    prefix = "/public/tiles" if public else "/tiles"
    return {
        "bounds": grids.extent(conn) or regions.boundary_extent(conn),
        "base_map": {"url": settings.map.tile_url, "attribution": settings.map.tile_attribution},
        "grid_min_zoom": settings.map.grid_min_zoom,
        "legend": legend,
        "generated": {
            "grids": any(entry["generated"] for entry in legend),
            "regions": regions.generated_count(conn) > 0,
        },
        "tiles": {
            layer: f"{prefix}/{layer}/{{z}}/{{x}}/{{y}}.mvt"
            for layer in catalog.tile_layers(public)
        },
        "public": public,
        "csrf_cookie": settings.auth.csrf_cookie_name,
        "labels": _labels(settings),
    }


def _event_labels(settings: Settings) -> dict[str, dict[str, str]]:
    events = settings.events
    return {
        "event_channels": dict(events.channels),
        "event_groups": dict(events.groups),
        "event_categories": {code: c.label for code, c in events.categories.items()},
        "event_category_groups": {code: c.group for code, c in events.categories.items()},
        "event_urgencies": dict(events.urgencies),
        "event_states": dict(events.states),
        "event_actions": {name: action.label for name, action in events.actions.items()},
        "event_levels": dict(events.levels),
    }


def _event_rules(settings: Settings) -> dict:
    """What each event action needs, from which states, for which roles; the open states."""
    events = settings.events
    return {
        "actions": {
            name: {"from": a.sources, "to": a.to, "roles": a.roles, "needs": a.needs}
            for name, a in events.actions.items()
        },
        "open_states": events.open_states,
    }


def _camera_rules(settings: Settings) -> dict:
    """Camera vocabularies, quotas and targets, so the engineer's page shows what is set."""
    config = settings.cameras
    return {
        "ptz_types": {str(k): v for k, v in config.ptz_types.items()},
        "turning_ptz_types": config.turning_ptz_types,
        "statuses": config.statuses,
        "working_statuses": config.working_statuses,
        "problems": config.problems,
        "level": config.level,
        "dori": config.dori,
        "defaults": {
            "hfov": config.default_hfov,
            "height": config.default_height,
            "tilt": config.default_tilt,
            "resolution_px": config.default_pixels,
        },
        "village_quota": config.village_quota,
        "natural_village_quota": config.natural_village_quota,
        "working_target": config.working_target,
        "key_area_working_target": config.key_area_working_target,
        "planning_headings": config.planning_headings,
        "planning_sites": config.planning_sites,
    }


def _analytics_rules(settings: Settings) -> dict:
    """What the analysis page shows as configured: the five risk colours (most severe first,
    each with its map colour and the least score that earns it; the last is the colour below
    every threshold), the risk factors, the hot spots' confidence levels, the heatmap's
    classes, the emerging hot spots' periods, and the centre's time zone (its days)."""
    config = settings.analytics
    thresholds = sorted(config.risk_thresholds.items(), key=lambda item: -item[1])
    colours = [*thresholds, (config.risk_default_colour, None)]
    return {
        "time_zone": settings.events.time_zone,
        "risk": {
            "colours": [
                {"key": key, "colour": config.risk_colour_hex.get(key), "min_score": least}
                for key, least in colours
            ],
            "factors": {
                name: {
                    "label": f.label,
                    "weight": f.weight,
                    "normalise": f.normalise,
                    "cap": f.cap,
                    "min_colour": f.min_colour,
                }
                for name, f in config.risk_factors.items()
            },
            "window_days": config.risk_window_days,
            "half_life_days": config.risk_half_life_days,
        },
        "hotspots": {
            "levels": list(config.levels),
            "permutations": config.permutations,
            "weights": config.weights,
            "fdr": config.fdr,
        },
        "heatmap": {
            "bandwidth_m": config.heatmap_bandwidth_m,
            "classes": config.heatmap_classes,
            "colours": config.heatmap_colours,
        },
        "emerging": {"period": config.emerging_period, "periods": config.emerging_periods},
    }


def _labels(settings: Settings) -> dict[str, dict[str, str]]:
    """The configured vocabularies' labels by code, so pages never hard-code them."""
    people = settings.people
    return {
        "resident_kinds": dict(people.kinds),
        "key_groups": {code: group.label for code, group in people.key_groups.items()},
        "key_group_levels": {code: group.level for code, group in people.key_groups.items()},
        "place_kinds": {code: kind.label for code, kind in people.place_kinds.items()},
        "place_groups": {code: kind.group for code, kind in people.place_kinds.items()},
        "thing_categories": dict(people.thing_categories),
        "organisation_kinds": dict(people.organisation_kinds),
        "duties": dict(people.duties),
        "building_uses": dict(people.building_uses),
        "grid_kinds": {kind: kind for kind in settings.grid.kinds},
        "grid_purposes": {purpose: purpose for purpose in settings.grid.dedicated_purposes},
        **_event_labels(settings),
    }


@router.get("/api/v1/map/config")
def map_config(ctx: MapRead, settings: SettingsDep) -> dict:
    """What the staff map needs: bounds, base map, palette, legend, provenance (in scope)."""
    config = _map_config(ctx.conn, settings, public=False)
    config["events"] = _event_rules(settings)
    config["cameras"] = _camera_rules(settings)
    config["analytics"] = _analytics_rules(settings)
    config["user"] = {
        "username": ctx.principal.username,
        "role": ctx.principal.role,
        "jurisdiction": ctx.principal.jurisdiction,
        "permissions": sorted(ctx.principal.permissions),
    }
    return config


@router.get("/public/map/config")
def public_map_config(ctx: PublicDep, settings: SettingsDep) -> dict:
    """What the public map needs (no personal data)."""
    return _map_config(ctx.conn, settings, public=True)
