-- core/forms.py now also reads as meeting notes the notes kept as prose under a title that says
-- so ("All-Hands Meeting Notes", "Minutes of the Board of Directors Meeting", "1:1 Notes"). The
-- documents whose form that can change (none read, or a letter: the title is read before the
-- salutation) and whose first line may say so are read again by their workspace's next refresh.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

update documents set form = null
where form in ('', 'Letters')
  and left(ltrim(left(body, 3000), E' \t\r\n'), 120) ~* '(meeting|minutes|1:1|one-on-one|1-on-1)';
