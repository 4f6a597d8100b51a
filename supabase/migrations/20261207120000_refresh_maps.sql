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

-- Each document of a workspace with its best top-level filter of the active refresh and that
-- link's score (nulls when untagged): the one home of that join, read by the notebooks' tables
-- (document_filters) and by the map (map_members). Runs as its caller, so row-level security holds.
create view document_top_filters with (security_invoker = true) as
select d.workspace_id, d.id as document_id, d.external_id, d.title, dc.category_id, c.name as filter, dc.score
from documents d
join workspaces w on w.id = d.workspace_id
left join (document_categories dc
           join categories c
             on c.refresh_id = dc.refresh_id and c.category_id = dc.category_id
            and c.parent_category_id is null)
       on dc.document_id = d.id and dc.refresh_id = w.active_refresh_id and dc.rank = 1;

revoke all on document_top_filters from anon, authenticated;
