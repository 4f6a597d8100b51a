-- First windows first: an ingest may store a long text's first window's vector at once and embed
-- its further windows later (before the next refresh clusters), so documents are stored, tagged
-- and searchable sooner. While that is pending the row says so here.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

-- true: `embedding` is the text's first window's vector; its further windows are still to come.
alter table embeddings add column further_windows boolean not null default false;
create index embeddings_further_windows_idx on embeddings (model, content_hash) where further_windows;
