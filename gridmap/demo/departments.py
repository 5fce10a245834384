"""The demo county's departments and units (职能部门) that handle events: the county's bureaus
and each township's offices, with the categories each takes. Generated (flagged so): real
deployments import their own list (``gridmap import departments FILE``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gridmap.layers import events, regions

# (code suffix, name, categories or groups taken)
COUNTY_BUREAUS = (
    ("CG", "城市管理局", ["urban"]),
    ("GA", "公安局", ["public_order", "road_traffic"]),
    ("YJ", "应急管理局", ["hazardous_chemicals", "disaster", "hazard", "special_equipment"]),
    ("XF", "消防救援大队", ["fire"]),
    ("SJ", "市场监督管理局", ["food_drug", "special_equipment", "parcel_logistics"]),
    ("ZJ", "住房和城乡建设局", ["construction", "dangerous_building", "property"]),
    ("HB", "生态环境分局", ["environment"]),
    ("RS", "人力资源和社会保障局", ["labour"]),
    ("WJ", "卫生健康委员会", ["public_health", "education_health"]),
    ("JT", "交通运输局", ["ride_hailing", "road_traffic"]),
    ("MZ", "民政局", ["service"]),
    ("XFJ", "信访局", []),
)
TOWNSHIP_OFFICES = (
    ("ZZ", "综治中心", ["dispute", "public_order", "hazard", "service"]),
    ("CJ", "城建办", ["urban", "construction"]),
)


def demo_departments(conn: Connection, county: str) -> list[dict[str, Any]]:
    """The county's bureaus and, for each of its townships, the township's offices."""
    prefix = county[:6]
    records = [
        {
            "code": f"{prefix}-{suffix}",
            "name": f"县{name}",
            "level": "county",
            "region_code": county,
            "categories": takes,
            "phone": None,
            "generated": True,
        }
        for suffix, name, takes in COUNTY_BUREAUS
    ]
    for township in regions.list_regions(conn, county, level="township"):
        records.extend(
            {
                "code": f"{township['code'][:9]}-{suffix}",
                "name": f"{township['name']}{name}",
                "level": "township",
                "region_code": township["code"],
                "categories": takes,
                "phone": None,
                "generated": True,
            }
            for suffix, name, takes in TOWNSHIP_OFFICES
        )
    return records


def load(conn: Connection, county: str) -> int:
    """Write the demo departments (the owner's connection); how many."""
    return events.upsert_departments(conn, demo_departments(conn, county))
