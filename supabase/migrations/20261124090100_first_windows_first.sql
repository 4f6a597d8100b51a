-- First windows first: an ingest may store a long text's first window's vector at once and embed
-- its further windows later (before the next refresh clusters), so documents are stored, tagged
-- and searchable sooner. While that is pending the row says so here.

-- true: `embedding` is the text's first window's vector; its further windows are still to come.
alter table embeddings add column further_windows boolean not null default false;
create index embeddings_further_windows_idx on embeddings (model, content_hash) where further_windows;
