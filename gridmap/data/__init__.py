"""Data shipped with gridmap (each folder's SOURCE.md gives origin and licence)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_path(*parts: str) -> Path:
    """Path of a packaged data file."""
    return Path(str(resources.files("gridmap.data").joinpath(*parts)))
