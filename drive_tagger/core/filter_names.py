"""A filter name a person gives: the one length limit every layer holds it to, and the form it is
stored in. The rules a name must pass (one line, no bidirectional controls or markup, something
visible, one alphabet per word, unique in its workspace up to case and lookalike letters) live in
the database, in drive_tagger_check_filter_name and the name triggers of
supabase/migrations/20261127090000_filter_name_rules.sql, which every write of a name passes
through: the CLI's, the API's and a Supabase app's alike. tests/adapters/test_sql_rules.py holds
this module and the database to the same limit and the same form."""

from __future__ import annotations

import re
import unicodedata

# The most characters a filter name a person gives may have (after normalising). The API's models,
# and the database's drive_tagger_check_filter_name, hold names to it; generated names stay within
# core/naming.py's shorter MAX_NAME_CHARS.
MAX_FILTER_NAME_CHARS = 80

# Unicode's space separators (category Zs): each run of them becomes one space.
_SPACES = re.compile("[\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


def normal_filter_name(name: str) -> str:
    """The name as it is stored: NFC (a decomposed "é" composed), each run of spaces one space,
    none at either end."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip(" ")
