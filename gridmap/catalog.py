"""The catalogue of map layers (图层目录): every layer gridmap serves, registered once.

An entry says how the layer is served and how it keeps up with the grid system:

- ``collection``: an OGC API – Features collection (list by bbox, one item, extent);
- ``tile``: its vector tile query (``/tiles/{name}/…``), whether residents may see it
  (``/public/tiles/{name}/…``), and the tables it draws (a change to them there makes a cached
  tile stale);
- ``follows_grids``: the hook that re-ties the layer's records when grids change (grid edits,
  merges, divisions call ``grids_changed`` in their transaction).

A new layer is a new entry here; a test checks that every table tied to grids by its point has
one with a hook, so none can silently stop following grid edits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from gridmap.core.errors import NotFound
from gridmap.core.signals import GridChange, GridHook
from gridmap.db.sql import BBox
from gridmap.layers import cameras, events, grids, regions, sources, ties

Features = tuple[list[dict[str, Any]], int]


@dataclass(frozen=True)
class Collection:
    """How an OGC collection lists its features, fetches one, and tells its extent."""

    title: str
    description: str
    items: Callable[[Connection, BBox | None, int, int], Features]
    item: Callable[[Connection, str], dict[str, Any] | None]
    extent: Callable[[Connection], list[float] | None]


TileQuery = Callable[..., bytes]


@dataclass(frozen=True)
class MapLayer:
    """A layer of the catalogue (see the module's docstring)."""

    name: str
    collection: Collection | None = None
    tile: TileQuery | None = None
    public_tile: bool = False
    follows_grids: GridHook | None = None
    reads: tuple[str, ...] = ()  # the tables its tiles draw (default: the table of its name)

    @property
    def tables(self) -> list[str]:
        """Whose changes make a cached tile of this layer stale (see ``layer_changes``)."""
        return list(self.reads or (self.name,))


def _grid_items(conn: Connection, bbox: BBox | None, limit: int, offset: int) -> Features:
    return grids.list_grids(conn, grids.GridFilter(bbox=bbox), limit, offset)


def _region_item(conn: Connection, code: str) -> dict[str, Any] | None:
    feature = regions.get_region(conn, code)
    return feature if feature and feature.get("geometry") else None


_LAYERS = (
    MapLayer(
        "grids",
        Collection(
            "网格 Grids",
            "the unified grid system: grids and micro-grids",
            _grid_items,
            grids.get_grid,
            grids.extent,
        ),
        tile=grids.tile,
        public_tile=True,
    ),
    MapLayer(
        "regions",
        Collection(
            "区划 Regions",
            "administrative divisions that have a boundary",
            regions.list_features,
            _region_item,
            regions.boundary_extent,
        ),
        tile=regions.tile,
        public_tile=True,
    ),
    MapLayer("source_grids", tile=sources.tile, reads=("sources", "source_grids")),
    MapLayer(
        "events",
        Collection(
            "事件 Events",
            "events reported in the caller's jurisdiction (located ones)",
            events.features,
            events.feature,
            events.extent,
        ),
        tile=events.tile,
        follows_grids=ties.follow_grids,
    ),
    MapLayer(
        "cameras",
        Collection(
            "摄像机 Cameras",
            "Sharp Eyes cameras (雪亮工程): the archive of each (一机一档)",
            cameras.POINTS.features,
            cameras.POINTS.feature,
            cameras.POINTS.extent,
        ),
        tile=cameras.tile,
        follows_grids=ties.follow_grids,
    ),
    MapLayer(
        "camera_sectors",
        Collection(
            "可视域 Camera views",
            "what each camera sees: its view sector to the range of the configured pixel"
            " density (DORI), minus what buildings hide",
            cameras.VIEWS.features,
            cameras.VIEWS.feature,
            cameras.VIEWS.extent,
        ),
        tile=cameras.sector_tile,
        reads=("cameras",),
    ),
    # located records: tied to the grid and micro-grid holding their point
    *(
        MapLayer(name, follows_grids=ties.follow_grids)
        for name in ties.LOCATED
        if name not in ("events", "cameras")
    ),
)
LAYERS: dict[str, MapLayer] = {layer.name: layer for layer in _LAYERS}
# tables with a point and a grid that deliberately keep the grid they were written with
KEEPS_ITS_GRID = {
    "patrol_points": "a patrol's GPS point belongs to the grid the worker patrolled",
}


def collections() -> dict[str, Collection]:
    """The layers served as OGC collections, by name."""
    return {name: layer.collection for name, layer in LAYERS.items() if layer.collection}


def collection(name: str) -> Collection:
    found = collections().get(name)
    if found is None:
        raise NotFound(
            f"collection {name!r} does not exist (collections: {', '.join(collections())})"
        )
    return found


def tile_layers(public: bool = False) -> list[str]:
    """The layers served as vector tiles (to residents when ``public``)."""
    return [
        name for name, layer in LAYERS.items() if layer.tile and (layer.public_tile or not public)
    ]


def tile_query(name: str, public: bool) -> TileQuery:
    """A layer's tile query; NotFound for a layer that has none (or none for residents)."""
    layer = LAYERS.get(name)
    if layer is None or layer.tile is None or (public and not layer.public_tile):
        raise NotFound(
            f"tile layer {name!r} does not exist (layers: {', '.join(tile_layers(public))})"
        )
    return layer.tile


def grid_hooks() -> list[GridHook]:
    """Each hook once (several layers may share one that re-ties them together)."""
    return list(dict.fromkeys(layer.follows_grids for layer in _LAYERS if layer.follows_grids))


def grids_changed(conn: Connection, change: GridChange) -> None:
    """Let every layer tied to grids follow a change, in the change's transaction."""
    for hook in grid_hooks():
        hook(conn, change)
