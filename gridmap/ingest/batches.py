"""Staging rows for a ledger import, made where it is cheap: a reading thread turns the file's
batches into COPY text blocks (values normalised and sealed, coordinates in WGS84) up to two
chunks ahead, while the importing thread checks the current chunk in the database."""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from queue import Empty, Queue
from typing import TYPE_CHECKING, Any

import numpy as np

from gridmap.db.sql import Progress, copy_block
from gridmap.ingest.readers import Batch, Row, to_float, to_wgs84_arrays

if TYPE_CHECKING:  # the ledger engine imports this module; its types are for annotations only
    from gridmap.ingest.ledger import Ledger

Prepare = Callable[[Row], Sequence[Any]]


def staging_columns(ledger: Ledger) -> str:
    columns = [f"{name} text" for name in ledger.names] + list(ledger.prepared)
    columns += ["lon float8", "lat float8", "footprint bytea", "pt geometry(Point, 4326)"]
    columns += ["grid_code text", "micro_code text", "building_id bigint", *ledger.staged]
    # no primary key: row numbers are unique by construction, and an index would slow COPY
    return "row_no integer, " + ", ".join(columns) + ", rejected boolean DEFAULT false"


def prepared_batches(
    ledger: Ledger,
    batches: Iterator[Batch],
    positions: list[int | None],
    lonlat: tuple[int | None, int | None],
    crs: str | None,
    prepare: Prepare | None,
) -> Iterator[tuple[int, bytes]]:
    """Staging rows batch by batch, as COPY text blocks (row count, block): row number, the
    ledger's columns, prepared values and, for located ledgers, WGS84 coordinates and the
    footprint."""
    number = 1
    located = ledger.located or ledger.by_building
    for batch in batches:
        picked = [
            [row[p] if p is not None and p < len(row) else None for p in positions]
            for row in batch.rows
        ]
        rows = []
        if not located:
            for values in picked:
                number += 1
                extras = prepare(values) if prepare else ()  # may normalise ``values`` first
                rows.append((number, *values, *extras))
            yield len(rows), copy_block(rows)
            continue
        if batch.lon is not None:
            lon, lat = batch.lon, batch.lat
        elif lonlat[0] is not None and lonlat[1] is not None:
            raw_lon = np.array([to_float(r[lonlat[0]]) for r in batch.rows])
            raw_lat = np.array([to_float(r[lonlat[1]]) for r in batch.rows])
            lon, lat = to_wgs84_arrays(raw_lon, raw_lat, crs)
        else:
            lon = lat = np.full(len(batch.rows), math.nan)
        footprints = batch.footprints or [None] * len(batch.rows)
        for i, values in enumerate(picked):
            number += 1
            extras = prepare(values) if prepare else ()
            x, y = float(lon[i]), float(lat[i])
            rows.append(
                (
                    number,
                    *values,
                    *extras,
                    None if math.isnan(x) else x,
                    None if math.isnan(y) else y,
                    footprints[i],
                )
            )
        yield len(rows), copy_block(rows)


def read_ahead(batches: Iterator[tuple[int, bytes]], depth: int) -> Iterator[tuple[int, bytes]]:
    """Prepare batches in a thread, up to ``depth`` ahead: reading, sealing and converting the
    next rows overlaps the database's checks of the current chunk (the wait releases the GIL).
    An error in the thread is raised here, in the importing thread."""
    queue: Queue[Any] = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    return
                queue.put(batch)
            queue.put(done)
        except BaseException as error:  # handed to the consumer, which raises it
            queue.put(error)

    worker = threading.Thread(target=produce, name="ledger-read-ahead", daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get_nowait()
            worker.join(timeout=0.05)


class Chunks:
    """Blocks of rows taken from the reading thread a chunk (about ``rows`` rows) at a time,
    counting rows and reporting progress as they pass; ``rows=None``: all in one chunk."""

    def __init__(
        self, batches: Iterator[tuple[int, bytes]], rows: int | None, on_progress: Progress | None
    ) -> None:
        self._batches = batches
        self._limit = rows
        self._on_progress = on_progress
        self.rows = 0
        self.exhausted = False

    def next_chunk(self) -> Iterator[bytes]:
        taken = 0
        for count, block in self._batches:
            self.rows += count
            taken += count
            if self._on_progress:
                self._on_progress(count)
            yield block
            if self._limit is not None and taken >= self._limit:
                return
        self.exhausted = True
