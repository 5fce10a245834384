"""The camera archive (一机一档) and natural villages (自然村) ledgers.

A camera row carries DESIGN's columns in English or Chinese (``device_id``/设备编码, ``name``/
设备名称, ``lon``/``lat``, ``direction``/监控方向, ``ptz_type``/摄像机类型, ``height``/安装高度,
``hfov``/水平视场角, ``status``/状态, …), or the tags of an OpenStreetMap
``man_made=surveillance`` export (``camera:direction``, ``camera:type``, ``height``,
``surveillance``, ``camera:angle``). Values are read as people write them: a direction in degrees,
as a range (``90-270``: its middle, and the range as the field of view) or a compass point
(``NE``, 东北); a height with its unit (``5 m``); a resolution as ``1920x1080`` or ``1080P``;
a PTZ type, status or indoor/outdoor by code, label or configured alias (indoor/outdoor is
read leniently: OSM's ``surveillance`` tag mostly says something else, such as ``traffic``).

A camera is kept when it stands in no grid (a wrong position is a problem to find, not a reason
to lose the record): it then belongs to the county its GB/T 28181 ID names, the ``region``
column, or the importer's jurisdiction. A bad ID is kept too (the problems list reports it); a
row is rejected only when a value cannot be read, when it stands in another jurisdiction's grid,
or when it repeats a record (an OSM node, or a device ID at the same spot).
"""

from __future__ import annotations

from gridmap.ingest.checks import Check, required, whole_number
from gridmap.ingest.ledger import Ledger
from gridmap.ingest.readers import Column
from gridmap.layers.cameras import HOME_REGION


def _number(column: str) -> str:
    """The number in ``s.column`` (a unit such as m, 米, ° or 度 allowed), NULL when none."""
    return (
        f"CAST(substring(s.{column} from"
        " '^\\s*(-?[0-9]+(\\.[0-9]+)?)\\s*(m|米|metres|meters|°|度)?\\s*$') AS real)"
    )


def _not_a_number(column: str, what: str) -> Check:
    return Check(
        column,
        f"CASE WHEN s.{column} IS NOT NULL AND {_number(column)} IS NULL"
        f" THEN format('%s is not a {what}', s.{column}) END",
    )


# a direction: degrees (a negative one counted anticlockwise, 360 as 0), a range "a-b"
# (clockwise from a to b), or a compass point; of a list ("90;270", "180, 270") the first
_D = "btrim(split_part(translate(s.direction, ',', ';'), ';', 1))"
_A = f"CAST(split_part({_D}, '-', 1) AS numeric)"
_SPAN = f"mod(CAST(split_part({_D}, '-', 2) AS numeric) - {_A} + 360, 360)"
_RANGE = f"{_D} ~ '^[0-9]+(\\.[0-9]+)?\\s*-\\s*[0-9]+(\\.[0-9]+)?$'"
_COMPASSES = (  # names of the points, clockwise from north
    "ARRAY['N','NNE','NE','ENE','E','ESE','SE','SSE','S','SSW','SW','WSW','W','WNW','NW','NNW']",
    "ARRAY['NORTH','NORTHEAST','EAST','SOUTHEAST','SOUTH','SOUTHWEST','WEST','NORTHWEST']",
    "ARRAY['北','东北','东','东南','南','西南','西','西北']",
)
_POINTS = "\n".join(
    f"    WHEN upper({_D}) = ANY ({names}) THEN"
    f" (array_position({names}, upper({_D})) - 1) * 360.0 / cardinality({names})"
    for names in _COMPASSES
)
_DEGREES = f"CAST(substring({_D} from '^(-?[0-9]+(\\.[0-9]+)?)') AS real)"
DIRECTION = f"""CASE
    WHEN {_D} ~ '^-?[0-9]+(\\.[0-9]+)?\\s*(°|度)?$'
      THEN CASE WHEN {_DEGREES} < 0 THEN {_DEGREES} + 360 WHEN {_DEGREES} = 360 THEN 0
                ELSE {_DEGREES} END
    WHEN {_RANGE} THEN CAST(mod({_A} + {_SPAN} / 2, 360) AS real)
{_POINTS}
  END"""
