-- A filter's page lists the documents it is the first tag of before those that carry it only as
-- a further tag, each group best match first: "Marketing" opened with a meeting note whose own
-- filter is "Meeting Notes" because that note scored high against both. The page index follows
-- the new order, so a page is still one index range of (refresh, category).
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

create index document_categories_rank_page_idx
    on document_categories (refresh_id, category_id, rank, score desc, document_id);
drop index document_categories_page_idx;
alter index document_categories_rank_page_idx rename to document_categories_page_idx;

create or replace function filter_documents(workspace text, category integer, "limit" integer default 50,
                                            "offset" integer default 0)
returns table (document_id bigint, external_id text, title text, score real, rank smallint)
    language sql stable
    set search_path = drive_tagger, extensions
as $$
    select d.id, d.external_id, d.title, dc.score, dc.rank
    from document_categories dc
    join documents d on d.id = dc.document_id
    where dc.refresh_id = (select w.active_refresh_id from workspaces w where w.slug = filter_documents.workspace)
      and dc.category_id = filter_documents.category
    order by dc.rank, dc.score desc, dc.document_id
    limit least(greatest(filter_documents."limit", 0), 1000)
    offset greatest(filter_documents."offset", 0)
$$;
