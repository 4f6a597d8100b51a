"""Slides, sheets, mail, OpenDocument, e-books and data files: each read from a real file made by
its library's writer into a title and a text, within the same limits as any other file."""

import tracemalloc
import zipfile

import pytest

from drive_tagger.adapters.archives import MAX_COMPRESSION_RATIO, MAX_UNZIPPED_BYTES
from drive_tagger.adapters.readers import ReadFailure, read_sources
from drive_tagger.adapters.sheets import MAX_SHEET_ROWS
from drive_tagger.core.inputs import MAX_BODY_CHARS
from drive_tagger.core.types import SourceDocument
from tests.files import (
    write_eml,
    write_epub,
    write_odp,
    write_ods,
    write_odt,
    write_pdf,
    write_pptx,
    write_rtf,
    write_xls,
    write_xlsx,
    write_zip_bomb,
)


def _read(*paths):
    items = list(read_sources(list(paths)))
    return (
        [i for i in items if isinstance(i, SourceDocument)],
        [i for i in items if isinstance(i, ReadFailure)],
    )


def _one(path) -> SourceDocument:
    docs, failures = _read(path)
    assert not failures and len(docs) == 1, failures
    return docs[0]


def test_a_deck_keeps_its_slides_in_order_with_their_speaker_notes(tmp_path):
    slides = [
        ("Spring launch", "Goals: 400 sign-ups", "Open with the webinar date"),
        ("Channels", "Newsletter, LinkedIn, partners", ""),
        ("Budget", "Ads 12,000 EUR", "Ask finance to confirm"),
    ]
    doc = _one(write_pptx(tmp_path / "launch.pptx", slides, title="Spring launch deck"))
    assert doc.title == "Spring launch deck"
    order = ["Slide 1: Spring launch", "Goals", "Notes: Open with", "Slide 2: Channels", "Slide 3: Budget", "finance"]
    positions = [doc.body.index(words) for words in order]
    assert positions == sorted(positions)


def test_a_deck_without_a_title_is_named_by_its_first_slide(tmp_path):
    doc = _one(write_pptx(tmp_path / "untitled.pptx", [("Quarterly review", "Revenue up", "")]))
    assert doc.title == "Quarterly review"


def test_a_workbook_is_one_document_with_each_sheet_name_and_its_rows(tmp_path):
    sheets = {"Q1": [["Item", "Cost"], ["Office rent", 3600], ["Cloud hosting", 1250.5]], "Q2": [["Travel", 900]]}
    doc = _one(write_xlsx(tmp_path / "budget.xlsx", sheets, title="2026 budget"))
    assert doc.title == "2026 budget"
    assert doc.body == "Sheet: Q1\nItem | Cost\nOffice rent | 3600\nCloud hosting | 1250.5\nSheet: Q2\nTravel | 900"


