-- Reads that stay flat as a workspace grows: each category carries its document count, so
-- listing filters never counts links, and a filter's page is read from an index in its order.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

-- Links to the category (its documents, second tags included): written by the refresh that makes
-- the category, then kept right by arrivals, moves and deletions in the statements that change
-- the links (never counted per request).
alter table categories add column documents integer not null default 0 check (documents >= 0);
update categories c
set documents = (select count(*) from document_categories dc
                 where dc.refresh_id = c.refresh_id and dc.category_id = c.category_id);

-- A filter's page in its order (best score first, then document id), read straight from the
-- index: a page of 50 touches 50 index entries however large the filter is.
create index document_categories_page_idx
    on document_categories (refresh_id, category_id, score desc, document_id);
drop index document_categories_category_idx;

create or replace function category_filters(workspace text)
returns table (category_id integer, parent_category_id integer, name text, description text,
               keywords text[], size integer, documents bigint, named_by text, pinned boolean)
    language sql stable
    set search_path = drive_tagger, extensions
as $$
    select c.category_id, c.parent_category_id, coalesce(p.name, c.name), c.description,
           c.keywords, c.size, c.documents::bigint,
           case when p.name is null then c.named_by else 'user' end,
           p.name is not null
    from workspaces w
    join categories c on c.refresh_id = w.active_refresh_id
    left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
    where w.slug = category_filters.workspace
    order by c.parent_category_id nulls first, c.size desc, c.category_id
$$;

-- The active refresh is looked up first (one row), so the page is an index range of that refresh
-- and category; ties on score go by document id, the index's own order.
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
    order by dc.score desc, dc.document_id
    limit least(greatest(filter_documents."limit", 0), 1000)
    offset greatest(filter_documents."offset", 0)
$$;

-- As before (the argument `documents` now named in full where a column shares its name), and a move keeps the counts of the filters it takes documents from and puts them in.
create or replace function record_correction(ws bigint, what correction_kind, category integer, documents bigint[],
                                             other integer default null, filter_name text default null,
                                             made_by uuid default null) returns bigint
    language plpgsql
    set search_path = drive_tagger, extensions
as $$
declare
    made bigint;
    active bigint;
    members bigint[] := documents;
    split_groups jsonb;
begin
    select active_refresh_id into active from workspaces where id = ws for update;
    if what in ('merge', 'split') and not exists (
            select 1 from categories where refresh_id = active and category_id = category
              and parent_category_id is null) then
        raise exception 'no top-level filter % in this workspace', category using errcode = 'P0002';
    end if;
    if what = 'merge' then
        if other = category or not exists (select 1 from categories where refresh_id = active
                                           and category_id = other and parent_category_id is null) then
            raise exception 'no other top-level filter % to merge into %', other, category using errcode = 'P0002';
        end if;
        members := active_members(ws, array[category, other]);
    elsif what = 'split' then
        select jsonb_object_agg(c.category_id::text, to_jsonb(active_members(ws, array[c.category_id])))
            into split_groups
        from categories c where c.refresh_id = active and c.parent_category_id = category;
        if split_groups is null then
            raise exception 'filter % has no sub-filters to split into', category using errcode = '22023';
        end if;
    elsif what = 'learned' then
        if cardinality(documents) = 0 then
            raise exception 'a filter needs at least one document' using errcode = '22023';
        end if;
        update workspaces set next_category_id = next_category_id + 1 where id = ws
            returning next_category_id - 1 into category;
    elsif what = 'move' and category is not null and not exists (
            select 1 from categories where refresh_id = active and category_id = category) then
        raise exception 'no filter % in this workspace', category using errcode = 'P0002';
    end if;
    insert into corrections (workspace_id, kind, category_id, document_ids, groups, name, created_by)
    values (ws, what, category, members, split_groups, filter_name, made_by)
    returning id into made;
    if what = 'move' and active is not null then
        with gone as (
            delete from document_categories
            where refresh_id = active and document_id = any(record_correction.documents)
            returning category_id)
        update categories c set documents = c.documents - g.links
        from (select gone.category_id, count(*) as links from gone group by gone.category_id) g
        where c.refresh_id = active and c.category_id = g.category_id;
        -- The filter and, for a sub-filter, its top-level filter, scored as a refresh scores them.
        with added as (
            insert into document_categories (refresh_id, document_id, category_id, score, rank)
            select active, d.id, c.category_id, 1 - (e.embedding <=> c.centroid), 1
            from documents d
            join workspaces w on w.id = d.workspace_id
            join embeddings e on e.model = w.embedding_model and e.content_hash = d.content_hash
            join categories c on c.refresh_id = active and c.category_id in (
                category, (select parent_category_id from categories where refresh_id = active and category_id = category))
            where d.workspace_id = ws and d.id = any(record_correction.documents) and category is not null
            returning category_id)
        update categories c set documents = c.documents + a.links
        from (select added.category_id, count(*) as links from added group by added.category_id) a
        where c.refresh_id = active and c.category_id = a.category_id;
    end if;
    return made;
end
$$;
revoke execute on function record_correction(bigint, correction_kind, integer, bigint[], integer, text, uuid)
    from public, anon, authenticated;
