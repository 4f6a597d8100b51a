-- core/forms.py now also reads as meeting notes the notes kept as prose under a title that says
-- so ("All-Hands Meeting Notes", "Minutes of the Board of Directors Meeting"). The documents
-- whose form that can change are read again by their workspace's next refresh.
update documents set form = null where form in ('', 'Resumes', 'Letters');
