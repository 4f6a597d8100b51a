-- Reliability: refreshes whose process died are marked abandoned, texts that cannot be embedded
-- stop blocking their workspace, and API roles may execute only the functions meant for them.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

-- A run whose process ended before it finished (killed, or its database connection lost).
-- A live refresh holds an advisory lock on its workspace; a 'running' row without it is dead.
alter type refresh_status add value if not exists 'abandoned';

-- Why a document's text could not be embedded (set when the embedder refused that text while
-- others of its batch succeeded); such a document waits until its text changes.
alter table documents add column embed_error text;

-- Postgres lets PUBLIC execute every new function; Supabase's API roles must not. The functions
-- meant for apps are granted to `authenticated` again below; our own backend owns everything.
-- (PUBLIC's right comes from the global default, so it is revoked globally; Supabase grants the API
-- roles per schema, so theirs is revoked per schema.)
revoke execute on all functions in schema drive_tagger from public, anon, authenticated;
alter default privileges revoke execute on functions from public;
alter default privileges in schema drive_tagger revoke execute on functions from anon, authenticated;
grant execute on function category_filters(text), filter_documents(text, integer, integer, integer),
    document_tags(bigint), match_documents(extensions.vector, text, integer),
    request_user_id(), member_workspace_ids() to authenticated;
