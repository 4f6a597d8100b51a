-- The map of each refresh: every document's place in 2-D (core/layout.py) and the leaf filter it
-- was laid out with, computed by the refresh and written in its transaction, so the page draws
-- the map without computing anything. One row per refresh, in arrays (100,000 documents are
-- about 2 MB, read in one go); it goes with its refresh run.
set search_path = drive_tagger, extensions, public;

create table refresh_maps (
    refresh_id bigint primary key references refresh_runs (id) on delete cascade,
    document_ids bigint[] not null,
    xs real[] not null,
    ys real[] not null,
    leaves integer[] not null,
    check (cardinality(xs) = cardinality(document_ids)
           and cardinality(ys) = cardinality(document_ids)
           and cardinality(leaves) = cardinality(document_ids))
);

alter table refresh_maps enable row level security;
revoke all on refresh_maps from anon, authenticated;