# the field of view a direction range gives, when the row has none of its own
_RANGE_HFOV = f"CASE WHEN {_RANGE} AND {_SPAN} > 0 THEN CAST({_SPAN} AS real) END"
RESOLUTION = """CASE
    WHEN s.resolution ~ '^[0-9]+$' THEN CAST(s.resolution AS integer)
    WHEN s.resolution ~ '^[0-9]+\\s*[xX×*]\\s*[0-9]+$'
      THEN CAST(substring(s.resolution from '^([0-9]+)') AS integer)
    WHEN s.resolution ~* '^[0-9]+\\s*p$'
      THEN CAST(round(CAST(substring(s.resolution from '^([0-9]+)') AS integer) * 16 / 9.0)
                AS integer)
    WHEN upper(s.resolution) = '4K' THEN 3840
    WHEN upper(s.resolution) = '2K' THEN 2560
  END"""


def _coded(column: str, names: str, codes: str) -> str:
    """A value given as a code (1-9) or a name (of a list, the first): its code, NULL when
    unknown."""
    value = f"lower(btrim(split_part(s.{column}, ';', 1)))"
    return (
        f"CASE WHEN s.{column} ~ '^[0-9]$' THEN CAST(s.{column} AS smallint)"
        f" ELSE CAST((CAST(:{codes} AS int[]))[array_position(CAST(:{names} AS text[]),"
        f" {value})] AS smallint) END"
    )


PTZ_TYPE = _coded("ptz_type", "ptz_names", "ptz_codes")
ROOM_TYPE = _coded("room_type", "room_names", "room_codes")
STATUS = (
    "(CAST(:status_codes AS text[]))[array_position(CAST(:status_names AS text[]),"
    " lower(s.status))]"
)
CHECKED_ON = (
    "CASE WHEN s.checked_on ~ '^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}$'"
    " THEN to_date(translate(s.checked_on, '/.', '--'), 'YYYY-MM-DD') END"
)
OSM_ID = "CAST(substring(regexp_replace(s.osm_id, '^node/', '') from '^([0-9]{1,18})$') AS bigint)"


def _unknown(column: str, parsed: str, what: str, known: str) -> Check:
    return Check(
        column,
        f"CASE WHEN s.{column} IS NOT NULL AND {parsed} IS NULL THEN format('unknown {what}"
        f" %s (known: %s)', s.{column}, array_to_string(CAST(:{known} AS text[]), ', ')) END",
    )


def _not_a_camera(column: str) -> Check:
    """OSM's surveillance tags that name something else (a guard post, a fake camera)."""
    return Check(
        column,
        f"CASE WHEN lower(s.{column}) = ANY (CAST(:not_cameras AS text[]))"
        f" THEN format('not a camera (%s)', s.{column}) END",
    )


def _params(settings) -> dict:
    config = settings.cameras
    ptz = {**{label.lower(): code for code, label in config.ptz_types.items()}}
    ptz.update({name.lower(): code for name, code in config.ptz_aliases.items()})
    statuses = {code.lower(): code for code in config.statuses}
    statuses.update({label.lower(): code for code, label in config.statuses.items()})
    statuses.update({name.lower(): code for name, code in config.status_aliases.items()})
    rooms = {name.lower(): code for name, code in config.room_aliases.items()}
    return {
        "ptz_names": list(ptz),
        "ptz_codes": list(ptz.values()),
        "room_names": list(rooms),
        "room_codes": list(rooms.values()),
        "status_names": list(statuses),
        "status_codes": list(statuses.values()),
        "not_cameras": config.not_cameras,
        "same_spot": config.same_spot_m,
    }


