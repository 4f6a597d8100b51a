-- The map of each refresh: every document's place in 2-D (core/layout.py) and the leaf filter it
-- was laid out with, computed by the refresh and written in its transaction, so the page draws
-- the map without computing anything. One row per refresh holding packed little-endian arrays
-- (document ids as int8, places as float4 x, y pairs, leaves as int4): 100,000 documents are 2 MB,
-- read in one go and unpacked without a parse. It goes with its refresh run.
set search_path = drive_tagger, extensions, public;

create table refresh_maps (
    refresh_id bigint primary key references refresh_runs (id) on delete cascade,
    documents integer not null check (documents >= 0),
    document_ids bytea not null check (octet_length(document_ids) = 8 * documents),
    xy bytea not null check (octet_length(xy) = 8 * documents),
    leaves bytea not null check (octet_length(leaves) = 4 * documents)
);

alter table refresh_maps enable row level security;
revoke all on refresh_maps from anon, authenticated;
