"""Builders for real input files of each supported format (PDF, DOCX) used by the tests."""

from __future__ import annotations

from pathlib import Path


def write_pdf(path: Path, text: str, title: str | None = None) -> Path:
    """A minimal, valid one-page PDF whose content stream draws `text` in Helvetica."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
    info = f"<< /Title ({title}) >>".encode("latin-1") if title else b"<< >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def write_docx(path: Path, paragraphs: list[str], title: str | None = None) -> Path:
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def write_pptx(path: Path, slides: list[tuple[str, str, str]], title: str | None = None) -> Path:
    """A deck made by python-pptx: one (title, body, speaker notes) per slide, in order."""
    from pptx import Presentation

    deck = Presentation()
    deck.core_properties.title = title or ""
    for heading, body, notes in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = heading
        slide.placeholders[1].text = body
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    deck.save(str(path))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], title: str | None = None) -> Path:
    """A workbook made by openpyxl: sheet name -> rows. (Not write-only: that mode leaves out the
    sheet's <dimension>, which Excel always writes, and without it openpyxl scans a sheet whole.)"""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if title:
        workbook.properties.title = title
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """An Excel 97-2003 workbook made by xlwt."""
    import xlwt

    workbook = xlwt.Workbook()
    for name, rows in sheets.items():
        sheet = workbook.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    workbook.save(str(path))
    return path


def write_eml(
    path: Path, subject: str, body: str, attachments: dict[str, bytes] | None = None, sender: str = "ana@example.com"
) -> Path:
    """A mail made by the email package, with its attachments."""
    import mimetypes
    from datetime import UTC, datetime
    from email.message import EmailMessage
    from email.utils import format_datetime

    message = EmailMessage()
    message["From"] = sender
    message["To"] = "team@example.com"
    message["Date"] = format_datetime(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    message["Subject"] = subject
    message.set_content(body)
    for name, data in (attachments or {}).items():
        kind = (mimetypes.guess_type(name)[0] or "application/octet-stream").split("/")
        message.add_attachment(data, maintype=kind[0], subtype=kind[1], filename=name)
    path.write_bytes(bytes(message))
    return path


def write_odt(path: Path, paragraphs: list[str], title: str | None = None) -> Path:
    """A text document made by odfpy: the first paragraph as a heading."""
    from odf import dc, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    if title:
        document.meta.addElement(dc.Title(text=title))
    for number, paragraph in enumerate(paragraphs):
        element = text.H(outlinelevel=1) if number == 0 else text.P()
        element.addText(paragraph)
        document.text.addElement(element)
    document.save(str(path))
    return path


def write_ods(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    """A spreadsheet made by odfpy: sheet name -> rows of text cells."""
    from odf import table, text
    from odf.opendocument import OpenDocumentSpreadsheet

    document = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        sheet = table.Table(name=name)
        for row in rows:
            line = table.TableRow()
            for value in row:
                cell = table.TableCell(valuetype="string")
                cell.addElement(text.P(text=str(value)))
                line.addElement(cell)
            sheet.addElement(line)
        document.spreadsheet.addElement(sheet)
    document.save(str(path))
    return path


def write_odp(path: Path, slides: list[tuple[str, str]], title: str | None = None) -> Path:
    """A presentation made by odfpy: one (text, speaker notes) per slide."""
    from odf import dc, draw, presentation, style, text
    from odf.opendocument import OpenDocumentPresentation

    document = OpenDocumentPresentation()
    if title:
        document.meta.addElement(dc.Title(text=title))
    layout = style.PageLayout(name="layout")
    document.automaticstyles.addElement(layout)
    master = style.MasterPage(name="master", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    for number, (body, notes) in enumerate(slides, start=1):
        page = draw.Page(name=f"page{number}", masterpagename=master)
        frame = draw.Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        box = draw.TextBox()
        box.addElement(text.P(text=body))
        frame.addElement(box)
        page.addElement(frame)
        if notes:
            note_page = presentation.Notes()
            note_frame = draw.Frame(width="20cm", height="3cm", x="1cm", y="1cm")
            note_box = draw.TextBox()
            note_box.addElement(text.P(text=notes))
            note_frame.addElement(note_box)
            note_page.addElement(note_frame)
            page.addElement(note_page)
        document.presentation.addElement(page)
    document.save(str(path))
    return path


def write_epub(path: Path, title: str, chapters: list[tuple[str, str]]) -> Path:
    """An e-book made by EbookLib: (chapter heading, paragraph) in reading order."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("drive-tagger-test")
    book.set_title(title)
    book.set_language("en")
    items = []
    for number, (heading, paragraph) in enumerate(chapters, start=1):
        chapter = epub.EpubHtml(title=heading, file_name=f"chapter{number}.xhtml", lang="en")
        chapter.content = f"<html><body><h1>{heading}</h1><p>{paragraph}</p></body></html>"
        book.add_item(chapter)
        items.append(chapter)
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = items
    epub.write_epub(str(path), book)
    return path


def write_rtf(path: Path, title: str, paragraphs: list[str]) -> Path:
    """A rich-text file as WordPad writes it: an info group with the title, then paragraphs."""
    body = "".join(f"{p}\\par\n" for p in paragraphs)
    path.write_text("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}{\\info{\\title " + title + "}}\n" + body + "}")
    return path


def write_zip_bomb(path: Path, part: str, expands_to: int) -> Path:
    """A zip whose one part is `expands_to` zero bytes, deflated to about a thousandth of that,
    plus the [Content_Types].xml every office file starts with."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open(part, "w", force_zip64=True) as handle:
            chunk = bytes(1024 * 1024)
            for _ in range(expands_to // len(chunk)):
                handle.write(chunk)
    return path
