"""Settings of Sharp Eyes cameras (雪亮工程): device types, what a camera sees by default, the
pixel density it must give, quotas, targets, and the thresholds of bad-record checks.

The sources report quotas and targets from different places (≥ 5 monitoring points per
administrative village, ≥ 2 per natural village; 完好率 ≥ 98 % in key public areas, ≥ 95 % in key
industries); all of it is configuration (``GRIDMAP_CAMERAS_*``) with these defaults.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CameraSettings(BaseSettings):
    """Cameras: see the module's docstring."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_CAMERAS_", extra="ignore")

    # GB/T 28181 type codes (digits 11–13) of front-end cameras; other types are not cameras
    camera_types: dict[str, str] = {"131": "摄像机 camera", "132": "网络摄像机 IPC"}
    ptz_types: dict[int, str] = {
        1: "球机 dome",
        2: "半球 half-dome",
        3: "固定枪机 fixed bullet",
        4: "遥控枪机 remote bullet",
    }
    turning_ptz_types: list[int] = Field(default=[1, 2], description="these see all round (360°)")
    # what ledgers write for a PTZ type, a status, indoor/outdoor (OSM tags included), lower case
    ptz_aliases: dict[str, int] = {
        "dome": 1,
        "球机": 1,
        "球型": 1,
        "ptz": 1,
        "half-dome": 2,
        "half_dome": 2,
        "半球": 2,
        "半球机": 2,
        "fixed": 3,
        "bullet": 3,
        "枪机": 3,
        "固定枪机": 3,
        "panning": 4,
        "遥控枪机": 4,
        "360": 1,
        "webcam": 3,
    }
    status_aliases: dict[str, str] = {"正常": "online", "损坏": "faulty", "停用": "offline"}
    room_aliases: dict[str, int] = {
        "outdoor": 1,
        "public": 1,
        "室外": 1,
        "indoor": 2,
        "室内": 2,
    }
    # OSM surveillance:type values that are not cameras (a guard post, …)
    not_cameras: list[str] = ["guard", "fake"]
    statuses: dict[str, str] = {"online": "在线", "faulty": "故障", "offline": "离线"}
    working_statuses: list[str] = ["online"]
    # what a camera sees: the range giving this pixel density (IEC 62676-4 DORI), px/m
    dori: dict[str, float] = {"detect": 25, "observe": 62.5, "recognise": 125, "identify": 250}
    level: str = Field(default="observe", description="the DORI level a view is drawn to")
    default_hfov: float = Field(default=85, gt=0, le=360, description="degrees, fixed cameras")
    default_height: float = Field(default=5, gt=0, description="metres")
    default_tilt: float = Field(default=15, description="degrees down")
    default_pixels: int = Field(default=1920, gt=0, description="horizontal pixels")
    # quotas (监控点位): per administrative village (the village's region) and natural village
    village_quota: int = Field(default=5, ge=0)
    natural_village_quota: int = Field(default=2, ge=0)
    natural_village_radius_m: float = Field(
        default=300, gt=0, description="a natural village given as a point covers this radius"
    )
    # 完好率 targets: key public areas, key industries (the share of cameras working)
    working_target: float = Field(default=0.95, gt=0, le=1)
    key_area_working_target: float = Field(default=0.98, gt=0, le=1)
    # key places whose coverage is reported (place kinds of GRIDMAP_PEOPLE_PLACE_KINDS)
    key_place_kinds: list[str] = [
        "school",
        "kindergarten",
        "hospital",
        "market",
        "mall",
        "transport_hub",
        "hazardous_chemicals",
    ]
    # the demo's generated archive: a camera by every this-many buildings and by each key place
    demo_buildings_per_camera: int = Field(
        default=15, ge=0, description="demo cameras: one per this many buildings (0: none)"
    )
    # bad-record checks (问题点位): their codes and labels
    problems: dict[str, str] = {
        "malformed_id": "编码格式错误 malformed ID",
        "unknown_province": "编码省份无效 unknown province",
        "not_a_camera": "非摄像机类型 not a camera",
        "centre_mismatch": "编码与位置不符 ID names another county",
        "duplicate_id": "编码重复 duplicate ID",
        "same_spot": "重复点位 same spot and direction",
        "no_position": "无坐标 no position (0, 0)",
        "swapped_lonlat": "经纬度颠倒 longitude and latitude swapped",
        "far_outside": "远离辖区 far outside its region",
        "outside_grids": "不在网格内 in no grid",
        "looks_gcj02": "疑似火星坐标 looks GCJ-02",
        "no_direction": "缺监控方向 fixed camera without direction",
        "bad_direction": "方向无效 direction not in 0-360",
        "impossible_height": "安装高度异常 impossible height",
        "impossible_hfov": "视场角异常 impossible field of view",
    }
    same_spot_m: float = Field(default=3, gt=0, description="two records this close…")
    same_direction_deg: float = Field(default=15, gt=0, description="…facing the same way")
    far_outside_km: float = Field(default=50, gt=0, description="this far from its region")
    gcj_offset_m: tuple[float, float] = Field(
        default=(150, 900), description="a position this far from what it names looks GCJ-02"
    )
    max_height_m: float = Field(default=40, gt=0)
    min_hfov: float = Field(default=2, gt=0)
    # planning (选址): candidate sites and headings, the demand, the solver's time limit
    planning_headings: int = Field(default=8, ge=1, le=36)
    planning_sites: int = Field(default=500, ge=1, description="most candidate sites")
    planning_site_spacing_m: float = Field(
        default=25, gt=0, description="candidate sites at least about this far apart"
    )
    planning_demand_points: int = Field(default=5000, ge=1, description="most demand points")
    planning_key_place_weight: float = Field(
        default=50, ge=0, description="a key place's demand weight (a building's: residents)"
    )
    planning_time_limit_s: float = Field(default=60, gt=0)
