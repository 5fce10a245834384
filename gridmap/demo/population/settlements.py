"""One chunk's grids and their settlements (居民点): settlement centres with road, estate or
village names, points near them, addresses, and item codes numbered per grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridmap.demo.population.codes import _zfill
from gridmap.demo.population.people import _surnames
from gridmap.demo.population.points import _Interior
from gridmap.demo.population.vectors import _STR, _choice, _join, _ranks, _starts, _words

_ROADS = _words(
    "人民路 解放路 建设路 中山路 新华路 胜利路 和平路 文化路 东风路 朝阳路"
    " 幸福路 光明路 团结路 工业路 府前路 滨江路 花园路 青年路 学府路 迎宾大道"
    " 站前路 长安街 健康路 五一路"
)
_BRANDS = _words(
    "阳光 幸福 锦绣 翠苑 金桂 丽景 华府 和园 御景 春晖 紫荆 东湖 龙湾"
    " 滨江 凤凰 书香 宏达 鑫源 恒通 华美 兴旺 金城 永安 顺发 博远 隆盛"
    " 天成 正通"
)
_ESTATES = ("小区", "花园", "家园", "新村", "苑")
_VILLAGES = ("家村", "家湾", "家坞", "家畈", "家源", "家坪")


@dataclass(frozen=True)
class _Grids:
    """One chunk's grids (plan rows), their shrunk interiors and settlement centres."""

    plan: pd.DataFrame
    interior: _Interior
    centres: pd.DataFrame  # grid, lon, lat, spread, street, estate, base

    def __len__(self) -> int:
        return len(self.plan)

    def col(self, name: str) -> np.ndarray:
        return self.plan[name].to_numpy()

    def text(self, name: str) -> np.ndarray:
        return self.plan[name].to_numpy().astype(_STR)

    def centre_of(self, grid: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A random settlement centre of each item's grid."""
        count = np.bincount(self.centres.grid, minlength=len(self))
        return _starts(count)[grid] + (rng.random(len(grid)) * count[grid]).astype(np.int64)

    def near(
        self, grid: np.ndarray, centre: np.ndarray, rng: np.random.Generator, widen: float = 1.0
    ) -> np.ndarray:
        """Lon/lat inside each item's grid, scattered normally around its centre."""
        around = self.centres[["lon", "lat"]].to_numpy()[centre]
        spread = self.centres.spread.to_numpy()[centre] * widen
        return self.interior.sample(grid, rng, around, spread)

    def address(self, grid: np.ndarray, centre: np.ndarray, number: np.ndarray) -> np.ndarray:
        """Township + the centre's road or village + house number."""
        street = self.centres.street.to_numpy()[centre]
        return _join(self.text("region_name")[grid], street, number, "号")


def _settle(plan: pd.DataFrame, rng: np.random.Generator) -> _Grids:
    """1-4 settlement centres per grid, each with a road and estate name in town or a village
    name outside, a spread and a first house number."""
    interior = _Interior.of(plan.geometry.to_numpy(), margin_m=1.0)
    grid = np.repeat(np.arange(len(plan)), rng.integers(1, 5, len(plan)))
    xy = interior.sample(grid, rng)
    urban = plan.urban.to_numpy()[grid]
    n = len(grid)
    village = _join(_surnames(rng, n), _choice(rng, _VILLAGES, n))
    centres = pd.DataFrame(
        {
            "grid": grid,
            "lon": xy[:, 0],
            "lat": xy[:, 1],
            "spread": np.where(urban, rng.uniform(50, 150, n), rng.uniform(80, 200, n)),
            "street": np.where(urban, _join(_choice(rng, _ROADS, n)), village),
            "estate": _join(_choice(rng, _BRANDS, n), _choice(rng, _ESTATES, n)),
            "base": np.where(urban, rng.integers(0, 60, n) * 2 + 1, rng.integers(1, 20, n)),
        }
    )
    return _Grids(plan, interior, centres)


def _codes(prefix: str, grids: _Grids, grid: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` + grid code + each item's number in its grid (items listed in grid order);
    a grid with more items than ``width`` digits hold gets wider numbers."""
    number = _ranks(np.bincount(grid, minlength=len(grids))) + 1
    width = max(width, len(str(int(number.max(initial=0)))))
    return _join(prefix, grids.text("code")[grid], _zfill(number, width))
