-- Filter lists that cost nothing while documents arrive: each category also carries how many
-- documents hold it as their first choice (rank 1), kept right in the same statements that keep
-- its `documents` (a refresh's write, arrivals, moves, undos, deletions). Before this the count
-- was taken per read, one pass over the active links: about 10 ms at 100,000 documents, paid by
-- every filter list and filter page read after each arrival had cleared the API's read cache.
set search_path = drive_tagger, extensions, public;

alter table categories add column first_documents integer not null default 0 check (first_documents >= 0);
update categories c
set first_documents = f.firsts
from (select dc.refresh_id, dc.category_id, count(*) as firsts
      from document_categories dc where dc.rank = 1
      group by dc.refresh_id, dc.category_id) f
where c.refresh_id = f.refresh_id and c.category_id = f.category_id;

-- As in 20261128100000_corrections_undo.sql, and a move keeps the first-choice counts too (the
-- documents it places carry their new filters as their first choice).
create or replace function record_correction(ws bigint, what correction_kind, category integer, documents bigint[],
                                             other integer default null, filter_name text default null,
                                             made_by uuid default null) returns bigint
    language plpgsql
    set search_path = drive_tagger, extensions
as $$
declare
    made bigint;
    active bigint;
    members bigint[] := (select coalesce(array_agg(distinct d order by d), '{}')
                         from unnest(record_correction.documents) as d where d is not null);
    split_groups jsonb;
    shown jsonb;
    pinned text;
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
        split_groups := jsonb_build_object(category::text, to_jsonb(active_members(ws, array[category])),
                                           other::text, to_jsonb(active_members(ws, array[other])));
        shown := active_filter_names(ws, array[category, other]);
        select p.name into pinned from category_pins p where p.workspace_id = ws and p.category_id = other;
    elsif what = 'split' then
        select jsonb_object_agg(c.category_id::text, to_jsonb(active_members(ws, array[c.category_id])))
            into split_groups
        from categories c where c.refresh_id = active and c.parent_category_id = category;
        if split_groups is null then
            raise exception 'filter % has no sub-filters to split into', category using errcode = '22023';
        end if;
        shown := active_filter_names(ws, array[category] || (select array_agg(k::integer)
                                                             from jsonb_object_keys(split_groups) as k));
    elsif what = 'learned' then
        if cardinality(members) = 0 then
            raise exception 'a filter needs at least one document' using errcode = '22023';
        end if;
        if filter_name is null then
            raise exception 'a filter needs a name' using errcode = '22023';
        end if;
        update workspaces set next_category_id = next_category_id + 1 where id = ws
            returning next_category_id - 1 into category;
    elsif what = 'move' then
        if cardinality(members) = 0 then
            raise exception 'name at least one document' using errcode = '22023';
        end if;
        if category is not null and not exists (
                select 1 from categories where refresh_id = active and category_id = category) then
            raise exception 'no filter % in this workspace', category using errcode = 'P0002';
        end if;
        -- The filters the documents carry now (any rank): they are taken out of them.
        select jsonb_object_agg(g.category_id::text, g.documents) into split_groups
        from (select dc.category_id, to_jsonb(array_agg(dc.document_id order by dc.document_id)) as documents
              from document_categories dc
              where dc.refresh_id = active and dc.document_id = any(members)
              group by dc.category_id) g;
        shown := active_filter_names(ws, array[category]
                                         || (select coalesce(array_agg(k::integer), '{}')
                                             from jsonb_object_keys(coalesce(split_groups, '{}')) as k));
    end if;
    insert into corrections (workspace_id, kind, category_id, document_ids, groups, name, created_by,
                             other_category_id, names, absorbed_pin)
    values (ws, what, category, members, split_groups, filter_name, made_by,
            case when what = 'merge' then other end, shown, pinned)
    returning id into made;
    if what = 'move' and active is not null then
        with gone as (
            delete from document_categories
            where refresh_id = active and document_id = any(members)
            returning category_id, rank)
        update categories c set documents = c.documents - g.links, first_documents = c.first_documents - g.firsts
        from (select gone.category_id, count(*) as links, count(*) filter (where gone.rank = 1) as firsts
              from gone group by gone.category_id) g
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
            where d.workspace_id = ws and d.id = any(members) and category is not null
            returning category_id)
        update categories c set documents = c.documents + a.links, first_documents = c.first_documents + a.links
        from (select added.category_id, count(*) as links from added group by added.category_id) a
        where c.refresh_id = active and c.category_id = a.category_id;
    end if;
    return made;
