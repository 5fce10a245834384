"""Reading vector files: a file that is not one is refused by name, in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridmap.core.errors import InvalidInput
from gridmap.ingest.vector import read_vector


def test_an_unreadable_file_is_refused_by_name_not_by_the_library(tmp_path: Path) -> None:
    path = tmp_path / "grids.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')  # cut short
    with pytest.raises(InvalidInput) as refused:
        read_vector(path)
    message = str(refused.value)
    assert message.startswith("file 'grids.geojson' cannot be read as a vector layer (GeoJSON")
    assert str(tmp_path) not in message and refused.value.field == "file"