_REPEATS = (
    # an OSM node twice in the file, already here, or in another jurisdiction
    f"""
    INSERT INTO stage_rejects (row_no, field, value, reason)
    SELECT row_no, 'osm_id', osm_id, format('OSM node %s is also at row %s', osm_id, first)
      FROM (SELECT row_no, osm_id, min(row_no) OVER (PARTITION BY {OSM_ID}) AS first
              FROM stage s WHERE {OSM_ID} IS NOT NULL) d WHERE row_no > first
    UNION ALL
    SELECT s.row_no, 'osm_id', s.osm_id, format('OSM node %s is already camera %s', s.osm_id,
           c.id) FROM stage s JOIN cameras c ON c.osm_id = {OSM_ID}
    UNION ALL
    SELECT s.row_no, 'osm_id', s.osm_id,
           format('OSM node %s is already a camera in another jurisdiction', s.osm_id)
      FROM stage s JOIN gridmap_keys_elsewhere('cameras',
                          ARRAY(SELECT CAST({OSM_ID} AS text) FROM stage s)) e
        ON e.key = CAST({OSM_ID} AS text)
     WHERE NOT EXISTS (SELECT 1 FROM cameras c WHERE c.osm_id = {OSM_ID})
    """,
    # the same device at the same spot: a record imported before
    """
    INSERT INTO stage_rejects (row_no, field, value, reason)
    SELECT DISTINCT ON (s.row_no) s.row_no, 'device_id', s.device_id,
           format('device %s is already camera %s at this spot', s.device_id, c.id)
      FROM stage s JOIN cameras c ON c.device_id = s.device_id
       AND ST_DWithin(c.pt::geography, s.pt::geography, :same_spot)
     WHERE s.device_id IS NOT NULL AND s.pt IS NOT NULL
     ORDER BY s.row_no, c.id
    """,
    # the region of each camera, and rows that belong to none the importer may write
    "UPDATE stage s SET home_region = "
    + HOME_REGION.format(grid="s.grid_code", device="s.device_id", region="s.region"),
    """
    INSERT INTO stage_rejects (row_no, field, value, reason)
    SELECT row_no, 'region', coalesce(region, device_id),
           CASE WHEN home_region IS NULL
                THEN 'stands in no grid and names no region: give a device ID that names its'
                     || ' county, or the region column'
                ELSE format('region %s is outside your jurisdiction', home_region) END
      FROM stage
     WHERE pt IS NOT NULL AND (home_region IS NULL OR NOT (home_region >= gridmap_scope_lo()
           AND home_region < gridmap_scope_hi()))
       AND row_no NOT IN (SELECT row_no FROM stage_rejects)
    """,
)