end
$$;

-- As in 20261128100000_corrections_undo.sql, and the undone move's filters are counted again for
-- both counts.
create or replace function record_undo(ws bigint, correction bigint, made_by uuid default null) returns correction_kind
    language plpgsql
    set search_path = drive_tagger, extensions
as $$
declare
    active bigint;
    done corrections;
    touched integer[];
    doc bigint;
    vec vector;
    place integer;
    standing boolean;
begin
    select active_refresh_id into active from workspaces where id = ws for update;
    select * into done from corrections c where c.id = correction and c.workspace_id = ws for update;
    if not found then
        raise exception 'no correction % in this workspace', correction using errcode = 'P0002';
    end if;
    if done.undone_at is not null then
        raise exception 'correction % was undone already', correction using errcode = '22023';
    end if;
    update corrections set undone_at = now(), undone_by = made_by, undone_in_refresh = active
    where id = done.id;
    if done.kind = 'merge' and done.absorbed_pin is not null and not exists (
            select 1 from category_pins p where p.workspace_id = ws and p.category_id = done.other_category_id) then
        begin
            insert into category_pins (workspace_id, category_id, name)
            values (ws, done.other_category_id, done.absorbed_pin);
        exception when invalid_parameter_value then
            null;  -- another filter has the name now; the listing still shows it
        end;
    end if;
    if done.kind <> 'move' or active is null then
        return done.kind;
    end if;
    select coalesce(array_agg(distinct dc.category_id), '{}') into touched
    from document_categories dc where dc.refresh_id = active and dc.document_id = any(done.document_ids);
    delete from document_categories where refresh_id = active and document_id = any(done.document_ids);
    for doc, vec in
        select d.id, e.embedding
        from documents d
        join workspaces w on w.id = d.workspace_id
        join embeddings e on e.model = w.embedding_model and e.content_hash = d.content_hash
        where d.workspace_id = ws and d.id = any(done.document_ids)
    loop
        select c.category_id, true into place, standing
        from corrections c
        where c.workspace_id = ws and c.undone_at is null and c.kind in ('move', 'learned')
          and doc = any(c.document_ids)
        order by c.id desc
        limit 1;
        if standing and place is null then
            continue;  -- a move out of every filter still stands
        end if;
        if place is null or not exists (select 1 from categories where refresh_id = active and category_id = place) then
            select c.category_id into place
            from categories c
            where c.refresh_id = active and c.parent_category_id is null
              and (c.fence is null or 1 - (vec <=> c.centroid) >= c.fence)
            order by vec <=> c.centroid, c.category_id
            limit 1;
        end if;
        continue when place is null;
        insert into document_categories (refresh_id, document_id, category_id, score, rank)
        select active, doc, c.category_id, 1 - (vec <=> c.centroid), 1
        from categories c
        where c.refresh_id = active and c.category_id in (
            place,
            (select s.parent_category_id from categories s where s.refresh_id = active and s.category_id = place),
            (select s.category_id from categories s where s.refresh_id = active and s.parent_category_id = place
             order by vec <=> s.centroid, s.category_id limit 1));
        touched := touched || (select coalesce(array_agg(dc.category_id), '{}') from document_categories dc
                               where dc.refresh_id = active and dc.document_id = doc);
        standing := null;
    end loop;
    update categories c
    set documents = (select count(*) from document_categories dc
                     where dc.refresh_id = active and dc.category_id = c.category_id),
        first_documents = (select count(*) from document_categories dc
                           where dc.refresh_id = active and dc.category_id = c.category_id and dc.rank = 1)
    where c.refresh_id = active and c.category_id = any(touched);
    return done.kind;
end
$$;
