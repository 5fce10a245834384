"""The demo county's departments and units (职能部门) that handle events: the county's bureaus
and each township's offices, with the categories each takes. Generated (flagged so): real
deployments import their own list (``gridmap import departments FILE``)."""

from __future__ import annotations

from collections.abc import Iterable
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


def departments_for(
    county: str, townships: Iterable[tuple[str, str]], county_name: str = "县"
) -> list[dict[str, Any]]:
    """A county's bureaus (named ``county_name`` + bureau) and each township's offices, as
    department records (code, name, level, region_code, categories, phone, generated)."""
    prefix = county[:6]
    records = [
        {
            "code": f"{prefix}-{suffix}",
            "name": f"{county_name}{name}",
            "level": "county",
            "region_code": county,
            "categories": takes,
            "phone": None,
            "generated": True,
        }
        for suffix, name, takes in COUNTY_BUREAUS
    ]
    for code, township in townships:
        records.extend(
            {
                "code": f"{code[:9]}-{suffix}",
                "name": f"{township}{name}",
                "level": "township",
                "region_code": code,
                "categories": takes,
                "phone": None,
                "generated": True,
            }
            for suffix, name, takes in TOWNSHIP_OFFICES
        )
    return records


def demo_departments(conn: Connection, county: str) -> list[dict[str, Any]]:
    """The county's bureaus and, for each of its townships, the township's offices."""
    townships = regions.list_regions(conn, county, level="township")
    return departments_for(county, [(t["code"], t["name"]) for t in townships])


def load(conn: Connection, county: str) -> int:
    """Write the demo departments (the owner's connection); how many."""
    return events.upsert_departments(conn, demo_departments(conn, county))