CAMERAS = Ledger(
    layer="cameras",
    columns=(
        Column("device_id", ("设备编码", "设备编号", "国标编码", "设备国标编码", "gb_id")),
        Column("name", ("设备名称", "名称", "点位名称")),
        Column("osm_id", ("@id", "osm id")),
        Column("manufacturer", ("厂商", "设备厂商", "生产厂商")),
        Column("model", ("型号", "设备型号")),
        Column("owner", ("设备归属", "所属单位", "operator")),
        Column("address", ("安装地址", "地址", "位置", "addr:full")),
        Column("ptz_type", ("摄像机类型", "类型", "camera:type")),
        Column("room_type", ("室内外", "安装位置", "surveillance")),
        Column("use", ("用途", "监控用途")),
        Column("light", ("补光", "补光属性")),
        Column("resolution", ("resolution_px", "分辨率")),
        Column("hfov", ("水平视场角", "视场角")),
        Column("direction", ("监控方向", "方向", "camera:direction")),
        Column("tilt", ("俯角", "俯仰角", "camera:angle")),
        Column("height", ("安装高度", "高度")),
        Column("status", ("状态", "设备状态", "在线状态")),
        Column("checked_on", ("巡检日期", "检查日期", "checked")),
        Column("region", ("区划代码", "所属区划", "region_code")),
        Column("surveillance_type", ("surveillance:type",)),
    ),
    checks=(
        _not_a_camera("surveillance_type"),
        _not_a_camera("room_type"),
        _unknown("ptz_type", PTZ_TYPE, "PTZ type", "ptz_names"),
        _unknown("status", STATUS, "status", "status_names"),
        Check(
            "direction",
            f"CASE WHEN s.direction IS NOT NULL AND ({DIRECTION}) IS NULL THEN format('%s is"
            " not a direction (degrees from north, a range such as 90-270, or NE)',"
            " s.direction) END",
        ),
        _not_a_number("height", "height in metres"),
        _not_a_number("hfov", "field of view in degrees"),
        _not_a_number("tilt", "tilt in degrees"),
        Check(
            "resolution",
            f"CASE WHEN s.resolution IS NOT NULL AND ({RESOLUTION}) IS NULL THEN format('%s is"
            " not a resolution (1920, 1920x1080 or 1080P)', s.resolution) END",
        ),
        Check(
            "checked_on",
            f"CASE WHEN s.checked_on IS NOT NULL AND ({CHECKED_ON}) IS NULL"
            " THEN format('%s is not a date (YYYY-MM-DD)', s.checked_on) END",
        ),
        whole_number("use", 1, 3),
        whole_number("light", 1, 4),
        Check(
            "osm_id",
            f"CASE WHEN s.osm_id IS NOT NULL AND {OSM_ID} IS NULL"
            " THEN format('%s is not an OSM node id', s.osm_id) END",
        ),
        Check(
            "region",
            "CASE WHEN s.region IS NOT NULL AND NOT EXISTS (SELECT 1 FROM regions r"
            " WHERE r.code = s.region) THEN format('unknown region %s', s.region) END",
        ),
    ),
    located=True,
    keeps_gridless=True,
    staged=("home_region text",),
    resolve=_REPEATS,
    params=_params,
    move=f"""
        INSERT INTO cameras (device_id, osm_id, source, name, manufacturer, model, owner,
                             address, ptz_type, room_type, use, light, resolution_px, hfov,
                             direction, tilt, height, status, checked_on, declared_crs, pt,
                             grid_code, micro_code, home_region, generated)
        SELECT s.device_id, {OSM_ID}, CASE WHEN s.osm_id IS NOT NULL THEN 'osm' ELSE 'ledger'
               END || ':' || :file, s.name, s.manufacturer, s.model, s.owner, s.address,
               {PTZ_TYPE}, {ROOM_TYPE}, CAST(s.use AS smallint), CAST(s.light AS smallint),
               {RESOLUTION}, coalesce({_number("hfov")}, {_RANGE_HFOV}), {DIRECTION},
               {_number("tilt")}, {_number("height")}, coalesce({STATUS}, 'online'),
               {CHECKED_ON}, :crs, s.pt, s.grid_code, s.micro_code, s.home_region, :generated
          FROM stage s WHERE NOT s.rejected
    """,
)

NATURAL_VILLAGES = Ledger(
    layer="natural_villages",
    columns=(
        Column("code", ("自然村编码", "编码"), required=True),
        Column("name", ("自然村名称", "名称", "自然村"), required=True),
        Column("region", ("行政村代码", "所属行政村", "region_code", "区划代码")),
    ),
    checks=(
        required("code"),
        required("name"),
        Check(
            "region",
            "CASE WHEN s.region IS NOT NULL AND NOT EXISTS (SELECT 1 FROM regions r"
            " WHERE r.code = s.region) THEN format('unknown region %s', s.region) END",
        ),
    ),
    located=True,
    key="code",
    resolve=(
        """
        INSERT INTO stage_rejects (row_no, field, value, reason)
        SELECT row_no, 'region', region, format('region %s is outside your jurisdiction', region)
          FROM stage WHERE region IS NOT NULL
           AND NOT (region >= gridmap_scope_lo() AND region < gridmap_scope_hi())
        """,
    ),
    move="""
        INSERT INTO natural_villages (code, name, region_code, geom, generated)
        SELECT s.code, s.name, coalesce(s.region, left(s.grid_code, 12)),
               coalesce(ST_GeomFromWKB(s.footprint, 4326), s.pt), :generated
          FROM stage s WHERE NOT s.rejected
    """,
)
