"""The layering contract (DESIGN.md's Architecture): data flows down, never back up.

``make test`` runs ``lint-imports``; these tests show that the contract holds for the tree as it
is, and that it really catches an upward import (a copy of the package with one added).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_the_tree_keeps_the_contract() -> None:
    result = _lint(REPO, REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("core/errors.py", "from gridmap.db import engine"),
        ("layers/grids.py", "from gridmap.services import planning"),
        ("ops/merge.py", "from gridmap.layers import grids"),
        ("ingest/ledger.py", "from gridmap import catalog"),
        ("services/jobs.py", "from gridmap.api import deps"),
    ],
)
def test_an_upward_import_breaks_it(tmp_path: Path, module: str, upward: str) -> None:
    shutil.copytree(
        REPO / "gridmap", tmp_path / "gridmap", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "gridmap" / module
    target.write_text(target.read_text() + f"\n{upward}  # noqa\n")
    result = _lint(tmp_path, tmp_path)
    assert result.returncode != 0, result.stdout
    assert "0 kept, 1 broken" in result.stdout
    importer = "gridmap." + module.removesuffix(".py").replace("/", ".")
    assert importer in result.stdout
