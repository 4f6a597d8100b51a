-- drive_tagger in a schema of its own, as pgmq, vecs and procrastinate keep to theirs: an app's
-- own `documents`, `workspaces` or `categories` tables in `public` live beside ours. A fresh
-- install creates everything in `drive_tagger` from its first migration on; this one moves an
-- install made before into it, in place (tables keep their rows, ids, indexes, policies and
-- grants; functions and types keep their names). Our backend connects with search_path
-- drive_tagger, extensions, public; a Supabase app calls the same SQL functions through the
-- schema (supabase-py: client.schema("drive_tagger").rpc(...), with drive_tagger added to the
-- API's exposed schemas).
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

do $$
declare
    ours constant text[] := array[
        'workspaces', 'documents', 'embeddings', 'embedding_models', 'refresh_runs', 'categories',
        'document_categories', 'document_categories_unpartitioned', 'category_pins', 'api_keys',
        'job_errors', 'workspace_members', 'corrections', 'sync_state',
        'procrastinate_jobs', 'procrastinate_events', 'procrastinate_workers', 'procrastinate_periodic_defers'];
    types constant text[] := array[
        'correction_kind', 'refresh_status', 'procrastinate_job_event_type', 'procrastinate_job_status',
        'procrastinate_job_to_defer_v'];
    functions constant text[] := array[
        'active_filter_names', 'active_members', 'apply_member_correction', 'attach_links_partition',
        'category_filters', 'create_filter', 'document_tags', 'drive_tagger_check_filter_name',
        'drive_tagger_filter_name_key', 'drive_tagger_filter_name_write', 'drive_tagger_refresh_run_model',
        'drop_links_partitions', 'ensure_model_index', 'filter_documents', 'match_documents',
        'member_workspace_ids', 'merge_filters', 'move_documents', 'new_links_partition', 'notify_reads',
        'queue_workspace_refresh', 'record_correction', 'record_undo', 'request_user_id', 'split_filter',
        'undo_correction', 'workspace_document_ids'];
    item record;
begin
    -- An install made before this migration has `public.workspaces` and no drive_tagger copy of it.
    if to_regclass('public.workspaces') is null or to_regclass('drive_tagger.workspaces') is not null then
        return;
    end if;
    -- Tables, with the partitions of a refresh's links (document_categories_r<id>) and every other
    -- partition of ours; identity sequences and indexes go with their tables.
    for item in
        select c.oid::regclass as rel
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind in ('r', 'p')
           and (c.relname = any (ours) or c.relname ~ '^document_categories_r[0-9]+$'
                or exists (select 1 from pg_inherits i join pg_class parent on parent.oid = i.inhparent
                            where i.inhrelid = c.oid and parent.relname = any (ours)))
    loop
        execute format('alter table %s set schema drive_tagger', item.rel);
    end loop;
    for item in
        select t.oid::regtype as typ
          from pg_type t join pg_namespace n on n.oid = t.typnamespace
         where n.nspname = 'public' and t.typname = any (types)
    loop
        execute format('alter type %s set schema drive_tagger', item.typ);
    end loop;
    for item in
        select p.oid::regprocedure as fn
          from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = 'public' and (p.proname = any (functions) or p.proname like 'procrastinate\_%')
    loop
        execute format('alter function %s set schema drive_tagger', item.fn);
    end loop;
end
$$;

-- Functions that name their search_path looked in public; they look in drive_tagger now.
do $$
declare
    item record;
begin
    for item in
        select p.oid::regprocedure as fn, setting
          from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
               unnest(p.proconfig) as setting
         where n.nspname = 'drive_tagger' and setting like 'search_path=%' and setting ~ '(=|, *)public\M'
    loop
        execute format('alter function %s set search_path = %s', item.fn,
                       regexp_replace(substr(item.setting, length('search_path=') + 1), '\mpublic\M', 'drive_tagger'));
    end loop;
end
$$;

-- The API roles' access, per schema as Supabase grants it: usage of the schema, and no function
-- created here later executable by them by default. The grants each function had moved with it.
grant usage on schema drive_tagger to anon, authenticated;
alter default privileges in schema drive_tagger revoke execute on functions from anon, authenticated;
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'service_role') then
        grant usage on schema drive_tagger to service_role;
    end if;
end
$$;
