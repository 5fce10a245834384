"""Imports of cameras and natural villages learn that a key is taken in another jurisdiction
(an OSM node id, a natural village's code) as the other ledgers do: ``gridmap_keys_elsewhere``
answers for them too, saying only the key and the region that holds it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
_HOUSEHOLDS = """
  IF p_layer = 'households' THEN
    RETURN QUERY SELECT h.household_no::text, b.grid_code::text FROM households h
                  JOIN buildings b ON b.id = h.building_id
                  WHERE h.household_no = ANY (p_keys);
  ELSIF p_layer IN ('buildings', 'places', 'things', 'organisations') THEN
    RETURN QUERY EXECUTE format(
      'SELECT t.code::text, t.grid_code::text FROM %I t WHERE t.code = ANY ($1)', p_layer)
      USING p_keys;"""
_CAMERAS = """
  ELSIF p_layer = 'natural_villages' THEN
    RETURN QUERY SELECT n.code::text, n.region_code::text FROM natural_villages n
                  WHERE n.code = ANY (p_keys);
  ELSIF p_layer = 'cameras' THEN
    RETURN QUERY SELECT c.osm_id::text, c.region_code::text FROM cameras c
                  WHERE c.osm_id = ANY (ARRAY(SELECT k::bigint FROM unnest(p_keys) k
                                               WHERE k ~ '^[0-9]{1,18}$'));"""


def _keys_elsewhere(branches: str) -> None:
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION gridmap_keys_elsewhere(p_layer text, p_keys text[])
        RETURNS TABLE (key text, grid_code text) LANGUAGE plpgsql STABLE {_DEFINER} AS $$
        BEGIN
          {branches}
          ELSE
            RAISE EXCEPTION 'no key look-up for layer %', p_layer;
          END IF;
        END
        $$
        """
    )


def upgrade() -> None:
    _keys_elsewhere(_HOUSEHOLDS + _CAMERAS)


def downgrade() -> None:
    _keys_elsewhere(_HOUSEHOLDS)
