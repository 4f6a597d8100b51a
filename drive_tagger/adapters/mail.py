"""Saved e-mails (.eml by the standard library's email package, Outlook .msg by extract-msg):
sender, recipients, date and subject above the body, the subject as title, and the attached
files handed back to be read as documents of their own."""

from __future__ import annotations

import email
import email.policy
from email.errors import StartBoundaryNotFoundDefect
from email.message import EmailMessage
from pathlib import Path

from drive_tagger.adapters.extraction import Attachment, Extracted, UnreadableFile

# Attachments past this many are listed in the mail's text but not read.
MAX_ATTACHMENTS = 100
_HEADERS = ("From", "To", "Cc", "Date", "Subject")


def read_eml(path: Path) -> Extracted:
    with path.open("rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    if not any(message[name] for name in (*_HEADERS, "Message-ID", "MIME-Version")):
        raise UnreadableFile("not an e-mail message (no From, To, Subject or Date header)")
    if any(isinstance(defect, StartBoundaryNotFoundDefect) for part in message.walk() for defect in part.defects):
        raise UnreadableFile("broken MIME structure: a multipart boundary its header names is never found")
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = _part_text(body_part) if body_part is not None else ""
    attachments = []
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        content = part.get_content()
        if isinstance(content, EmailMessage):
            data = content.as_bytes()
            name = name or "attached-message.eml"
        elif isinstance(content, str):
            data = content.encode("utf-8")
        else:
            data = bytes(content)
        if name:
            attachments.append(Attachment(name, data))
    headers = {name: str(message[name] or "") for name in _HEADERS}
    return _mail(headers, body, attachments)


def read_msg(path: Path) -> Extracted:
    import extract_msg

    # openMsg is typed as returning MSGFile, but it returns the class the file's type calls for
    # (Message and the other MessageBase classes for mail), which has the attributes read below.
    message = extract_msg.openMsg(str(path), delayAttachments=False)
    try:
        headers = {
            "From": message.sender or "",  # type: ignore[attr-defined]  # MessageBase attribute, see above
            "To": message.to or "",  # type: ignore[attr-defined]  # MessageBase attribute, see above
            "Cc": message.cc or "",  # type: ignore[attr-defined]  # MessageBase attribute, see above
            "Date": str(message.date or ""),  # type: ignore[attr-defined]  # MessageBase attribute, see above
            "Subject": message.subject or "",  # type: ignore[attr-defined]  # MessageBase attribute, see above
        }
        body = message.body or ""  # type: ignore[attr-defined]  # MessageBase attribute, see above
        if not body.strip() and message.htmlBody:  # type: ignore[attr-defined]  # MessageBase attribute, see above
            body = _html_text(message.htmlBody)  # type: ignore[attr-defined]  # MessageBase attribute, see above
        attachments = []
        for item in message.attachments:
            name = item.longFilename or item.shortFilename or item.name or ""
            data = item.data
            if isinstance(data, bytes) and name:
                attachments.append(Attachment(name, data))
    finally:
        message.close()
    return _mail(headers, body, attachments)


def _mail(headers: dict[str, str], body: str, attachments: list[Attachment]) -> Extracted:
    lines = [f"{name}: {value}" for name, value in headers.items() if value.strip()]
    names = [attachment.name for attachment in attachments]
    text = "\n".join(lines) + "\n\n" + body.strip()
    if names:
        text += "\n\nAttachments: " + ", ".join(names)
    return Extracted(headers["Subject"], text, tuple(attachments[:MAX_ATTACHMENTS]))


def _part_text(part) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset
        content = part.get_payload(decode=True).decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        return _html_text(content)
    return content


def _html_text(html: str | bytes) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    return soup.get_text("\n", strip=True)
