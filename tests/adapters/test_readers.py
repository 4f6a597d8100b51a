import gzip
import json

from drive_tagger.adapters.readers import ReadFailure, read_sources
from drive_tagger.core.types import SourceDocument
from tests.files import write_docx, write_pdf


def _read(*paths):
    items = list(read_sources(list(paths)))
    docs = [i for i in items if not isinstance(i, ReadFailure)]
    failures = [i for i in items if isinstance(i, ReadFailure)]
    return docs, failures


def test_markdown_title_comes_from_its_heading(tmp_path):
    (tmp_path / "plan.md").write_text("# Q3 Marketing Plan\n\nLaunch the webinar series.")
    docs, _ = _read(tmp_path / "plan.md")
    assert docs[0].title == "Q3 Marketing Plan" and "webinar" in docs[0].body


def test_files_in_a_folder_are_named_by_their_relative_path(tmp_path):
    (tmp_path / "legal").mkdir()
    (tmp_path / "legal" / "nda.txt").write_text("Mutual NDA\nBoth parties keep secrets.")
    docs, _ = _read(tmp_path)
    assert [d.external_id for d in docs] == ["legal/nda.txt"]


def test_hidden_files_and_folders_are_skipped(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_text("hidden")
    (tmp_path / "a.txt").write_text("Visible document text.")
    docs, failures = _read(tmp_path)
    assert [d.external_id for d in docs] == ["a.txt"] and not failures


def test_html_text_excludes_scripts_and_uses_the_title(tmp_path):
    (tmp_path / "p.html").write_text(
        "<html><head><title>Brand Guide</title><script>var x=1;</script></head>"
        "<body><h1>Colours</h1><p>Use teal.</p></body></html>"
    )
    docs, _ = _read(tmp_path / "p.html")
    assert docs[0].title == "Brand Guide" and "Use teal." in docs[0].body and "var x" not in docs[0].body


def test_pdf_text_and_title_are_extracted(tmp_path):
    write_pdf(tmp_path / "invoice.pdf", "Invoice 42 total due 300 EUR", title="Invoice 42")
    docs, failures = _read(tmp_path / "invoice.pdf")
    assert not failures and docs[0].title == "Invoice 42" and "total due" in docs[0].body


def test_docx_paragraphs_are_extracted(tmp_path):
    write_docx(tmp_path / "policy.docx", ["Remote work policy", "Staff may work from home."], title="Remote work")
    docs, _ = _read(tmp_path / "policy.docx")
    assert docs[0].title == "Remote work" and "work from home" in docs[0].body


def test_jsonl_rows_become_documents_with_their_ids(tmp_path):
    rows = [{"id": "a1", "title": "T", "text": "first"}, {"id": "a2", "text": "second"}]
    (tmp_path / "docs.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    docs, _ = _read(tmp_path / "docs.jsonl")
    assert [(d.external_id, d.body) for d in docs] == [("a1", "first"), ("a2", "second")]


def test_gzipped_jsonl_is_read(tmp_path):
    with gzip.open(tmp_path / "docs.jsonl.gz", "wt") as handle:
        handle.write(json.dumps({"id": "z", "text": "zipped"}) + "\n")
    docs, _ = _read(tmp_path / "docs.jsonl.gz")
    assert docs[0].external_id == "z"


def test_csv_rows_become_documents(tmp_path):
    (tmp_path / "docs.csv").write_text('id,title,text\n1,Lease,"Rent, due monthly"\n')
    docs, _ = _read(tmp_path / "docs.csv")
    assert docs[0].external_id == "1" and docs[0].body == "Rent, due monthly"


def test_malformed_jsonl_line_fails_alone_naming_its_line(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"id": "1", "text": "ok"}\n{"id": 2, "text": \n{"id": "3", "text": "ok"}\n')
    docs, failures = _read(tmp_path / "d.jsonl")
    assert [d.external_id for d in docs] == ["1", "3"]
    assert failures[0].source.endswith("d.jsonl:2") and "malformed JSON" in failures[0].reason


def test_row_without_text_is_reported(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"id": "1", "text": ""}\n')
    _, failures = _read(tmp_path / "d.jsonl")
    assert "text" in failures[0].reason


def test_empty_file_is_reported(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    _, failures = _read(tmp_path / "empty.txt")
    assert failures[0].reason == "empty file"


def test_binary_file_is_reported(tmp_path):
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    _, failures = _read(tmp_path / "blob.txt")
    assert "binary" in failures[0].reason


def test_non_utf8_text_is_reported_with_the_offending_byte(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 menu".encode("latin-1"))
    _, failures = _read(tmp_path / "latin.txt")
    assert "not UTF-8" in failures[0].reason and "0xe9" in failures[0].reason


def test_unsupported_extension_is_reported(tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    _, failures = _read(tmp_path / "image.png")
    assert "unsupported file type '.png'" in failures[0].reason


def test_missing_path_is_reported(tmp_path):
    _, failures = _read(tmp_path / "nope")
    assert failures[0].reason == "no such file or directory"


def test_corrupt_pdf_is_reported(tmp_path):
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 garbage")
    _, failures = _read(tmp_path / "bad.pdf")
    assert failures and "PDF" in failures[0].reason


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    (tmp_path / "a.txt").write_text("Good document one.")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01\x02bad\x00")
    (tmp_path / "c.txt").write_text("Good document two.")
    docs, failures = _read(tmp_path)
    assert [d.external_id for d in docs] == ["a.txt", "c.txt"] and len(failures) == 1


def test_two_folders_with_the_same_file_name_keep_the_first_and_name_the_second(tmp_path):
    for folder, text in (("north", "Northern office lease renewal."), ("south", "Southern office lease renewal.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "lease.txt").write_text(text)
    items = list(read_sources([tmp_path / "north", tmp_path / "south"]))
    documents = [i for i in items if isinstance(i, SourceDocument)]
    failures = [i for i in items if isinstance(i, ReadFailure)]
    assert [(d.external_id, d.body) for d in documents] == [("lease.txt", "Northern office lease renewal.")]
    assert len(failures) == 1 and failures[0].source.endswith("south/lease.txt")
    assert "already that of" in failures[0].reason and "north/lease.txt" in failures[0].reason


def test_a_utf16_file_keeps_no_byte_order_mark_in_its_title_or_body(tmp_path):
    (tmp_path / "minutes.txt").write_bytes("\ufeffBoard minutes\n\nThe board met on Monday.".encode("utf-16-le"))
    (document,) = read_sources([tmp_path / "minutes.txt"])
    assert document.title == "Board minutes" and document.body.startswith("Board minutes")
