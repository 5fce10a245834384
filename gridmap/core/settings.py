"""Settings, one small class per concern, read from ``GRIDMAP_*`` environment variables.

Levels, taxonomies, colours and quotas differ between cities: they live here with the documented
defaults, never as constants scattered in code. ``get_settings()`` is cached and is the one
dependency the app and the CLI read; tests clear its cache to override.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gridmap.core.analytics_settings import AnalyticsSettings
from gridmap.core.camera_settings import CameraSettings
from gridmap.core.event_settings import EventSettings


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
    # a ping is a round trip on every request (5 % of kept tiles' throughput); without it a
    # connection the database dropped (a restart) fails its next request once with 503, and
    # the pool then replaces all of them
    pre_ping: bool = Field(
        default=False, description="test each pooled connection before a request uses it"
    )

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
    tile_cache_mb: int = Field(
        default=256, ge=0, description="tiles kept in memory per worker (0: no cache)"
    )
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
    workers: int = Field(default=0, ge=0, description="web worker processes (0: one per CPU core)")
    access_log: bool = Field(default=False, description="a log line per request")
    api_page_limit: int = Field(default=1000, description="largest `limit` a list accepts")
    # a count that would read a million rows costs more than the page it describes
    api_count_cap: int = Field(
        default=10_000, ge=1, description="lists count their matches exactly up to this many"
    )
    # PostgreSQL on 2 cores served 8 tile requests at once with p99 1–4 s (backends preempted
    # while holding what the others wait for) and 2 per worker at p99 16–40 ms, as fast
    db_concurrency: int = Field(
        default=2,
        ge=1,
        description="requests of the fast paths (tiles, grid lists, intake) that each worker"
        " runs against the database at once; the others wait their turn",
    )
    # zlib's level 9 (starlette's default) spent 23 ms on a page of 50 grids (170 kB), level 1
    # 1.3 ms for a body 8 % larger: on 2 cores the compression was most of the page's time
    gzip_level: int = Field(
        default=1, ge=1, le=9, description="gzip level of JSON answers (1 fastest, 9 smallest)"
    )


_READ = ["regions:read", "grids:read", "tiles:read", "map:read", "places:read", "people:count"]


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
        "planner": [*_READ, "grids:write", "places:write"],
        "dispatcher": [
            *_READ,
            "events:read",
            "events:write",
            "analytics:read",
            "people:read",
            "points:write",
        ],
        "engineer": [*_READ, "cameras:read", "cameras:write", "coverage:read"],
        "grid_worker": [
            *_READ,
            "events:read",
            "events:write",
            "people:read",
            "people:unmask",
            "people:write",
            "places:write",
            "patrols:write",
        ],
        "viewer": [*_READ, "analytics:read", "events:read"],
        # a department's staff (职能部门): the events dispatched to their department
        "department": ["events:handle", "map:read", "tiles:read"],
    }

    @property
    def roles(self) -> list[str]:
        return list(self.role_permissions)

    def permissions(self, role: str) -> frozenset[str]:
        return frozenset(self.role_permissions.get(role, ()))


class KeyGroup(BaseModel):
    """A key-population tag (重点人群): its label and whether it calls for care or attention."""

    label: str
    level: str = Field(pattern="^(care|attention)$")


class PlaceKind(BaseModel):
    """A kind of place (场所) and its group: ``key`` (重点场所), ``nine_small`` (九小场所) or
    ``public``."""

    label: str
    group: str = "public"


class PeopleSettings(BaseSettings):
    """The vocabularies of people, places, things and organisations (人、地、物、组织).

    The sources give no fixed lists, so every list here is configuration with these defaults
    (set e.g. ``GRIDMAP_PEOPLE_KEY_GROUPS`` to a JSON object). ``pii_key`` encrypts ID numbers
    and phones; unset, a key is generated once into ``<data dir>/secrets/`` (never in the
    repository).
    """

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_PEOPLE_", extra="ignore")

    pii_key: SecretStr | None = Field(
        default=None, description="base64 32-byte key for ID numbers and phones; unset: generated"
    )
    kinds: dict[str, str] = {
        "registered": "户籍人口",
        "resident": "常住人口",
        "floating": "流动人口",
        "foreign": "境外人员",
    }
    key_groups: dict[str, KeyGroup] = {
        "elderly_alone": KeyGroup(label="独居老人", level="care"),
        "left_behind_child": KeyGroup(label="留守儿童", level="care"),
        "disabled": KeyGroup(label="残疾人", level="care"),
        "low_income": KeyGroup(label="低保对象", level="care"),
        "community_correction": KeyGroup(label="社区矫正对象", level="attention"),
        "released_prisoner": KeyGroup(label="刑满释放人员", level="attention"),
        "drug_rehab": KeyGroup(label="社区戒毒康复人员", level="attention"),
        "mental_illness": KeyGroup(label="严重精神障碍患者", level="attention"),
        "petition_prone": KeyGroup(label="重点信访人员", level="attention"),
    }
    place_kinds: dict[str, PlaceKind] = {
        "school": PlaceKind(label="学校", group="key"),
        "kindergarten": PlaceKind(label="幼儿园", group="key"),
        "hospital": PlaceKind(label="医院", group="key"),
        "market": PlaceKind(label="农贸市场", group="key"),
        "mall": PlaceKind(label="商场", group="key"),
        "industrial_park": PlaceKind(label="工业园区", group="key"),
        "hazardous_chemicals": PlaceKind(label="危化品场所", group="key"),
        "transport_hub": PlaceKind(label="车站码头", group="key"),
        "small_shop": PlaceKind(label="小商店", group="nine_small"),
        "small_restaurant": PlaceKind(label="小餐饮", group="nine_small"),
        "small_hotel": PlaceKind(label="小旅馆", group="nine_small"),
        "small_clinic": PlaceKind(label="小医院（诊所）", group="nine_small"),
        "small_school": PlaceKind(label="小学校（培训机构、幼儿园）", group="nine_small"),
        "small_entertainment": PlaceKind(label="小歌舞娱乐场所", group="nine_small"),
        "small_internet_cafe": PlaceKind(label="小网吧", group="nine_small"),
        "small_beauty_bath": PlaceKind(label="小美容洗浴场所", group="nine_small"),
        "small_workshop": PlaceKind(label="小生产加工企业", group="nine_small"),
        "park": PlaceKind(label="公园广场"),
        "religious": PlaceKind(label="宗教场所"),
    }
    # city-component categories (城市部件), coded major class 2 digits + minor 2 digits in the
    # manner of GB/T 30428.2; illustrative defaults, replace them with your city's list
    thing_categories: dict[str, str] = {
        "0101": "上水井盖",
        "0102": "污水井盖",
        "0103": "雨水井盖",
        "0104": "电力井盖",
        "0110": "消防栓",
        "0120": "路灯",
        "0130": "监控电子眼",
        "0201": "公交站亭",
        "0202": "交通信号灯",
        "0301": "垃圾箱",
        "0302": "公厕",
        "0401": "健身设施",
        "0501": "智能烟感",
        "0502": "智能门磁",
        "0503": "智能井盖",
    }
    organisation_kinds: dict[str, str] = {
        "enterprise": "企业",
        "self_employed": "个体工商户",
        "social_org": "社会组织",
        "party_branch": "党组织",
        "public_institution": "机关事业单位",
        "village_committee": "村（居）委会",
    }
    duties: dict[str, str] = {
        "worker": "专职网格员",
        "part_time": "兼职网格员",
        "head": "网格长",
        "deputy": "副网格长（社区民警）",
        "informant": "信息员",
        "building_head": "楼栋长",
    }
    building_uses: dict[str, str] = {
        "residential": "住宅",
        "commercial": "商业",
        "mixed": "商住",
        "public": "公共建筑",
        "industrial": "工业",
        "rural_house": "农村自建房",
    }
    import_batch_rows: int = Field(default=20_000, ge=100, description="rows per COPY batch")
    import_chunk_rows: int = Field(
        default=500_000, ge=1000, description="rows checked and moved at a time by an import"
    )
    demo_residents: int = Field(
        default=20_000, ge=0, description="generated residents loaded with the demo county"
    )


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
        self.people = PeopleSettings()
        self.events = EventSettings()
        self.cameras = CameraSettings()
        self.analytics = AnalyticsSettings()


@lru_cache
def get_settings() -> Settings:
    return Settings()
