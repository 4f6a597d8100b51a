-- The form each document is written in ("Emails", "Meeting Notes", ...; core/forms.py), read
-- from its body when it is stored: a refresh lets the documents of a form that sets a filter
-- apart join that filter, and it must not read every body of a large workspace to know them.
-- '' when its structure shows none; null for a document stored before this migration, until
-- the next refresh reads it.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

alter table documents add column form text;

-- The few documents that have a form, per workspace (most have none).
create index documents_form_idx on documents (workspace_id, id) include (form) where form <> '';
-- Documents whose form is not read yet: none once every workspace has been refreshed once.
create index documents_form_unread_idx on documents (workspace_id, id) where form is null;

-- The form that set a top-level filter apart (null: none): the next refresh keeps that decision
-- unless the filter's share of the form moved clearly across the line.
alter table categories add column form text;
