-- Notifications that say what changed, so a document arriving does not cost every cached read.
-- Before this every statement on the read tables sent the same empty notification and the API
-- forgot every answer (its filter list included) on each document posted; a statement that
-- changed no row (a workspace "created" again, an upsert of an unchanged text) notified too.
-- The payload on `drive_tagger_reads` is now one word (drive_tagger/api/read_cache.py):
--   all        filters, links, pins, workspaces or keys changed: every answer goes;
--   documents  documents were changed or deleted: answers showing documents (pages) go;
--   arrivals   documents were added: answers counting documents (the untagged) go.
-- A notification with another payload (an older trigger's empty one) counts as `all`.
set search_path = drive_tagger, extensions, public;

-- notify_reads(scope): notifies with its scope (default all), whatever the statement changed.
create or replace function notify_reads() returns trigger
    language plpgsql
    set search_path = drive_tagger
as $$
begin
    perform pg_notify('drive_tagger_reads', coalesce(tg_argv[0], 'all'));
    return null;
end;
$$;

-- notify_reads_of_rows(scope): notifies only when the statement changed a row (its transition
-- table, named `changed` by the trigger, has one).
create function notify_reads_of_rows() returns trigger
    language plpgsql
    set search_path = drive_tagger
as $$
begin
    if exists (select 1 from changed) then
        perform pg_notify('drive_tagger_reads', coalesce(tg_argv[0], 'all'));
    end if;
    return null;
end;
$$;
revoke execute on function notify_reads_of_rows() from public, anon, authenticated;
comment on function notify_reads_of_rows() is
    'Trigger: tells the API''s read cache (channel drive_tagger_reads) what kind of rows a statement changed, when it changed any.';

drop trigger workspaces_notify_reads on workspaces;
create trigger workspaces_notify_inserted after insert on workspaces
    referencing new table as changed for each statement execute function notify_reads_of_rows('all');
create trigger workspaces_notify_updated after update on workspaces
    referencing new table as changed for each statement execute function notify_reads_of_rows('all');
create trigger workspaces_notify_reads after delete or truncate on workspaces
    for each statement execute function notify_reads('all');

drop trigger documents_notify_reads on documents;
create trigger documents_notify_inserted after insert on documents
    referencing new table as changed for each statement execute function notify_reads_of_rows('arrivals');
create trigger documents_notify_updated after update on documents
    referencing new table as changed for each statement execute function notify_reads_of_rows('documents');
create trigger documents_notify_deleted after delete on documents
    referencing old table as changed for each statement execute function notify_reads_of_rows('documents');
create trigger documents_notify_reads after truncate on documents
    for each statement execute function notify_reads('documents');
