"""People, places, things and organisations (人、地、物、组织) tied to grids.

Every located record (buildings, places, things, organisations) carries the grid
(``grid_code``) and micro-grid (``micro_code``) that contains its point (``pt``), tied in PostGIS:
the row-level security key, like ``grids.code``. Units, households and residents follow their
building: they carry ``building_id`` and their policies look the building's tie up, so a
re-grid re-ties ~1 million located records, never the 5 million residents. ``tie_history``
keeps which grid a located record was in when (a statement trigger
writes a row whenever a tie is made or changes). ID numbers and phones are stored encrypted by
the application (``*_cipher``), with a keyed hash (``*_hash``) for exact look-up and a masked form
(``*_masked``) for lists; the database never holds the key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APP = "gridmap_app"
TIED = 'grid_code varchar(15) COLLATE "C" NOT NULL, micro_code varchar(17) COLLATE "C"'
# a grid worker's scope is a grid (15 digits) or a micro-grid (17): match either tie
IN_SCOPE = (
    "((grid_code >= gridmap_scope_lo() AND grid_code < gridmap_scope_hi())"
    " OR (micro_code >= gridmap_scope_lo() AND micro_code < gridmap_scope_hi()))"
)
LOCATED = ("buildings", "places", "things", "organisations")


def _scoped(table: str, read: str | None, write: str) -> None:
    """RLS keyed on the tie; reads may need a permission too, writes always do."""
    _policies(table, IN_SCOPE, read, write)


def _policies(table: str, in_scope: str, read: str | None, write: str) -> None:
    read_condition = in_scope + (f" AND ({read})" if read else "")
    write_condition = f"{in_scope} AND gridmap_can('{write}')"
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP}")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {table}_read ON {table} FOR SELECT TO {APP} USING ({read_condition})"
    )
    op.execute(
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO {APP}"
        f" WITH CHECK ({write_condition})"
    )
    op.execute(
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO {APP}"
        f" USING ({write_condition}) WITH CHECK ({write_condition})"
    )
    op.execute(
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO {APP} USING ({write_condition})"
    )


# units, households and residents are in scope when their building is (a primary-key look-up)
IN_SCOPE_BY_BUILDING = (
    "EXISTS (SELECT 1 FROM buildings b WHERE b.id = building_id AND "
    + IN_SCOPE.replace("grid_code", "b.grid_code").replace("micro_code", "b.micro_code")
    + ")"
)


def _scoped_by_building(table: str, read: str | None, write: str) -> None:
    """RLS through the building: reads may need a permission too, writes always do."""
    _policies(table, IN_SCOPE_BY_BUILDING, read, write)


def _tied_indexes(table: str) -> None:
    op.execute(f"CREATE INDEX {table}_grid_idx ON {table} (grid_code)")
    op.execute(
        f"CREATE INDEX {table}_micro_idx ON {table} (micro_code) WHERE micro_code IS NOT NULL"
    )


def _buildings() -> None:
    op.execute(
        f"""
        CREATE TABLE buildings (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          code text COLLATE "C" NOT NULL UNIQUE CHECK (code <> ''),
          address text NOT NULL CHECK (address <> ''),
          name text,
          floors smallint CHECK (floors BETWEEN 1 AND 300),
          use text,
          year smallint CHECK (year BETWEEN 1000 AND 2100),
          footprint geometry(MultiPolygon, 4326),
          pt geometry(Point, 4326) NOT NULL,
          {TIED},
          generated boolean NOT NULL DEFAULT false,
          imported_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("COMMENT ON TABLE buildings IS 'buildings (房屋/楼栋): footprint or point'")
    op.execute("CREATE INDEX buildings_pt_idx ON buildings USING gist (pt)")
    op.execute("CREATE INDEX buildings_address_trgm ON buildings USING gin (address gin_trgm_ops)")
    _tied_indexes("buildings")
    op.execute(
        """
        CREATE TABLE units (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          building_id bigint NOT NULL REFERENCES buildings ON DELETE CASCADE,
          name text NOT NULL CHECK (name <> ''),
          UNIQUE (building_id, name)
        )
        """
    )
    op.execute("COMMENT ON TABLE units IS 'units of a building (单元)'")
    op.execute(
        """
        CREATE TABLE households (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          household_no text COLLATE "C" NOT NULL UNIQUE CHECK (household_no <> ''),
          building_id bigint NOT NULL REFERENCES buildings ON DELETE RESTRICT,
          unit_id bigint REFERENCES units ON DELETE RESTRICT,
          room text,
          address text NOT NULL,
          registered boolean NOT NULL DEFAULT true,
          generated boolean NOT NULL DEFAULT false
        )
        """
    )
    op.execute("COMMENT ON TABLE households IS 'households (户): registered (户籍户) or not'")
    op.execute("CREATE INDEX households_building_idx ON households (building_id)")
    op.execute("CREATE INDEX households_unit_idx ON households (unit_id)")
    _scoped("buildings", None, "places:write")
    for table in ("units", "households"):
        _scoped_by_building(table, None, "people:write")


def _residents() -> None:
    # building_id repeats the household's building (written with it by the import), so the
    # policy needs one look-up, not two; no foreign key of its own: the household's already
    # holds the building, and a second check per row would cost a fifth of the insert
    op.execute(
        """
        CREATE TABLE residents (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          household_id bigint NOT NULL REFERENCES households ON DELETE RESTRICT,
          building_id bigint NOT NULL,
          name text NOT NULL CHECK (name <> ''),
          id_hash bytea,
          id_cipher bytea,
          id_masked text,
          sex char(1) CHECK (sex IN ('M', 'F')),
          birth_date date,
          phone_hash bytea,
          phone_cipher bytea,
          phone_masked text,
          kind text NOT NULL,
          tags text[] NOT NULL DEFAULT '{}',
          generated boolean NOT NULL DEFAULT false,
          CHECK ((id_hash IS NULL) = (id_cipher IS NULL)),
          CHECK ((phone_hash IS NULL) = (phone_cipher IS NULL))
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE residents IS 'residents (人口): ID number and phone encrypted, "
        "with keyed hashes for look-up and masked forms for lists'"
    )
    op.execute("CREATE UNIQUE INDEX residents_id_hash_key ON residents (id_hash)")
    op.execute("CREATE INDEX residents_household_idx ON residents (household_id)")
    op.execute("CREATE INDEX residents_phone_hash_idx ON residents (phone_hash)")
    _scoped_by_building(
        "residents", "gridmap_can('people:read') OR gridmap_can('people:count')", "people:write"
    )


def _located(table: str, columns: str, comment: str) -> None:
    op.execute(
        f"""
        CREATE TABLE {table} (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          {columns},
          pt geometry(Point, 4326) NOT NULL,
          {TIED},
          generated boolean NOT NULL DEFAULT false,
          imported_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(f"COMMENT ON TABLE {table} IS '{comment}'")
    op.execute(f"CREATE INDEX {table}_pt_idx ON {table} USING gist (pt)")
    _tied_indexes(table)
    _scoped(table, None, "places:write")


def _places_things_organisations() -> None:
    _located(
        "places",
        """code text COLLATE "C" NOT NULL UNIQUE CHECK (code <> ''),
          name text NOT NULL, kind text NOT NULL, address text,
          must_visit boolean NOT NULL DEFAULT false,
          footprint geometry(MultiPolygon, 4326)""",
        "places (场所): key places, nine small places (九小场所); must_visit: 必到点",
    )
    op.execute("CREATE INDEX places_kind_idx ON places (grid_code, kind)")
    _located(
        "things",
        """code text COLLATE "C" NOT NULL UNIQUE CHECK (code <> ''),
          category text NOT NULL, name text""",
        "things (物/部件): public facilities with a category code",
    )
    _located(
        "organisations",
        """code text COLLATE "C" UNIQUE CHECK (code <> ''),
          name text NOT NULL, kind text NOT NULL, address text,
          building_id bigint REFERENCES buildings ON DELETE SET NULL""",
        "organisations (组织): enterprises, social organisations, party branches",
    )


def _grid_workers() -> None:
    op.execute(
        """
        CREATE TABLE grid_workers (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          grid_code varchar(17) COLLATE "C" NOT NULL,
          name text NOT NULL CHECK (name <> ''),
          duty text NOT NULL,
          service_phone text,
          user_id bigint REFERENCES users ON DELETE SET NULL
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE grid_workers IS 'people on a grid (网格员, 网格长 …) and their public "
        "service phone (not personal data)'"
    )
    # no foreign key to grids: a merge that retires a grid must not silently drop its people
    op.execute("CREATE INDEX grid_workers_grid_idx ON grid_workers (grid_code)")
    scope = "(grid_code >= gridmap_scope_lo() AND grid_code < gridmap_scope_hi())"
    _policies("grid_workers", scope, None, "grids:write")


def _tie_history() -> None:
    op.execute(
        f"""
        CREATE TABLE tie_history (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          layer text NOT NULL,
          record_id bigint NOT NULL,
          {TIED.replace(" NOT NULL", "")},
          tied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          operation text NOT NULL,
          actor text NOT NULL DEFAULT gridmap_actor()
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE tie_history IS 'which grid a located record was in when: one row per "
        "tie made or changed; the grid at time T is the newest row with tied_at <= T'"
    )
    op.execute("CREATE INDEX tie_history_record_idx ON tie_history (layer, record_id, tied_at)")
    op.execute(f"GRANT SELECT, INSERT ON tie_history TO {APP}")
    op.execute("ALTER TABLE tie_history ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tie_history_read ON tie_history FOR SELECT TO {APP} USING ({IN_SCOPE})"
    )
    op.execute(
        f"CREATE POLICY tie_history_insert ON tie_history FOR INSERT TO {APP} WITH CHECK (true)"
    )
    op.execute(
        """
        CREATE FUNCTION record_ties() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          op text := coalesce(nullif(current_setting('gridmap.operation', true), ''),
                              lower(TG_OP));
        BEGIN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO tie_history (layer, record_id, grid_code, micro_code, operation)
            SELECT TG_TABLE_NAME, n.id, n.grid_code, n.micro_code, op FROM new_rows n;
          ELSE
            INSERT INTO tie_history (layer, record_id, grid_code, micro_code, operation)
            SELECT TG_TABLE_NAME, n.id, n.grid_code, n.micro_code, op
              FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.grid_code, n.micro_code) IS DISTINCT FROM (o.grid_code, o.micro_code);
          END IF;
          RETURN NULL;
        END
        $$
        """
    )
    for table in LOCATED:
        op.execute(
            f"CREATE TRIGGER {table}_ties_insert AFTER INSERT ON {table}"
            " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_ties()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_ties_update AFTER UPDATE ON {table}"
            " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
            " FOR EACH STATEMENT EXECUTE FUNCTION record_ties()"
        )


_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"


def _lookups() -> None:
    """Narrow SECURITY DEFINER look-ups: what an importer may learn about rows it cannot see
    (that a key is taken elsewhere), and what the public may learn (find my grid)."""
    op.execute(
        f"""
        CREATE FUNCTION gridmap_keys_elsewhere(p_layer text, p_keys text[])
        RETURNS TABLE (key text, grid_code text) LANGUAGE plpgsql STABLE {_DEFINER} AS $$
        BEGIN
          IF p_layer = 'households' THEN
            RETURN QUERY SELECT h.household_no::text, b.grid_code::text FROM households h
                          JOIN buildings b ON b.id = h.building_id
                          WHERE h.household_no = ANY (p_keys);
          ELSIF p_layer IN ('buildings', 'places', 'things', 'organisations') THEN
            RETURN QUERY EXECUTE format(
              'SELECT t.code::text, t.grid_code::text FROM %I t WHERE t.code = ANY ($1)', p_layer)
              USING p_keys;
          ELSE
            RAISE EXCEPTION 'no key look-up for layer %', p_layer;
          END IF;
        END
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION gridmap_ids_elsewhere(p_hashes bytea[])
        RETURNS SETOF bytea LANGUAGE sql STABLE {_DEFINER} AS $$
          SELECT r.id_hash FROM residents r WHERE r.id_hash = ANY (p_hashes)
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION gridmap_grids_at(p_lon float8[], p_lat float8[])
        RETURNS TABLE (i integer, grid_code text) LANGUAGE sql STABLE {_DEFINER} AS $$
          SELECT p.i::integer, g.code::text
            FROM unnest(p_lon, p_lat) WITH ORDINALITY AS p(lon, lat, i)
            CROSS JOIN LATERAL (
              SELECT code FROM grids
               WHERE length(code) = 15
                 AND ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
               ORDER BY code LIMIT 1) g
        $$
        """
    )
    # find my grid (找网格): only a grid's code, name and its workers' public service phone
    op.execute(
        f"""
        CREATE FUNCTION gridmap_public_grid_at(p_lon float8, p_lat float8)
        RETURNS TABLE (code text, name text, worker text, duty text, service_phone text)
        LANGUAGE sql STABLE {_DEFINER} AS $$
          SELECT g.code::text, g.name, w.name, w.duty, w.service_phone
            FROM (SELECT code, name FROM grids
                   WHERE length(code) = 15
                     AND ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326))
                   ORDER BY code LIMIT 1) g
            LEFT JOIN LATERAL (
              SELECT name, duty, service_phone FROM grid_workers
               WHERE grid_code = g.code
               ORDER BY duty <> 'worker', id LIMIT 1) w ON true
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION gridmap_public_find_address(p_query text, p_limit integer)
        RETURNS TABLE (address text, lon float8, lat float8, code text, name text,
                       worker text, duty text, service_phone text)
        LANGUAGE sql STABLE {_DEFINER} AS $$
          SELECT b.address, ST_X(b.pt), ST_Y(b.pt), g.code::text, g.name, w.name, w.duty,
                 w.service_phone
            FROM (SELECT address, pt, grid_code FROM buildings
                   WHERE address ILIKE '%' || replace(replace(replace(p_query, '\\', '\\\\'),
                                               '%', '\\%'), '_', '\\_') || '%'
                   ORDER BY length(address), address LIMIT least(p_limit, 50)) b
            JOIN grids g ON g.code = b.grid_code
            LEFT JOIN LATERAL (
              SELECT name, duty, service_phone FROM grid_workers
               WHERE grid_code = g.code ORDER BY duty <> 'worker', id LIMIT 1) w ON true
        $$
        """
    )
    for function in (
        "gridmap_keys_elsewhere(text, text[])",
        "gridmap_ids_elsewhere(bytea[])",
        "gridmap_grids_at(float8[], float8[])",
        "gridmap_public_grid_at(float8, float8)",
        "gridmap_public_find_address(text, integer)",
    ):
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {APP}")


# ISO 7064 MOD 11-2 weights of a resident ID's first 17 digits (GB 11643)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_SUM = " + ".join(f"substr(id, {i}, 1)::int * {w}" for i, w in enumerate(_ID_WEIGHTS, 1))


def _resident_id_check() -> None:
    """Why a resident ID number is not valid, or NULL: format, region part, birth date, check
    character. Plain SQL of string comparisons, so it is inlined into the set-based import
    checks (STABLE like ``format``: declared IMMUTABLE it would not be inlined, 3× slower).
    ``today`` is YYYYMMDD; ``expected`` may carry the check character computed while the
    file was read (the importer's thread has time to spare, the database has not), else it
    is computed here."""
    op.execute(
        f"""
        CREATE FUNCTION gridmap_id_problem(id text, provinces text[], today text, expected text)
        RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
          SELECT CASE
            WHEN id !~ '^[0-9]{{17}}[0-9X]$'
              THEN 'must be 17 digits and a check character (a digit or X)'
            WHEN NOT (left(id, 2) = ANY (provinces))
              THEN format('region part %s: %s is not a province code', left(id, 6), left(id, 2))
            WHEN substr(id, 7, 4) < '1900'
              THEN format('birth year %s is before 1900', substr(id, 7, 4))
            WHEN substr(id, 11, 2) NOT BETWEEN '01' AND '12'
              OR substr(id, 13, 2) NOT BETWEEN '01' AND (ARRAY['31', '29', '31', '30', '31', '30',
                   '31', '31', '30', '31', '30', '31'])[substr(id, 11, 2)::int]
              OR (substr(id, 11, 4) = '0229' AND NOT (substr(id, 7, 4)::int % 4 = 0
                  AND (substr(id, 7, 4)::int % 100 <> 0 OR substr(id, 7, 4)::int % 400 = 0)))
              THEN format('birth date %s is not a real date', substr(id, 7, 8))
            WHEN substr(id, 7, 8) > today
              THEN format('birth date %s is after today', substr(id, 7, 8))
            WHEN coalesce(expected, substr('10X98765432', ({_ID_SUM}) % 11 + 1, 1))
                 <> substr(id, 18, 1)
              THEN format('check character %s does not match, expected %s', substr(id, 18, 1),
                          coalesce(expected, substr('10X98765432', ({_ID_SUM}) % 11 + 1, 1)))
          END
        $$
        """
    )


def _retie() -> None:
    """Re-tie located records inside an area (all when NULL) to the grids now there (units,
    households and residents follow their building by reference). SECURITY DEFINER: re-tying is a
    consequence of a grid edit, not a write the editor makes, so it may not be cut short by
    the editor's own permissions. Grids drive the join (grids outer, points inner)."""
    op.execute(
        f"""
        CREATE FUNCTION gridmap_retie(p_area geometry)
        RETURNS TABLE (layer text, moved bigint) LANGUAGE plpgsql {_DEFINER} AS $$
        DECLARE
          t text;
          n bigint;
          area_filter text := CASE WHEN p_area IS NULL THEN 'true'
                                   ELSE 'p.pt && $1 AND ST_Intersects($1, p.pt)' END;
          grid_filter text := CASE WHEN p_area IS NULL THEN 'true' ELSE 'g.boundary && $1' END;
        BEGIN
          FOREACH t IN ARRAY ARRAY['buildings', 'places', 'things', 'organisations'] LOOP
            EXECUTE format($q$
              WITH grid_hit AS (
                SELECT DISTINCT ON (p.id) p.id, g.code FROM grids g
                 CROSS JOIN LATERAL (SELECT p.id FROM %1$I p
                                      WHERE ST_Intersects(g.boundary, p.pt) AND %2$s) p
                 WHERE length(g.code) = 15 AND %3$s ORDER BY p.id, g.code),
              micro_hit AS (
                SELECT DISTINCT ON (p.id) p.id, g.code FROM grids g
                 CROSS JOIN LATERAL (SELECT p.id FROM %1$I p
                                      WHERE ST_Intersects(g.boundary, p.pt) AND %2$s) p
                 WHERE length(g.code) = 17 AND %3$s ORDER BY p.id, g.code),
              tie AS (
                SELECT gh.id, gh.code AS grid_code, mh.code AS micro_code
                  FROM grid_hit gh LEFT JOIN micro_hit mh
                    ON mh.id = gh.id AND left(mh.code, 15) = gh.code),
              moved AS (
                UPDATE %1$I r SET grid_code = tie.grid_code, micro_code = tie.micro_code
                  FROM tie WHERE r.id = tie.id
                   AND (r.grid_code, r.micro_code) IS DISTINCT FROM (tie.grid_code, tie.micro_code)
                RETURNING r.id)
              SELECT count(*) FROM moved
            $q$, t, area_filter, grid_filter) INTO n USING p_area;
            layer := t; moved := n; RETURN NEXT;
          END LOOP;
          -- units, households and residents follow through building_id: nothing to do
        END
        $$
        """
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    _resident_id_check()
    _buildings()
    _residents()
    _places_things_organisations()
    _grid_workers()
    _tie_history()
    _lookups()
    _retie()
    op.execute("REVOKE ALL ON FUNCTION gridmap_retie(geometry) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION gridmap_retie(geometry) TO {APP}")


def downgrade() -> None:
    for function in (
        "gridmap_retie(geometry)",
        "gridmap_id_problem(text, text[], text, text)",
        "gridmap_keys_elsewhere(text, text[])",
        "gridmap_ids_elsewhere(bytea[])",
        "gridmap_grids_at(float8[], float8[])",
        "gridmap_public_grid_at(float8, float8)",
        "gridmap_public_find_address(text, integer)",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.execute(
        "DROP TABLE IF EXISTS tie_history, grid_workers, organisations, things, places,"
        " residents, households, units, buildings CASCADE"
    )
    op.execute("DROP FUNCTION IF EXISTS record_ties()")
