-- Reads the API may keep in memory: every statement that changes what a filter list, a filter's
-- page, a document's tags or a key check reads tells listeners so on the channel
-- `drive_tagger_reads` (delivered at commit, once per transaction however many statements
-- notified). The API clears its read cache on each notification (drive_tagger/api/read_cache.py).
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

create function notify_reads() returns trigger
    language plpgsql
    set search_path = drive_tagger
as $$
begin
    perform pg_notify('drive_tagger_reads', '');
    return null;
end;
$$;

create trigger workspaces_notify_reads after insert or update or delete or truncate on workspaces
    for each statement execute function notify_reads();
create trigger categories_notify_reads after insert or update or delete or truncate on categories
    for each statement execute function notify_reads();
create trigger category_pins_notify_reads after insert or update or delete or truncate on category_pins
    for each statement execute function notify_reads();
create trigger documents_notify_reads after insert or update or delete or truncate on documents
    for each statement execute function notify_reads();
create trigger document_categories_notify_reads
    after insert or update or delete or truncate on document_categories
    for each statement execute function notify_reads();
create trigger api_keys_notify_reads after insert or update or delete or truncate on api_keys
    for each statement execute function notify_reads();
