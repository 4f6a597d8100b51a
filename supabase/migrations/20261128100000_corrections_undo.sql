-- Corrections that mean what they say, and can be undone (issue 28).
--
-- A correction records, besides what it always did, the names of the filters it names as they
-- were shown then (a listing reads them once a filter is gone), a merge's absorbed filter, its
-- pinned name (kept, so an undo gives it back) and each filter's own members; a move records the
-- filters its documents were taken out of. An undo marks the correction undone: refreshes stop
-- applying it, the refresh after the undo reverses what a merge or a split reshaped (their ids and
-- names come back), and the undo of a move re-places its documents at once.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

alter table corrections
    -- merge: the filter absorbed into category_id
    add column other_category_id integer,
    -- {"<category id>": the filter's name as shown when the correction was made}
    add column names jsonb,
    -- merge: the absorbed filter's pinned name, given back by an undo
    add column absorbed_pin text,
    add column undone_at timestamptz,
    add column undone_by uuid,  -- the Supabase user who undid it through undo_correction, if any
    -- the active refresh when it was undone: while it is still active, the next refresh reverses
    -- what the correction reshaped
    add column undone_in_refresh bigint;

comment on column corrections.groups is
    'split: {"<sub-filter id>": [document ids]}, the sub-filters'' members when split; '
    'merge: {"<filter id>": [document ids]}, each filter''s members when merged; '
    'move: {"<filter id>": [document ids]}, the filters the documents carried when moved';

-- The names the workspace's active filters show (a pinned name wins), by id.
create function active_filter_names(ws bigint, filters integer[]) returns jsonb
    language sql stable
    set search_path = drive_tagger
as $$
    select coalesce(jsonb_object_agg(c.category_id::text, coalesce(p.name, c.name)), '{}')
    from categories c
    join workspaces w on w.active_refresh_id = c.refresh_id
    left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
    where w.id = ws and c.category_id = any(filters)
$$;

-- As before (20261127090000), and: every correction records the names of the filters it names; a
-- merge records the filter absorbed, its pinned name and each filter's members; a move records
-- the filters its documents carried, which later refreshes never give them back.
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
            where d.workspace_id = ws and d.id = any(members) and category is not null
            returning category_id)
        update categories c set documents = c.documents + a.links
        from (select added.category_id, count(*) as links from added group by added.category_id) a
        where c.refresh_id = active and c.category_id = a.category_id;
    end if;
    return made;
end
$$;

-- Undoes a correction of the workspace (one not undone yet); returns its kind. Refreshes stop
-- applying it. An undone move re-places its documents at once: where the latest correction still
-- standing puts them (a move, or a filter made from them, when that filter is active; out of every
-- filter for a move out), else in the nearest active filter that admits them and its nearest
-- sub-filter, as arrivals are placed. An undone merge gives the absorbed filter's pinned name back
-- (the pin is kept while the filter is gone; put back if it went and no filter took the name).
create function record_undo(ws bigint, correction bigint, made_by uuid default null) returns correction_kind
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
                     where dc.refresh_id = active and dc.category_id = c.category_id)
    where c.refresh_id = active and c.category_id = any(touched);
    return done.kind;
end
$$;

-- For Supabase apps: a member undoes a correction of their workspace. A move is undone at once;
-- the undo of anything else is applied by the refresh it queues. Returns the correction's id.
create function undo_correction(workspace text, correction bigint) returns bigint
    language plpgsql security definer
    set search_path = drive_tagger
as $$
declare
    ws bigint;
begin
    select w.id into ws from workspaces w
    where w.slug = undo_correction.workspace and w.id in (select member_workspace_ids());
    if ws is null then
        raise exception 'unknown workspace %', undo_correction.workspace using errcode = 'P0002';
    end if;
    if record_undo(ws, correction, request_user_id()) <> 'move' then
        perform queue_workspace_refresh(undo_correction.workspace);
    end if;
    return correction;
end
$$;

-- As before (20261127090000), and: a filter made from picked documents and then undone holds
-- no name.
create or replace function drive_tagger_filter_name_write() returns trigger
    language plpgsql
    set search_path = drive_tagger
as $$
declare
    key text;
    active bigint;
    since timestamptz;
    clash record;
begin
    new.name := drive_tagger_check_filter_name(new.name);
    if new.name is null then
        return new;
    end if;
    key := drive_tagger_filter_name_key(new.name);
    perform pg_advisory_xact_lock(3, new.workspace_id::int4);
    select w.active_refresh_id, r.started_at into active, since
    from workspaces w left join refresh_runs r on r.id = w.active_refresh_id
    where w.id = new.workspace_id;
    -- The active filters' names (a pinned name wins), other than the filter being renamed.
    select c.category_id, coalesce(p.name, c.name) as name into clash
    from categories c
    left join category_pins p on p.workspace_id = c.workspace_id and p.category_id = c.category_id
    where c.refresh_id = active and c.category_id is distinct from new.category_id
      and drive_tagger_filter_name_key(coalesce(p.name, c.name)) = key
    order by c.category_id
    limit 1;
    if found then
        raise exception using errcode = '22023', message = format(
            'filter %s is already called %L%s; names are unique', clash.category_id, clash.name,
            case when lower(normalize(clash.name, NFKC)) = lower(normalize(new.name, NFKC)) then ''
                 else ', which looks the same' end);
    end if;
    -- Filters made from picked documents since the active refresh began, not yet made by a refresh.
    select cr.category_id, cr.name into clash
    from corrections cr
    where cr.workspace_id = new.workspace_id and cr.kind = 'learned' and cr.category_id is distinct from new.category_id
      and cr.undone_at is null
      and (since is null or cr.created_at >= since)
      and not exists (select 1 from categories c where c.refresh_id = active and c.category_id = cr.category_id)
      and drive_tagger_filter_name_key(cr.name) = key
    order by cr.id
    limit 1;
    if found then
        raise exception 'filter % is already called % (the next refresh makes it); names are unique',
            clash.category_id, quote_literal(clash.name)
            using errcode = '22023';
    end if;
    return new;
end
$$;

revoke execute on function active_filter_names(bigint, integer[]), record_undo(bigint, bigint, uuid)
    from public, anon, authenticated;
revoke execute on function undo_correction(text, bigint) from public, anon;
grant execute on function undo_correction(text, bigint) to authenticated;
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'service_role') then
        revoke execute on function active_filter_names(bigint, integer[]), record_undo(bigint, bigint, uuid),
            undo_correction(text, bigint) from service_role;
    end if;
end
$$;
