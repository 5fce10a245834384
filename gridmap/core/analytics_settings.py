"""Settings of the centre's analytics (研判分析): hot-spot statistics, heatmaps, emerging hot spots
and the five-colour risk scoring (五色管控).

The sources name the five colours and the elements (人、事、地、物、组织) but give no rule, so the
scoring is explicit configuration (``GRIDMAP_ANALYTICS_*``, JSON for the mappings) with these
defaults; each grid's colour is shown with what each factor contributed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RiskFactor(BaseModel):
    """One factor of the risk score: its points per unit (``weight``), how the raw value is
    normalised, a cap on its points, and a colour it forces at least (e.g. any overdue
    critical event makes a grid at least orange)."""

    weight: float
    label: str
    normalise: Literal["none", "per_1000", "per_km2", "percentile"] = "none"
    cap: float | None = None
    min_colour: str | None = None
    min_colour_at: float = 1


class AnalyticsSettings(BaseSettings):
    """Analytics: see the module's docstring."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_ANALYTICS_", extra="ignore")

    # hot spots (Getis-Ord Gi*, local Moran), as DESIGN's defaults
    permutations: int = Field(default=999, ge=0, le=9999)
    seed: int = 12345
    weights: Literal["queen", "rook", "distance"] = "queen"
    distance_m: float | None = Field(default=None, gt=0, description="distance-band weights")
    fdr: bool = True
    levels: tuple[float, float, float] = (0.10, 0.05, 0.01)
    # heatmaps (核密度): bandwidth at zoom 14 (doubling per zoom out), cells in tile pixels
    heatmap_bandwidth_m: float = Field(default=400, gt=0)
    heatmap_cell_px: int = Field(default=4, ge=1, le=64)
    heatmap_classes: int = Field(default=5, ge=2, le=9)
    heatmap_colours: list[str] = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    heatmap_opacity: float = Field(default=0.75, ge=0, le=1)
    # emerging hot spots: the cube's period and how many periods back
    emerging_period: Literal["week", "month"] = "month"
    emerging_periods: int = Field(default=12, ge=3, le=120)
    # five-colour risk (五色管控): recent events decay with this half-life over this window
    risk_window_days: int = Field(default=90, ge=1)
    risk_half_life_days: float = Field(default=30, gt=0)
    risk_urgency_weights: dict[str, float] = {"normal": 1, "urgent": 2, "critical": 4}
    risk_hazard_place_kinds: list[str] = ["hazardous_chemicals", "industrial_park"]
    risk_factors: dict[str, RiskFactor] = {
        "recent_events": RiskFactor(
            weight=2, label="recent events (weighted by urgency, fading)", cap=40
        ),
        "overdue_events": RiskFactor(
            weight=6, label="overdue open events", cap=30, min_colour="yellow"
        ),
        "attention_residents": RiskFactor(
            weight=2, label="key residents needing attention (关注类)", cap=24
        ),
        "care_residents": RiskFactor(
            weight=0.5, label="key residents needing care (关爱类)", cap=10
        ),
        "must_visit_places": RiskFactor(weight=1, label="must-visit places (必到点)", cap=8),
        "hazard_places": RiskFactor(
            weight=5, label="hazardous places (危化品, 工业园区)", cap=20, min_colour="blue"
        ),
        "unseen_share": RiskFactor(
            weight=10, label="share of the grid no working camera sees", cap=10
        ),
    }
    risk_thresholds: dict[str, float] = {"red": 60, "orange": 40, "yellow": 20, "blue": 5}
    risk_default_colour: str = "green"
    risk_colour_hex: dict[str, str] = {
        "red": "#d7191c",
        "orange": "#fd8d3c",
        "yellow": "#fee08b",
        "blue": "#2c7bb6",
        "green": "#1a9641",
    }
