"""Vector tiles served from a cache (瓦片缓存) that is never stale and never someone else's.

A tile is kept under its layer, its address, its filters and who may see what in it (the
caller's jurisdiction, permissions and department: what row-level security answers on), with
the version of the layer's tables it was drawn at. Before a kept tile is served, one query asks
whether anything written since touches the tile's area (``layer_changes``); if not, the tile is
served (and its ETag answers a client's If-None-Match with 304), else drawn again. Each worker
keeps its own tiles, least recently used first out, up to a size in MB.

The cache is written here (an ordered dict under a lock): the caching libraries key by time to
live, and a tile here lives until a change reaches it.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection

from gridmap import catalog
from gridmap.core.access import Principal
from gridmap.core.settings import Settings
from gridmap.db.sql import serial_plans
from gridmap.layers import changes

TileKey = tuple[Any, ...]


@dataclass(frozen=True)
class Tile:
    data: bytes
    version: int
    etag: str
    cached: bool = False
    # compressed once, for the first client that takes gzip, then kept with the tile (shared by
    # its copies): clients that take none (QGIS, GDAL, load tests) never pay for it
    _gzip: list[bytes] = field(default_factory=list, repr=False, compare=False)

    @property
    def gzipped(self) -> bytes:
        if not self._gzip:
            self._gzip.append(gzip.compress(self.data, compresslevel=6))
        return self._gzip[0]


class TileCache:
    """Least recently used tiles up to ``max_bytes``; safe across the request threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[TileKey, Tile] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: TileKey) -> Tile | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is not None:
                self._tiles.move_to_end(key)
            return tile

    def put(self, key: TileKey, tile: Tile) -> None:
        size = _size(tile)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._tiles.pop(key, None)
            self._bytes += size - (_size(old) if old else 0)
            self._tiles[key] = tile
            while self._bytes > self.max_bytes:
                _, dropped = self._tiles.popitem(last=False)
                self._bytes -= _size(dropped)

    def __len__(self) -> int:
        return len(self._tiles)


def _size(tile: Tile) -> int:
    return 2 * len(tile.data)  # with its gzip once a client asks (compressed: less than that)


def audience(principal: Principal) -> tuple[Any, ...]:
    """What a tile's rows depend on for this caller: what row-level security reads."""
    return (principal.scope, principal.department_id, tuple(sorted(principal.permissions)))


def cached(
    conn: Connection,
    cache: TileCache | None,
    key: TileKey,
    tables: list[str],
    address: tuple[int, int, int],
    draw: Callable[[], bytes],
) -> Tile:
    """The kept tile under ``key`` while nothing written to ``tables`` since reaches its
    address, else ``draw()`` (and keep it). With no cache, drawn at once (no version asked)."""
    if cache is None:
        return _drawn(draw(), 0)
    kept = cache.get(key)
    version, touched = changes.state(conn, tables, address, kept.version if kept else None)
    if kept is not None and not touched:
        if kept.version != version:  # changes elsewhere: still good, at the new version
            kept = replace(kept, version=version)
            cache.put(key, kept)
        return replace(kept, cached=True)
    drawn = _drawn(draw(), version)
    cache.put(key, drawn)
    return drawn


def _drawn(data: bytes, version: int) -> Tile:
    return Tile(data, version, '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"')


def tile(
    conn: Connection,
    settings: Settings,
    cache: TileCache | None,
    principal: Principal,
    layer: str,
    address: tuple[int, int, int],
    public: bool,
    filters: dict[str, str],
) -> Tile:
    """A layer's vector tile for the caller: the kept one while nothing written since reaches
    it, else drawn (and kept)."""
    query = catalog.tile_query(layer, public)
    key = (layer, *address, public, audience(principal), tuple(sorted(filters.items())))
    z, x, y = address

    def draw() -> bytes:
        serial_plans(conn)
        limit = settings.map.tile_feature_limit
        options = _options(layer, settings)
        return bytes(query(conn, z, x, y, limit, public=public, **filters, **options))

    return cached(conn, cache, key, catalog.LAYERS[layer].tables, address, draw)


def _options(layer: str, settings: Settings) -> dict[str, Any]:
    """What a layer's tile query takes from the settings: the grids are drawn as their
    townships' outlines where the map does not show grids yet."""
    if layer == "grids":
        return {"outline_below": settings.map.grid_min_zoom}
    return {}
