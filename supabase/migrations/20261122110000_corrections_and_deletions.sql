-- What people decide about their filters, kept so that later refreshes honour it, and deletions.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

-- Vectors are shared by every document carrying their text; once the last such document is
-- deleted the vector goes too, which needs documents found by hash alone.
create index documents_content_hash_idx on documents (content_hash);

create type correction_kind as enum (
    'move',     -- documents placed in a filter, or out of every filter (category_id null)
    'merge',    -- two filters made one: category_id is the one kept
    'split',    -- a filter made into its sub-filters, each a filter of its own
    'learned'   -- a filter a person made from documents they picked
);

create table corrections (
    id bigint generated always as identity primary key,
    workspace_id bigint not null references workspaces (id) on delete cascade,
    kind correction_kind not null,
    -- move: the target (null: out of every filter); merge: the filter kept; split: the filter
    -- split; learned: the new filter's id
    category_id integer,
    -- move: the documents moved; merge: the members of both filters when merged; learned: the
    -- documents picked
    document_ids bigint[] not null default '{}',
    -- split: {"<sub-filter id>": [document ids]}, the sub-filters' members when split
    groups jsonb,
    -- learned: its name (shown like a pinned rename)
    name text check (name is null or length(btrim(name)) between 1 and 200),
    created_at timestamptz not null default now(),
    created_by uuid,  -- the Supabase user who made it through the SQL functions, if any
    check ((kind = 'learned') = (name is not null))
);
create index corrections_workspace_idx on corrections (workspace_id, id);
alter table corrections enable row level security;
create policy members_read_corrections on corrections for select to authenticated
    using (workspace_id in (select member_workspace_ids()));
grant select on corrections to authenticated;

-- The members of a workspace's active filters, by filter (their best link at its level).
create function active_members(ws bigint, filters integer[]) returns bigint[]
    language sql stable
    set search_path = drive_tagger
as $$
    select coalesce(array_agg(distinct dc.document_id order by dc.document_id), '{}')
    from document_categories dc join workspaces w on w.active_refresh_id = dc.refresh_id
    where w.id = ws and dc.category_id = any(filters) and dc.rank = 1
$$;

-- Records a correction the way every caller does it (the CLI, the API, the functions for Apps
-- below); a move also takes effect at once on the active filters, the rest at the next refresh.
create function record_correction(ws bigint, what correction_kind, category integer, documents bigint[],
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
        delete from document_categories where refresh_id = active and document_id = any(documents);
        -- The filter and, for a sub-filter, its top-level filter, scored as a refresh scores them.
        insert into document_categories (refresh_id, document_id, category_id, score, rank)
        select active, d.id, c.category_id, 1 - (e.embedding <=> c.centroid), 1
        from documents d
        join workspaces w on w.id = d.workspace_id
        join embeddings e on e.model = w.embedding_model and e.content_hash = d.content_hash
        join categories c on c.refresh_id = active and c.category_id in (
            category, (select parent_category_id from categories where refresh_id = active and category_id = category))
        where d.workspace_id = ws and d.id = any(documents) and category is not null;
    end if;
    return made;
end
$$;

-- Queues refresh(workspace) as `drive-tagger refresh --background` does (one waiting job per
-- workspace: the same queueing lock); returns the job's id.
create function queue_workspace_refresh(workspace_slug text) returns bigint
    language plpgsql
    set search_path = drive_tagger
as $$
declare
    job bigint;
    key text := 'refresh:' || workspace_slug;
begin
    select id into job from procrastinate_jobs where queueing_lock = key and status = 'todo';
    if job is not null then
        return job;
    end if;
    begin
        select (procrastinate_defer_jobs_v1(array[row('default', 'refresh', 0, key, key,
                jsonb_build_object('workspace', workspace_slug), null)::procrastinate_job_to_defer_v1]))[1]
            into job;
    exception when unique_violation then
        select id into job from procrastinate_jobs where queueing_lock = key and status = 'todo';
    end;
    return job;
end
$$;
revoke execute on function active_members(bigint, integer[]),
    record_correction(bigint, correction_kind, integer, bigint[], integer, text, uuid),
    queue_workspace_refresh(text) from public, anon, authenticated;

-- For Supabase apps: a member's corrections, recorded and applied by a queued refresh. They run
-- as the owner (security definer) after checking the caller belongs to the workspace, since
-- members may not write these tables or the queue directly. Each returns the correction's id.
create function apply_member_correction(workspace text, what correction_kind, category integer,
                                        documents text[], other integer default null,
                                        filter_name text default null) returns bigint
    language plpgsql security definer
    set search_path = drive_tagger
as $$
declare
    ws bigint;
    made bigint;
begin
    select w.id into ws from workspaces w
    where w.slug = apply_member_correction.workspace and w.id in (select member_workspace_ids());
    if ws is null then
        raise exception 'unknown workspace %', apply_member_correction.workspace using errcode = 'P0002';
    end if;
    made := record_correction(ws, what, category,
        (select coalesce(array_agg(d.id), '{}') from documents d
         where d.workspace_id = ws and d.external_id = any(documents)),
        other, filter_name, request_user_id());
    perform queue_workspace_refresh(apply_member_correction.workspace);
    return made;
end
$$;
revoke execute on function apply_member_correction(text, correction_kind, integer, text[], integer, text)
    from public, anon, authenticated;

create function move_documents(workspace text, documents text[], category integer) returns bigint
    language sql security definer set search_path = drive_tagger
as $$ select apply_member_correction(workspace, 'move', category, documents) $$;

create function merge_filters(workspace text, keep integer, absorb integer) returns bigint
    language sql security definer set search_path = drive_tagger
as $$ select apply_member_correction(workspace, 'merge', keep, '{}', absorb) $$;

create function split_filter(workspace text, category integer) returns bigint
    language sql security definer set search_path = drive_tagger
as $$ select apply_member_correction(workspace, 'split', category, '{}') $$;

create function create_filter(workspace text, name text, documents text[]) returns bigint
    language sql security definer set search_path = drive_tagger
as $$ select apply_member_correction(workspace, 'learned', null, documents, null, name) $$;

revoke execute on function move_documents(text, text[], integer), merge_filters(text, integer, integer),
    split_filter(text, integer), create_filter(text, text, text[]) from public, anon;
grant execute on function move_documents(text, text[], integer), merge_filters(text, integer, integer),
    split_filter(text, integer), create_filter(text, text, text[]) to authenticated;
