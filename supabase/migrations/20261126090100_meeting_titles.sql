-- core/forms.py now also reads as meeting notes the notes kept as prose under a title that says
-- so ("All-Hands Meeting Notes", "Minutes of the Board of Directors Meeting", "1:1 Notes"). The
-- documents whose form that can change (none read, or a letter: the title is read before the
-- salutation) and whose first line may say so are read again by their workspace's next refresh.
update documents set form = null
where form in ('', 'Letters')
  and left(ltrim(left(body, 3000), E' \t\r\n'), 120) ~* '(meeting|minutes|1:1|one-on-one|1-on-1)';
