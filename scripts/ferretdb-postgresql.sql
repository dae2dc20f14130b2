-- Lets PostgreSQL use an index for FerretDB v1's filters. Run (as a superuser) in each PostgreSQL
-- database FerretDB keeps its data in; safe to run again. scripts/services.sh and the fault
-- suite's own FerretDB do; docs/storage-compatibility.md ("Indexes FerretDB can use") says why.
--
-- FerretDB v1 creates a btree index on `(_jsonb -> 'field')` for `_id` and for every index the
-- application declares, but filters with `_jsonb -> $1 @> $2`: containment, which a btree cannot
-- serve, so every find, and the query behind every update and delete, read the whole table. A
-- GIN index (jsonb_path_ops) on the same expression serves `@>`. Each of FerretDB's btree
-- indexes gets such a twin, one per indexed field, from an event trigger when FerretDB creates
-- the index, and for indexes made before this ran. FerretDB does not know of the twins: they
-- change no result and no listIndexes; dropping a collection drops them with its table.

SET client_min_messages = warning;

-- The field name is a bind parameter (`_jsonb -> $1`): only a plan made for the actual values
-- sees `_jsonb -> '_id'` and can match the index. PostgreSQL otherwise settles on a generic plan
-- after five executions when it looks no dearer, and keeps it as the table grows: a sequential
-- scan for good. (Applies to connections opened after this runs.)
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database()); END $$;

CREATE OR REPLACE FUNCTION public.ferretdb_gin_twins(index_oid oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  tbl regclass;
  field_expr text;
BEGIN
  -- Only FerretDB's btree indexes on its _jsonb column; the twins themselves are GIN (and
  -- creating one runs this trigger again).
  SELECT i.indrelid INTO tbl
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
   WHERE i.indexrelid = index_oid AND am.amname = 'btree'
     AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = '_jsonb');
  IF tbl IS NULL THEN RETURN; END IF;
  FOR k IN 1 .. (SELECT indnatts FROM pg_index WHERE indexrelid = index_oid) LOOP
    field_expr := pg_get_indexdef(index_oid, k, false);
    CONTINUE WHEN field_expr NOT LIKE '%_jsonb%';
    -- Named after the table and the expression, so a field in several indexes gets one twin.
    -- fastupdate off: a pending list would be scanned by every lookup until vacuum merges it.
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((%s) jsonb_path_ops) WITH (fastupdate = off)',
                   left((SELECT relname FROM pg_class WHERE oid = tbl), 45) || '_' || left(md5(field_expr), 12) || '_gin',
                   tbl, field_expr);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION public.ferretdb_gin_twins_on_create() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  created record;
BEGIN
  FOR created IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' LOOP
    PERFORM public.ferretdb_gin_twins(created.objid);
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS ferretdb_gin_twins;
CREATE EVENT TRIGGER ferretdb_gin_twins ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION public.ferretdb_gin_twins_on_create();

-- Indexes FerretDB made before this ran.
SELECT public.ferretdb_gin_twins(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%';
