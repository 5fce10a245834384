"""The catalogue registers every map layer once, and no table tied to grids is left out of it."""

from __future__ import annotations

from sqlalchemy import Connection

from gridmap import catalog


def test_every_table_tied_to_grids_follows_grid_edits(conn: Connection) -> None:
    tied = set(
        conn.exec_driver_sql(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND column_name IN ('pt', 'grid_code') GROUP BY table_name HAVING count(*) = 2"
        ).scalars()
    )
    assert tied >= {"buildings", "places", "things", "organisations"}
    missing = {
        t
        for t in tied - set(catalog.KEEPS_ITS_GRID)
        if t not in catalog.LAYERS or not catalog.LAYERS[t].follows_grids
    }
    assert not missing, f"tables tied to grids without a catalogue hook: {sorted(missing)}"


def test_hooks_run_once_each() -> None:
    hooks = catalog.grid_hooks()
    assert len(hooks) == len(set(hooks)) >= 1


def test_collections_and_tiles_come_from_the_catalogue() -> None:
    assert set(catalog.collections()) == {
        "grids",
        "regions",
        "events",
        "cameras",
        "camera_sectors",
        "natural_villages",
        "buildings",
        "places",
        "things",
        "organisations",
        "source_grids",
    }
    # personal data is never a collection
    assert not {"residents", "households", "units"} & set(catalog.collections())
    assert set(catalog.tile_layers()) == {
        "grids",
        "regions",
        "source_grids",
        "events",
        "cameras",
        "camera_sectors",
    }
    assert set(catalog.tile_layers(public=True)) == {"grids", "regions"}


def test_every_layer_is_an_ogc_collection() -> None:
    assert [name for name, layer in catalog.LAYERS.items() if layer.collection is None] == []
