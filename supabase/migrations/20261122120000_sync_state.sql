-- Keeping in step with an app's own documents table: per workspace, where the last sync got to.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

create table sync_state (
    workspace_id bigint primary key references workspaces (id) on delete cascade,
    source text not null,        -- the table synced from (schema.table), as configured
    -- Rows updated at or after this are read at the next sync: the start of the oldest
    -- transaction still open when the last sync read, so a row committed late is never skipped.
    watermark timestamptz,
    synced_at timestamptz not null default now(),
    rows_read bigint not null default 0,
    rows_deleted bigint not null default 0
);
alter table sync_state enable row level security;
