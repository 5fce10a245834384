"""The catalogue of map layers (图层目录): every layer gridmap serves, registered once.

An entry says how the layer is served and how it keeps up with the grid system:

- ``collection``: an OGC API – Features collection: its title, the one declaration of its
  features (``gridmap.db.features.FeatureTable``: key, geometry, properties, from which pages,
  filters, CRSs and queryables are generated) and the permissions that read it;
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
from functools import cache

from sqlalchemy import Connection

from gridmap.core.errors import NotFound
from gridmap.core.signals import GridChange, GridHook
from gridmap.db import features
from gridmap.db.features import Box, FeatureTable
from gridmap.layers import buildings, cameras, events, grids, places, regions, sources, ties


@dataclass(frozen=True)
class Collection:
    """An OGC collection: title, description, its features' declaration, and the permissions
    of which a caller needs one to read it (row-level security scopes the rows besides)."""

    title: str
    description: str
    features: FeatureTable
    permissions: tuple[str, ...]


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


_LAYERS = (
    MapLayer(
        "grids",
        Collection(
            "网格 Grids",
            "the unified grid system: grids and micro-grids",
            grids.FEATURES,
            ("grids:read",),
        ),
        tile=grids.tile,
        public_tile=True,
        reads=("grids", "regions"),  # zoomed out: the townships' outlines
    ),
    MapLayer(
        "regions",
        Collection(
            "区划 Regions",
            "administrative divisions that have a boundary",
            regions.FEATURES,
            ("regions:read",),
        ),
        tile=regions.tile,
        public_tile=True,
    ),
    MapLayer(
        "source_grids",
        Collection(
            "部门网格 Department grids",
            "the grids of each department as imported (党建, 综治, 城管, 警务 …), before merging",
            sources.FEATURES,
            ("grids:read",),
        ),
        tile=sources.tile,
        reads=("sources", "source_grids"),
    ),
    MapLayer(
        "events",
        Collection(
            "事件 Events",
            "events reported in the caller's jurisdiction (located ones)",
            events.FEATURES,
            ("events:read", "events:handle"),
        ),
        tile=events.tile,
        follows_grids=ties.follow_grids,
    ),
    MapLayer(
        "cameras",
        Collection(
            "摄像机 Cameras",
            "Sharp Eyes cameras (雪亮工程): the archive of each (一机一档)",
            cameras.POINTS,
            ("cameras:read",),
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
            cameras.VIEWS,
            ("cameras:read",),
        ),
        tile=cameras.sector_tile,
        reads=("cameras",),
    ),
    MapLayer(
        "natural_villages",
        Collection(
            "自然村 Natural villages",
            "natural villages within administrative villages (camera quotas count them)",
            cameras.NATURAL_VILLAGES,
            ("cameras:read",),
        ),
    ),
    # located records: tied to the grid and micro-grid holding their point
    MapLayer(
        "buildings",
        Collection(
            "房屋 Buildings",
            "buildings (房屋/楼栋): the footprint where there is one, else the point",
            buildings.FEATURES,
            ("places:read",),
        ),
        follows_grids=ties.follow_grids,
    ),
    MapLayer(
        "places",
        Collection(
            "场所 Places",
            "key places and the nine small places (九小场所); must-visit points (必到点)",
            places.PLACES,
            ("places:read",),
        ),
        follows_grids=ties.follow_grids,
    ),
    MapLayer(
        "things",
        Collection(
            "部件 Things",
            "public facilities (物/部件) with their category code",
            places.THINGS,
            ("places:read",),
        ),
        follows_grids=ties.follow_grids,
    ),
    MapLayer(
        "organisations",
        Collection(
            "组织 Organisations",
            "enterprises, social organisations and party branches (组织)",
            places.ORGANISATIONS,
            ("places:read",),
        ),
        follows_grids=ties.follow_grids,
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


def extents(conn: Connection, names: list[str]) -> dict[str, Box | None]:
    """The collections' extents as the caller sees them (CRS84). A layer tied to grids lies
    within the grids the caller sees: their box, computed once, bounds its estimate when the
    layer is large (``features.extent``)."""
    grids_box = cache(lambda: features.extent(conn, grids.FEATURES))
    return {
        name: features.extent(
            conn, collection(name).features, grids_box if LAYERS[name].follows_grids else None
        )
        for name in names
    }


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
