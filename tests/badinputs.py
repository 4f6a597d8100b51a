"""A catalogue of hostile inputs for ingest: files a folder may hold (every format, links, pipes,
odd names) and table rows (JSONL, CSV). Each case says what must come of it: stored, or a failure
whose line names the input and carries the given words."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.files import write_docx, write_eml, write_odp, write_odt, write_pdf, write_pptx, write_xlsx, write_zip_bomb

GOOD_TEXT = "A perfectly ordinary paragraph about quarterly budgets and supplier invoices."


@dataclass(frozen=True)
class Case:
    name: str  # what the user sees in the failure line (a file name, or file:line)
    build: Callable[[Path], None]  # writes the input into the drive folder
    expect: str  # "stored", or words the failure's reason must contain
    stored_id: str | None = None  # for stored cases, the id it is stored under (default: name)


def _text(name: str, data: bytes | str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    return build


def _docx_with(document_xml: bytes) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        good = root / "_template.docx.tmp"
        write_docx(good, ["placeholder"])
        with zipfile.ZipFile(good) as source, zipfile.ZipFile(root / "broken-xml.docx", "w") as target:
            for item in source.infolist():
                data = source.read(item.filename)
                target.writestr(item, document_xml if item.filename == "word/document.xml" else data)
        good.unlink()

    return build


def _truncated_docx(root: Path) -> None:
    write_docx(root / "whole.docx.tmp", ["Text that will be cut off."] * 50)
    data = (root / "whole.docx.tmp").read_bytes()
    (root / "truncated.docx").write_bytes(data[: len(data) // 2])
    (root / "whole.docx.tmp").unlink()


def _huge_node_docx(root: Path) -> None:
    write_docx(root / "huge-node.docx", ["x" * (11 * 1024 * 1024)])


def _symlink(name: str, target: str | Callable[[Path], Path]) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        os.symlink(target(root) if callable(target) else target, root / name)

    return build


def _fifo(root: Path) -> None:
    os.mkfifo(root / "pipe.txt")


def _non_utf8_name(root: Path) -> None:
    (Path(os.fsdecode(bytes(root) + b"/caf\xe9-menu.txt"))).write_text("Lunch menu: soup of the day and bread.")


def _nested(root: Path) -> None:
    deep = root.joinpath(*[f"level{i}" for i in range(20)])
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text("A document twenty folders down about the travel policy.")


def _jsonl(name: str, *lines: str | bytes) -> Callable[[Path], None]:
    raw = b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n"
    return _text(name, raw)


def _row(**fields) -> str:
    return json.dumps(fields)


def _gz_jsonl_truncated(root: Path) -> None:
    rows = "".join(_row(id=f"gz-{i}", text=f"{GOOD_TEXT} {i}") + "\n" for i in range(400))
    data = gzip.compress(rows.encode())
    (root / "truncated.jsonl.gz").write_bytes(data[: len(data) // 2])


LONG_NAME = "n" * 200 + ".txt"

FILE_CASES = [
    Case("empty.txt", _text("empty.txt", b""), "empty file"),
    Case("blank.txt", _text("blank.txt", "  \n\t \n"), "empty file"),
    Case("binary.txt", _text("binary.txt", b"\x00\x01\x02\x03 not text \x00"), "binary content"),
    Case("latin1.txt", _text("latin1.txt", b"caf\xe9 au lait receipt"), "not UTF-8"),
    Case("utf16.txt", _text("utf16.txt", "\ufeffMinutes of the board meeting".encode("utf-16-le")), "stored"),
    Case("utf16-odd.txt", _text("utf16-odd.txt", b"\xff\xfeM\x00i\x00n"), "not valid UTF-16"),
    Case("utf8-bom.md", _text("utf8-bom.md", "\ufeff# Onboarding checklist\n\nLaptop, badge.".encode()), "stored"),
    Case("crlf.txt", _text("crlf.txt", "Line one of the memo\r\nLine two\r\n"), "stored"),
    Case("nul-inside.md", _text("nul-inside.md", b"# Title\n\nBody" + b"\x00" * 3 + b"end" * 3000), "binary"),
    Case("data.xyz", _text("data.xyz", "what is this"), "unsupported file type"),
    Case("README", _text("README", "no suffix at all"), "unsupported file type"),
    Case("random.docx", _text("random.docx", os.urandom(3000)), "unreadable Word document"),
    Case("truncated.docx", _truncated_docx, "unreadable Word document"),
    Case("broken-xml.docx", _docx_with(b"<w:document><w:body><w:p>unclosed"), "unreadable Word document"),
    Case("empty.docx", lambda root: write_docx(root / "empty.docx", []), "empty document"),
    Case("huge-node.docx", _huge_node_docx, "stored-or-named"),
    Case("random.pdf", _text("random.pdf", os.urandom(2000)), "unreadable PDF"),
    Case("garbage.pdf", _text("garbage.pdf", b"%PDF-1.4 garbage"), "unreadable PDF"),
    Case("zero.pdf", _text("zero.pdf", b""), "empty file|unreadable PDF"),
    Case("scan.pdf", lambda root: write_pdf(root / "scan.pdf", ""), "no extractable text"),
    Case("binary.html", _text("binary.html", b"\x00\x00\x01<html>"), "binary content"),
    Case("latin1.html", _text("latin1.html", b"<p>caf\xe9</p>"), "not UTF-8"),
    Case("script-only.html", _text("script-only.html", "<html><script>var a = 1;</script></html>"), "empty document"),
    Case("empty.html", _text("empty.html", "<html><body></body></html>"), "empty document"),
    Case("passwd.txt", _symlink("passwd.txt", "/etc/passwd"), "outside the folder"),
    Case("etc-link", _symlink("etc-link", "/etc"), "outside the folder"),
    Case("inner-link", _symlink("inner-link", lambda root: root / "sub"), "link to a folder inside"),
    Case("broken-link.txt", _symlink("broken-link.txt", "/nonexistent/file.txt"), "broken or looping"),
    Case("loop-a.txt", _symlink("loop-a.txt", lambda root: root / "loop-b.txt"), "broken or looping"),
    Case("loop-b.txt", _symlink("loop-b.txt", lambda root: root / "loop-a.txt"), "broken or looping"),
    Case("pipe.txt", _fifo, "not a regular file"),
    Case("caf\\xe9-menu.txt", _non_utf8_name, "stored"),
    Case(LONG_NAME, _text(LONG_NAME, "A note with a very long file name about the office move."), "stored"),
    Case("/".join(f"level{i}" for i in range(20)) + "/deep.txt", _nested, "stored"),
    Case("long.txt", _text("long.txt", ("word " * 400_000)), "stored"),
    Case("sub/inner.md", _text("sub/inner.md", "# Inner\n\nA file in a subfolder the inner link points at."), "stored"),
]

# Found by the second hostile round (issue 29) and kept here since.
FILE_CASES += [
    Case("utf16-be.txt", _text("utf16-be.txt", "\ufeffBoard minutes in UTF-16 BE".encode("utf-16-be")), "stored"),
    Case("utf32.txt", _text("utf32.txt", "\ufeffTravel policy in UTF-32".encode("utf-32-le")), "stored"),
    Case("bom-only.txt", _text("bom-only.txt", b"\xef\xbb\xbf"), "empty"),
    Case("cr-only.txt", _text("cr-only.txt", "Old Mac memo line one\rline two\rline three"), "stored"),
    Case("nbsp-only.md", _text("nbsp-only.md", "\u00a0\u00a0\n\u2003"), "empty"),
    Case("zero-width.txt", _text("zero-width.txt", "\u200b\u200c\u200d\ufeff"), "empty"),
    Case("invoice \u202egpj.exe.txt", _text("invoice \u202egpj.exe.txt", "A name with a bidi override."), "stored"),
    Case("\u200b.txt", _text("\u200b.txt", "A file named by a zero-width space."), "stored"),
    # A failure line shows such a name escaped, on one line (core.types.one_line).
    Case("line\\nbreak.txt", _text("line\nbreak.txt", "A file name holding a newline."), "control character"),
    Case("tab\\tname.txt", _text("tab\tname.txt", "A file name holding a tab."), "control character"),
    Case(" leading space.txt", _text(" leading space.txt", "A file name that starts with a space."), "stored"),
    Case("UPPER.TXT", _text("UPPER.TXT", "An upper-case suffix is still a text file."), "stored"),
    Case("emoji-\U0001f4c4.md", _text("emoji-\U0001f4c4.md", "# Emoji\n\nA document named with an emoji."), "stored"),
    Case("front-matter.md", _text("front-matter.md", "---\ntitle: Only front matter\n---\n"), "stored-or-named"),
    Case("entities.html", _text("entities.html", "<p>" + "&amp;" * 50_000 + " budget</p>"), "stored"),
    Case("deep.html", _text("deep.html", "<div>" * 5_000 + "deep budget memo" + "</div>" * 5_000), "stored-or-named"),
    Case("comment-only.html", _text("comment-only.html", "<html><!-- nothing but a comment --></html>"), "empty"),
    Case("style-only.html", _text("style-only.html", "<style>p { color: red }</style>"), "empty"),
    Case("mislabelled.pdf", _text("mislabelled.pdf", "This is plain text saved with a .pdf name."), "unreadable PDF"),
    Case("html-in.docx", _text("html-in.docx", "<html><body>Word saved as HTML</body></html>"), "unreadable Word"),
]

# rows.jsonl, line by line: what each line must give ("stored:<id>", or words of its failure).
JSONL_ROWS = [
    (_row(id="good-1", text=GOOD_TEXT), "stored:good-1"),
    ('{"id": "broken", "text": ', "malformed JSON"),
    ("[1, 2, 3]", "a JSON object per line"),
    (_row(text="no id here"), "missing 'id'"),
    (_row(id=0, text="An id of zero is an id."), "stored:0"),
    ('{"id": NaN, "text": "nan id"}', "whole number"),
    ('{"id": 1e400, "text": "infinite id"}', "whole number"),
    (_row(id=1.5, text="fraction id"), "whole number"),
    (_row(id=True, text="boolean id"), "whole number"),
    (_row(id={"a": 1}, text="object id"), "whole number"),
    (_row(id="nul\x00id", text="x"), "control character"),
    ('{"id": "half\\ud800", "text": "x"}', "not valid Unicode"),
    (_row(id="長" * 1000, text="long id"), "bytes long"),
    (_row(id="t-nul", title="a\x00b", text="ok text"), "stored:t-nul"),
    ('{"id": "s-text", "text": "broken \\ud800 surrogate kept"}', "stored:s-text"),
    (_row(id="blank", text="   "), "missing or empty 'text'"),
    (_row(id="no-text"), "missing or empty 'text'"),
    (_row(id="num-text", text=42), "missing or empty 'text'"),
    (b'{"id": "latin", "text": "caf\xe9"}', "not UTF-8"),
    (_row(id="good-2", text=GOOD_TEXT + " two"), "stored:good-2"),
    ("[" * 100_000, "malformed JSON"),
    (_row(id="line\nbreak", text="an id with a newline"), "control character"),
    (_row(id="\u200b", text="an id that is one zero-width space"), "stored:\u200b"),
    (_row(id="  padded  ", text="an id with spaces around it"), "stored:padded"),
    (_row(id=2**70, text="a whole number too large for Postgres' integers"), f"stored:{2**70}"),
    (_row(id="bom", title="\ufeffTitle with a BOM", text="ok"), "stored:bom"),
    (_row(id="list-text", text=["a", "b"]), "missing or empty 'text'"),
    (_row(id="zw-text", text="\u200b\u200b"), "empty"),
    ('{"id": "dupkey", "text": "first", "text": "second key wins"}', "stored:dupkey"),
    (_row(id="dup", text="first version"), "appears again"),
    (_row(id="dup", text="second version"), "stored:dup"),
]
JSONL_FILE = _jsonl("rows.jsonl", *(line for line, _ in JSONL_ROWS))
CSV_TEXT = (
    "id,title,text\n"
    'c1,First,"A plain row, with a comma"\n'
    'c2,"Unbalanced,oops\n'
    "c3,Third,This row comes after the broken quote\n"
    'c4,Fourth,"A field\nthat spans two lines"\n'
    "c5,Fifth,too,many,fields\n"
    "c6,Sixth,caf\xe9\n"
    'c7,Seventh,"' + "long " * 40_000 + '"\n'
    'c8,Ei"ght,quote inside a bare field\n'
    "c9,Ninth,the last row\n"
)
# table.csv, by line: what the row starting there must give.
CSV_LINES = {
    2: "stored:c1",
    3: "malformed CSV",
    4: "stored:c3",
    5: "stored:c4",
    7: "fields where the header",
    8: "not UTF-8",
    9: "stored:c7",
    10: "stored:c8",
    11: "stored:c9",
}
CSV_FILE = _text("table.csv", CSV_TEXT.encode("utf-8").replace("caf\xe9".encode(), b"caf\xe9"))
MORE_TABLE_CASES = [
    Case("empty.jsonl", _text("empty.jsonl", b""), "empty table"),
    Case("header-only.csv", _text("header-only.csv", "id,title,text\n"), "empty table"),
    Case("no-text-column.csv:2", _text("no-text-column.csv", "id,title\nx1,Only a title\n"), "missing or empty 'text'"),
    Case("not-gzip.jsonl.gz", _text("not-gzip.jsonl.gz", b"this is not gzip"), "cannot read"),
    Case("truncated.jsonl.gz", _gz_jsonl_truncated, "cannot read"),
]


# Slides, sheets, mail, OpenDocument, e-books and data files (issue 30), each as a hostile variant.
def _truncated(name: str, write: Callable[[Path], object]) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        whole = root / f"_{name}.tmp"
        write(whole)
        data = whole.read_bytes()
        (root / name).write_bytes(data[: len(data) // 2])
        whole.unlink()

    return build


def _built(name: str, write: Callable[[Path], object]) -> Callable[[Path], None]:
    return lambda root: write(root / name)


_BROKEN_BOUNDARY_MAIL = (
    "From: ana@example.com\nTo: team@example.com\nSubject: Board pack\n"
    'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XYZ"\n\n'
    "--ABC\nContent-Type: text/plain\n\nThe boundary above is not the one the header names.\n--ABC--\n"
)
_LAUGHS = '<!ENTITY a "lol">' + "".join(
    f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
_DECK = [("Spring launch", "Goals and channels", "Open with the webinar date")] * 20

FILE_CASES += [
    Case("deck.pptx", _built("deck.pptx", lambda p: write_pptx(p, _DECK[:2], title="Launch deck")), "stored"),
    Case("truncated.pptx", _truncated("truncated.pptx", lambda p: write_pptx(p, _DECK)), "unreadable PowerPoint"),
    Case("random.pptx", _text("random.pptx", os.urandom(4000)), "unreadable PowerPoint"),
    Case("budget.xlsx", _built("budget.xlsx", lambda p: write_xlsx(p, {"Q1": [["Rent", 3600]]})), "stored"),
    Case("random.xlsx", _text("random.xlsx", os.urandom(4000)), "unreadable Excel workbook"),
    Case("docx-as.xlsx", _built("docx-as.xlsx", lambda p: write_docx(p, ["Not a workbook"])), "unreadable Excel"),
    Case(
        "bomb.xlsx",
        _built("bomb.xlsx", lambda p: write_zip_bomb(p, "xl/worksheets/sheet1.xml", 32 * 1024 * 1024)),
        "archive bomb",
    ),
    Case("bomb.docx", _built("bomb.docx", lambda p: write_zip_bomb(p, "word/document.xml", 8 * 1024 * 1024)), "bomb"),
    Case("random.xls", _text("random.xls", os.urandom(4000)), "unreadable Excel workbook"),
    Case("mail.eml", _built("mail.eml", lambda p: write_eml(p, "Trip", "Booked.", {"plan.txt": b"Day 1"})), "stored"),
    Case("mail.eml#plan.txt", lambda root: None, "stored"),
    Case(
        "bad-attachment.eml",
        _built("bad-attachment.eml", lambda p: write_eml(p, "Quote", "Attached.", {"quote.pdf": os.urandom(500)})),
        "stored",
    ),
    Case("bad-attachment.eml#quote.pdf", lambda root: None, "unreadable PDF"),
    Case("broken-boundary.eml", _text("broken-boundary.eml", _BROKEN_BOUNDARY_MAIL), "broken MIME structure"),
    Case("random.eml", _text("random.eml", os.urandom(3000)), "binary content|not an e-mail|not UTF-8"),
    Case("no-headers.eml", _text("no-headers.eml", "Just a line of text, no headers."), "not an e-mail"),
    Case("random.msg", _text("random.msg", os.urandom(3000)), "unreadable Outlook message"),
    Case(
        "truncated.odt", _truncated("truncated.odt", lambda p: write_odt(p, ["Memo"] * 200)), "unreadable OpenDocument"
    ),
    Case("random.ods", _text("random.ods", os.urandom(3000)), "unreadable OpenDocument spreadsheet"),
    Case("empty.odp", _built("empty.odp", lambda p: write_odp(p, [])), "empty document"),
    Case("random.epub", _text("random.epub", os.urandom(3000)), "unreadable e-book"),
    Case("not.rtf", _text("not.rtf", "Plain text wearing an .rtf name."), "not an RTF file"),
    Case("cut.rtf", _text("cut.rtf", "{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}Budget memo \\b bold"), "stored-or-named"),
    Case("broken.json", _text("broken.json", '{"title": "Budget", "rows": ['), "malformed JSON"),
    Case("deep.json", _text("deep.json", "[" * 100_000 + "]" * 100_000), "nested too deeply|stored-or-named"),
    Case("numbers.json", _text("numbers.json", "[1, 2, 3]"), "empty document"),
    Case("laughs.xml", _text("laughs.xml", f'<?xml version="1.0"?><!DOCTYPE r [{_LAUGHS}]><r>&i;</r>'), "refused XML"),
    Case("broken.xml", _text("broken.xml", "<r><unclosed></r>"), "malformed XML"),
    Case("latin1.tsv", _text("latin1.tsv", b"item\tcost\ncaf\xe9\t3\n"), "not UTF-8"),
    Case("rows.tsv", _text("rows.tsv", "id\ttext\nr1\tA data file, one document.\n"), "stored"),
]
