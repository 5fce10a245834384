"""Settings, one small class per concern, read from ``GRIDMAP_*`` environment variables.

Levels, taxonomies, colours and quotas differ between cities: they live here with the documented
defaults, never as constants scattered in code. ``get_settings()`` is cached and is the one
dependency the app and the CLI read; tests clear its cache to override.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    """``var/`` of the working directory, so a checkout keeps its data beside it."""
    return Path.cwd() / "var"


class DatabaseSettings(BaseSettings):
    """Where the data lives: an external PostGIS URL, or the embedded cluster's folder."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="URL the application connects with (a role that neither owns the tables nor"
        " is a superuser); unset: the embedded cluster",
    )
    database_owner_url: str | None = Field(
        default=None, description="URL of the tables' owner, for migrations and bulk loads"
    )
    app_role: str = Field(default="gridmap_app", description="the role RLS policies apply to")
    data_dir: Path = Field(default_factory=_default_data_dir)
    pg_bindir: Path | None = Field(
        default=None, description="folder of initdb/pg_ctl; default: newest /usr/lib/postgresql/*"
    )
    pg_user: str = Field(
        default="postgres",
        description="OS user that runs the embedded cluster when gridmap is root",
    )
    db_name: str = "gridmap"
    pool_size: int = 10
    statement_timeout_ms: int = 30_000

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("database_url", "database_owner_url")
    @classmethod
    def _psycopg_driver(cls, value: str | None) -> str | None:
        """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
        if not value:
            return None
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @property
    def embedded(self) -> bool:
        return self.database_url is None


class GeoSettings(BaseSettings):
    """Coordinate systems: storage is WGS84; areas and lengths in a metric CRS."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    metric_srid: int = Field(
        default=0,
        description="EPSG code for areas/distances; 0 picks the CGCS2000 3-degree "
        "Gauss-Krüger zone (EPSG:4534-4554) from each geometry's longitude",
    )

    @field_validator("metric_srid")
    @classmethod
    def _known(cls, value: int) -> int:
        if value != 0 and not 1024 <= value <= 999_999:
            raise ValueError(f"GRIDMAP_METRIC_SRID {value} is not an EPSG code (or 0 for auto)")
        return value


class MapSettings(BaseSettings):
    """The web map: optional base map, tile limits and the township palette."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    tile_url: str | None = Field(
        default=None, description="base-map tile URL template ({z}/{x}/{y}); unset: no base map"
    )
    tile_attribution: str = ""
    tile_feature_limit: int = 20_000
    tile_cache_seconds: int = 60
    grid_min_zoom: int = 9
    palette: list[str] = [
        "#1f77b4",
        "#ff7f0e",
        "#2ca02c",
        "#d62728",
        "#9467bd",
        "#8c564b",
        "#e377c2",
        "#7f7f7f",
        "#bcbd22",
        "#17becf",
        "#393b79",
        "#637939",
        "#8c6d31",
        "#843c39",
        "#7b4173",
        "#3182bd",
        "#e6550d",
        "#31a354",
        "#756bb1",
        "#636363",
    ]


class GridSettings(BaseSettings):
    """The grid system's vocabulary: grid kinds and what a dedicated grid may serve."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_GRID_", extra="ignore")

    kinds: list[str] = ["ordinary", "dedicated"]
    dedicated_purposes: list[str] = ["school", "hospital", "market", "park", "enterprise"]
    edit_tolerance_m2: float = Field(
        default=1.0, description="gap or overlap an edit may leave (floating-point noise), m²"
    )
    edit_tolerance_width_m: float = Field(
        default=0.01, description="…or this width along the edited boundary, whichever is more"
    )
    sliver_area_m2: float = Field(default=2_000.0, description="merge: smaller pieces dissolve")
    gap_area_m2: float = Field(default=2_000.0, description="merge: smaller gaps join a neighbour")
    snap_tolerance_m: float = Field(default=1.0, description="merge: snapping distance")


class ServerSettings(BaseSettings):
    """The web server."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    api_page_limit: int = Field(default=1000, description="largest `limit` a list accepts")


_READ = ["regions:read", "grids:read", "tiles:read", "map:read"]


class AuthSettings(BaseSettings):
    """Accounts, sessions and what each role may do (权限)."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_AUTH_", extra="ignore")

    secret_key: str | None = Field(
        default=None,
        description="token signing key; unset: generated once into <data dir>/secrets/",
    )
    token_ttl_minutes: int = Field(default=480, ge=1, description="a bearer token's life")
    session_ttl_minutes: int = Field(default=720, ge=1, description="a login cookie's life")
    max_failed_logins: int = Field(default=5, ge=1, description="failures before a lockout")
    lockout_minutes: int = Field(default=15, ge=1)
    failure_delay_seconds: float = Field(
        default=0.5, ge=0, description="first delay after a failed login; doubles each time"
    )
    max_failure_delay_seconds: float = Field(default=4.0, ge=0)
    cookie_name: str = "gridmap_session"
    csrf_cookie_name: str = "gridmap_csrf"
    role_permissions: dict[str, list[str]] = {
        "admin": ["*"],
        "planner": [*_READ, "grids:write"],
        "dispatcher": [*_READ, "events:read", "events:write", "analytics:read"],
        "engineer": [*_READ, "cameras:read", "cameras:write", "coverage:read"],
        "grid_worker": [*_READ, "events:read", "events:write", "people:read"],
        "viewer": [*_READ, "analytics:read"],
    }

    @property
    def roles(self) -> list[str]:
        return list(self.role_permissions)

    def permissions(self, role: str) -> frozenset[str]:
        return frozenset(self.role_permissions.get(role, ()))


class SecuritySettings(BaseSettings):
    """HTTP hardening: CORS (closed unless listed) and request size limits."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_", extra="ignore")

    cors_origins: list[str] = Field(default=[], description="origins allowed by CORS; none")
    max_request_bytes: int = Field(default=1 << 20, description="largest request body")
    max_upload_bytes: int = Field(default=512 << 20, description="largest upload body")


class Settings:
    """All settings, grouped by concern."""

    def __init__(self) -> None:
        self.db = DatabaseSettings()
        self.geo = GeoSettings()
        self.map = MapSettings()
        self.grid = GridSettings()
        self.server = ServerSettings()
        self.auth = AuthSettings()
        self.security = SecuritySettings()


@lru_cache
def get_settings() -> Settings:
    return Settings()
