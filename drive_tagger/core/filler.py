"""Filler words (pure data): words that say nothing about what a filter holds, however often its
documents use them: dates, numbers, reporting verbs, the commonest adjectives and verbs, company
suffixes, e-mail headers, the parts of addresses, the courtesies of letters and forum posts
("thanks", "anyone interested") and abbreviations with a vowel that newswires use ("div",
"revs"). No keyphrase starts or ends with one (nor with a stop word), so no name is made of them
("Service and New")."""

# Words a phrase may hold inside it, never at its ends ("terms and conditions", "bill of sale").
JOINERS = frozenset({"and", "of", "for", "in", "on", "to", "the"})

# Nouns that before "of", "on" or "for" only point at what follows ("information on Haskell", "a
# list of fonts", "support for Python"): the phrase says no more than its last word, so it is not
# one ("number of", "set of" and "part of" are filler already).
LIGHT_HEADS = frozenset(
    """
    information details overview introduction list lists collection collections range variety kind kinds
    type types sort sorts series bunch piece pieces support
    """.split()  # noqa: SIM905 - a word list reads better as text
)
LIGHT_JOINERS = frozenset({"of", "on", "for"})

FILLER_WORDS = frozenset(
    """
    new old said says say saying told tell asked writes wrote use used uses using make makes made add added adds
    went go goes going gone get gets got getting like likes just good great best better big small
    large high low long short first second third last next previous year years yearly time times day
    days daily week weeks weekly month months monthly today yesterday tomorrow tonight morning
    evening way ways thing things lot lots number numbers part parts half halves case cases example examples end
    need needs needed want wants wanted know known think thought see seen look looks looked take
    takes took taken come comes came give gives gave given help helps include includes included
    provide provides provided providing
    including based set sets start started starts show shows showed shown according people person mr
    mrs ms dr etc per via able available current currently recent recently early late later latest
    main major key important different similar various certain likely possible following follow
    follows told let lets put puts keep keeps kept went making january february march april may june
    july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday one two three four five six seven eight
    nine ten hundred thousand million billion page pages section sections version
    ltd pty inc llc gmbh plc corp co com org net edu gov www http https re fwd cc subject
    thanks thank please hello regards anyone anybody someone somebody interested appreciated
    maybe perhaps probably actually really anyway
    div revs vs avg approx incl excl
    """.split()  # noqa: SIM905 - a word list reads better as text
)