def test_a_long_sheet_is_cut_at_its_first_rows_without_reading_the_rest(tmp_path):
    # Numbers, not text: openpyxl loads a workbook's shared-strings table whole (the zip limit bounds it).
    rows = ([n, n * 2, n * 3] for n in range(60_000))
    path = write_xlsx(tmp_path / "ledger.xlsx", {"Ledger": rows})
    tracemalloc.start()
    doc = _one(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    last = MAX_SHEET_ROWS - 1
    assert doc.body.endswith(f"\n{last} | {last * 2} | {last * 3}")
    assert peak < 30 * 1024 * 1024  # the 60,000 rows were never held at once


def test_an_old_excel_workbook_is_read_like_a_new_one(tmp_path):
    doc = _one(write_xls(tmp_path / "old-budget.xls", {"Costs": [["Item", "Cost"], ["Printer", 240.0]]}))
    assert doc.title == "old-budget" and doc.body == "Sheet: Costs\nItem | Cost\nPrinter | 240"


def test_a_mail_keeps_sender_date_and_subject_and_its_attachments_become_documents(tmp_path):
    attachments = {
        "itinerary.txt": b"Day 1: Lisbon trade fair\nDay 2: client visit in Porto",
        "quote.pdf": write_pdf(tmp_path / "q.pdf", "Quote 118 total 2,400 EUR").read_bytes(),
        "logo.png": b"\x89PNG\r\n\x1a\n",
    }
    mail = write_eml(tmp_path / "trip.eml", "Lisbon trip plans", "Flights are booked for 12 May.", attachments)
    docs, failures = _read(mail)
    assert not failures
    by_id = {d.external_id: d for d in docs}
    assert list(by_id) == ["trip.eml", "trip.eml#itinerary.txt", "trip.eml#quote.pdf"]
    letter = by_id["trip.eml"]
    assert letter.title == "Lisbon trip plans"
    assert "From: ana@example.com" in letter.body and "Date: Mon, 02 Mar 2026" in letter.body
    assert "Flights are booked" in letter.body and "Attachments: itinerary.txt, quote.pdf, logo.png" in letter.body
    assert "total 2,400 EUR" in by_id["trip.eml#quote.pdf"].body
    assert by_id["trip.eml#quote.pdf"].source == f"{mail}#quote.pdf"


def test_a_broken_attachment_fails_alone_under_the_mail_s_name(tmp_path):
    attachments = {"broken.pdf": b"%PDF-1.4 garbage", "notes.txt": b"Agenda for the board meeting"}
    docs, failures = _read(write_eml(tmp_path / "m.eml", "Board pack", "See attached.", attachments))
    assert [d.external_id for d in docs] == ["m.eml", "m.eml#notes.txt"]
    assert [f.source for f in failures] == [f"{tmp_path}/m.eml#broken.pdf"] and "PDF" in failures[0].reason


def test_attachments_with_hostile_or_repeated_names_stay_inside_the_mail(tmp_path):
    attachments = {"../../etc/passwd.txt": b"first", "a.txt": b"second"}
    mail = write_eml(tmp_path / "m.eml", "Names", "Body.", attachments)
    raw = mail.read_bytes().replace(b'filename="a.txt"', b'filename="_.._etc_passwd.txt"')
    mail.write_bytes(raw)
    docs, failures = _read(mail)
    assert not failures
    assert [d.external_id for d in docs] == ["m.eml", "m.eml#.._.._etc_passwd.txt", "m.eml#_.._etc_passwd.txt"]


def test_opendocument_text_sheet_and_slides_are_read(tmp_path):
    text = _one(write_odt(tmp_path / "memo.odt", ["Office move", "We move on 3 June."], title="Office move memo"))
    assert text.title == "Office move memo" and text.body == "Office move\nWe move on 3 June."
    sheet = _one(write_ods(tmp_path / "costs.ods", {"Movers": [["Firm", "Quote"], ["Swift", "1200"]]}))
    assert sheet.title == "costs" and sheet.body == "Sheet: Movers\nFirm | Quote\nSwift | 1200"
    deck = _one(write_odp(tmp_path / "pitch.odp", [("Why us", "Mention the award"), ("Pricing", "")], title="Pitch"))
    assert deck.title == "Pitch" and deck.body == "Slide 1\nWhy us\nNotes: Mention the award\nSlide 2\nPricing"


def test_an_ebook_gives_its_title_and_chapters_in_reading_order(tmp_path):
    doc = _one(write_epub(tmp_path / "h.epub", "Staff handbook", [("Leave", "25 days a year"), ("Travel", "Economy")]))
    assert doc.title == "Staff handbook" and doc.body == "Leave\n25 days a year\nTravel\nEconomy"


def test_rich_text_gives_its_title_and_text(tmp_path):
    doc = _one(write_rtf(tmp_path / "letter.rtf", "Offer letter", ["Dear Sam,", "We are pleased to offer you"]))
    assert doc.title == "Offer letter" and doc.body == "Dear Sam,\nWe are pleased to offer you"


def test_data_files_are_one_document_each(tmp_path):
    (tmp_path / "settings.json").write_text('{"name": "Payroll export", "fields": [{"label": "net pay"}], "n": 3}')
    (tmp_path / "feed.xml").write_text("<rss><channel><title>Releases</title><item>v2 ships</item></channel></rss>")
    (tmp_path / "prices.tsv").write_text("id\ttext\nA1\tDesk lamp 40 EUR\n")
    docs, failures = _read(tmp_path)
    assert not failures
    assert [(d.external_id, d.title, d.body) for d in docs] == [
        ("feed.xml", "Releases", "Releases\nv2 ships"),
        ("prices.tsv", "prices", "id | text\nA1 | Desk lamp 40 EUR"),
        ("settings.json", "Payroll export", "Payroll export\nnet pay"),
    ]


def test_an_xml_entity_bomb_is_refused_before_it_expands(tmp_path):
    entities = '<!ENTITY a "lol">' + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    (tmp_path / "laughs.xml").write_text(f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><r>&i;</r>')
    _, failures = _read(tmp_path / "laughs.xml")
    assert "refused XML" in failures[0].reason


def test_a_zip_bomb_is_refused_by_its_compression_ratio_in_bounded_memory(tmp_path):
    bomb = write_zip_bomb(tmp_path / "bomb.xlsx", "xl/worksheets/sheet1.xml", 32 * 1024 * 1024)
    assert bomb.stat().st_size < 100_000
    tracemalloc.start()
    _, failures = _read(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert f"more than {MAX_COMPRESSION_RATIO} times is an archive bomb" in failures[0].reason
    assert peak < 5 * 1024 * 1024  # refused before anything was inflated


def _declaring(path, size):
    """The zip at path with its central directory claiming each part expands to `size` bytes."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        data[at + 24 : at + 28] = size.to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("suffix", [".docx", ".pptx", ".xlsx", ".odt", ".epub"])
def test_every_zipped_format_refuses_a_zip_declaring_more_than_the_limit(tmp_path, suffix):
    path = tmp_path / f"huge{suffix}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("content.xml", "<x/>")
        archive.writestr("more.xml", "<y/>")
    _declaring(path, MAX_UNZIPPED_BYTES // 2 + 1)
    _, failures = _read(path)
    assert "over the limit of 256 MiB (an archive bomb?)" in failures[0].reason


def test_a_sheet_s_text_is_cut_at_the_body_limit_like_any_text(tmp_path):
    cell = " ".join(str(n * 7919 % 100_003) for n in range(5_000))  # ~30,000 characters, no bomb
    wide = {"Wide": [[f"{row} {cell}", cell] for row in range(40)]}
    doc = _one(write_xlsx(tmp_path / "wide.xlsx", wide))
    assert MAX_BODY_CHARS <= len(doc.body) < MAX_BODY_CHARS + 70_000


def test_new_formats_are_listed_as_supported(tmp_path):
    (tmp_path / "photo.png").write_bytes(b"\x89PNG")
    _, failures = _read(tmp_path / "photo.png")
    for suffix in (".pptx", ".xlsx", ".xls", ".eml", ".msg", ".odt", ".ods", ".odp", ".rtf", ".epub", ".json", ".xml"):
        assert suffix in failures[0].reason


def test_the_sample_drive_holds_a_deck_a_budget_workbook_and_a_saved_mail(samples_dir):
    names = {
        "marketing/launch-campaign-deck-fieldnote-3.pptx": ("Fieldnote 3.0 launch campaign", "Notes: Finance approved"),
        "invoices/budget-2026-by-department.xlsx": ("Budget 2026 by department", "Sheet: Marketing"),
        "travel/booking-confirmation-lisbon-trade-fair.eml": ("Booking confirmation: Lisbon", "From: Marta Silva"),
    }
    labelled = (samples_dir.parent / "labels.csv").read_text()
    for name, (title, words) in names.items():
        doc = _one(samples_dir / name)
        assert doc.title.startswith(title) and words in doc.body and f"{name}," in labelled
        assert (samples_dir / name).stat().st_size < 64 * 1024
