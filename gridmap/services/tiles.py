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
from dataclasses import dataclass, replace
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
    gzipped: bytes  # compressed once when drawn, not on every answer
    version: int
    etag: str
    cached: bool = False


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
    return len(tile.data) + len(tile.gzipped)


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
    address, else ``draw()`` (and keep it)."""
    kept = cache.get(key) if cache is not None else None
    version, touched = changes.state(conn, tables, address, kept.version if kept else None)
    if kept is not None and not touched:
        if kept.version != version:  # changes elsewhere: still good, at the new version
            kept = replace(kept, version=version)
            cache.put(key, kept)
        return replace(kept, cached=True)
    data = draw()
    etag = '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'
    drawn = Tile(data, gzip.compress(data, compresslevel=6), version, etag)
    if cache is not None:
        cache.put(key, drawn)
    return drawn


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
        return bytes(query(conn, z, x, y, limit, public=public, **filters))

    return cached(conn, cache, key, catalog.LAYERS[layer].tables, address, draw)
