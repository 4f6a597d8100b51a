-- What each function a Supabase app calls does, kept in the database (PostgREST shows it in its
-- OpenAPI description and Supabase Studio beside the function). The documentation's SQL
-- reference is generated from these statements, so the two cannot drift.
set search_path = drive_tagger, extensions, public;

comment on function category_filters(text) is
'The workspace''s active filters: id, parent, name (a pinned name replaces the computed one), description, keywords, size, its document count, how it was named and whether the name is pinned.';
comment on function filter_documents(text, integer, integer, integer) is
'A page of a filter''s documents: those it is the first tag of, then those carrying it as a second tag, each best score first (ties by document id), with score and rank.';
comment on function document_tags(bigint) is
'A document''s filters (by the document''s internal id), best first, with score and rank.';
comment on function match_documents(extensions.vector, text, integer) is
'The nearest documents of the workspace by cosine similarity, for whichever model the workspace embeds with: the query must be a vector of that model (e.g. from POST /embed). At most 200.';
comment on function move_documents(text, text[], integer) is
'Place documents (by your ids) in a filter, or out of every filter with null; shows at once and later refreshes keep it. An unknown id raises and records nothing; a repeated id counts once. Returns the correction''s id.';
comment on function merge_filters(text, integer, integer) is
'Make two filters one: keep keeps its id and name, absorb goes into it. A queued refresh applies it. Returns the correction''s id.';
comment on function split_filter(text, integer) is
'Make each sub-filter of a filter a filter of its own; a queued refresh applies it. Returns the correction''s id.';
comment on function create_filter(text, text, text[]) is
'A filter named name from documents you pick (by your ids); documents like them join it at the refresh this queues. Returns the correction''s id.';
comment on function undo_correction(text, bigint) is
'Take a correction back: a move at once, a merge, split or new filter at the refresh this queues (a merge''s filters come back with their ids and pinned names). Returns the correction''s id.';
comment on function drive_tagger_check_filter_name(text) is
'The name as it would be stored (NFC, spaces folded), or an error saying what is wrong: the one rule for filter names the CLI, the API and these functions share (at most 80 characters; no control or bidi characters, no markup, something visible, no word mixing Latin, Cyrillic or Greek letters).';
comment on function drive_tagger_filter_name_key(text) is
'What two filter names of a workspace must not share: the name''s skeleton (compatibility forms unfolded, Cyrillic and Greek lookalikes as Latin letters, case folded, invisible characters dropped).';
comment on function request_user_id() is
'The caller''s Supabase user id, from PostgREST''s request.jwt.claims; null when there is none.';
comment on function member_workspace_ids() is
'The ids of the workspaces the caller is a member of (rows of workspace_members); what every row level security policy checks.';
comment on function notify_reads() is
'Statement trigger on every table the API caches reads of: NOTIFY drive_tagger_reads at commit, so servers forget what they cached, whoever wrote.';
