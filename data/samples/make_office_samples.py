"""Writes the sample drive's office files: a marketing deck (.pptx), a budget workbook (.xlsx) and
a saved mail (.eml), so the demo shows formats besides text. Run from the repository root:

    .venv/bin/python data/samples/make_office_samples.py

Source and licence: the text below was written for this project, like the rest of the sample
drive (fictional companies, people and amounts; addresses at example.com), and is under the
project's licence. The files are made by python-pptx, openpyxl and the standard library's email
package; each is under 40 KB."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

DOCS = Path(__file__).resolve().parent / "docs"

DECK = [
    (
        "Fieldnote 3.0 launch campaign",
        "Campaign brief for the autumn launch of Fieldnote 3.0 to small agencies",
        "Open with the goal: 1,500 trial sign-ups and 300 paying teams by December.",
    ),
    (
        "Audience and message",
        "Creative agencies of 10-50 people\nMessage: notes that turn into client-ready briefs",
        "Use the customer quotes from the beta survey.",
    ),
    (
        "Channels",
        "LinkedIn ads, partner newsletters, two webinars, a launch-week email sequence",
        "The webinar dates are 14 and 28 October.",
    ),
    (
        "Budget and timeline",
        "Paid social 18,000 EUR, content 6,000 EUR, events 4,500 EUR\nLaunch week: 6 October",
        "Finance approved the budget on 2 September.",
    ),
    (
        "Measuring success",
        "Weekly dashboard: sign-ups, activation rate, cost per trial, webinar attendance",
        "",
    ),
]

BUDGET = {
    "Summary": [
        ["Department", "Q1", "Q2", "Q3", "Q4", "Year"],
        ["Marketing", 42000, 38500, 51000, 47500, 179000],
        ["Engineering", 96000, 98000, 101500, 103000, 398500],
        ["Sales", 31000, 33500, 36000, 39000, 139500],
        ["Operations", 18500, 18500, 19000, 19500, 75500],
    ],
    "Marketing": [
        ["Line item", "Supplier", "Budget (EUR)", "Actual (EUR)", "Variance"],
        ["Paid social", "LinkedIn", 18000, 16850, 1150],
        ["Content production", "Quillstack Studio", 6000, 6420, -420],
        ["Events and webinars", "Harbourview Venues", 4500, 4100, 400],
        ["Design tools", "Canvasly", 1200, 1200, 0],
    ],
    "Operations": [
        ["Line item", "Supplier", "Budget (EUR)", "Actual (EUR)", "Variance"],
        ["Office rent", "Kestrel Properties", 12000, 12000, 0],
        ["Cloud hosting", "NimbusGrid", 4200, 4630, -430],
        ["Office supplies", "Greenleaf", 900, 760, 140],
    ],
}

MAIL_BODY = """Hi all,

Your trip to the Lisbon trade fair is booked. Flights: TP 1351 from Amsterdam on Monday 11 May,
08:05, arriving 10:25; return TP 672 on Thursday 14 May, 18:40. Hotel: Casa do Rio, Rua da
Prata 118, three nights, breakfast included, confirmation CR-55821.

Please keep your boarding passes and taxi receipts for the expense report, and book any
train to Porto through the travel desk so it stays within the travel policy.

Best,
Marta (travel desk)
"""


def write_deck(path: Path) -> None:
    from pptx import Presentation

    deck = Presentation()
    deck.core_properties.title = "Fieldnote 3.0 launch campaign"
    deck.core_properties.author = "Marketing team"
    for heading, body, notes in DECK:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = heading
        slide.placeholders[1].text = body
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    deck.save(str(path))


def write_budget(path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = "Budget 2026 by department"
    for name, rows in BUDGET.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)


def write_mail(path: Path) -> None:
    message = EmailMessage()
    message["From"] = "Marta Silva <travel@example.com>"
    message["To"] = "sales-team@example.com"
    message["Date"] = format_datetime(datetime(2026, 4, 20, 14, 5, tzinfo=UTC))
    message["Subject"] = "Booking confirmation: Lisbon trade fair, 11-14 May"
    message.set_content(MAIL_BODY)
    path.write_bytes(bytes(message))


if __name__ == "__main__":
    write_deck(DOCS / "marketing" / "launch-campaign-deck-fieldnote-3.pptx")
    write_budget(DOCS / "invoices" / "budget-2026-by-department.xlsx")
    write_mail(DOCS / "travel" / "booking-confirmation-lisbon-trade-fair.eml")
