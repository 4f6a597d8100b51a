-- Stable filters across refreshes, and tagging documents that arrive between refreshes.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

-- What a refresh changed relative to the previous one: kept, new and retired ids, splits, merges.
alter table refresh_runs add column changes jsonb not null default '{}'::jsonb;

-- The lowest similarity to the centroid that still counts as a member (the category's lower
-- Tukey fence); a document arriving between refreshes joins the nearest category if it clears it.
alter table categories add column fence real;

-- Documents tagged on arrival since the last refresh, how many matched poorly, and whether
-- that share is high enough that a refresh is suggested.
alter table workspaces
    add column arrivals_since_refresh integer not null default 0,
    add column poorly_matched_since_refresh integer not null default 0,
    add column refresh_suggested boolean not null default false;
