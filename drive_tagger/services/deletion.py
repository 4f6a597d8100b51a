"""Deleting documents: by id, or every document whose file left a folder that is ingested again
with --prune. A deleted document leaves every filter at once, and its vector goes once no other
document carries its text."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from drive_tagger.core.ports import DocumentStore

_TABLE_ROW = re.compile(r"^(.*):(\d+)$")  # the source of a table row: <file>:<line>


@dataclass
class DeleteReport:
    deleted: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # ids the workspace does not hold


def delete_documents(documents: DocumentStore, workspace_slug: str, external_ids: Sequence[str]) -> DeleteReport:
    workspace = documents.workspace(workspace_slug)
    deleted = documents.delete_documents(workspace.id, list(dict.fromkeys(external_ids)))
    return DeleteReport(deleted, [i for i in dict.fromkeys(external_ids) if i not in set(deleted)])


def delete_workspace(documents: DocumentStore, workspace_slug: str) -> int:
    """Deletes a workspace with its documents, filters, corrections, keys and sync state, and the
    vectors no other workspace's documents carry; returns how many documents it held."""
    workspace = documents.workspace(workspace_slug)
    held = documents.workspace_counts(workspace.id).documents
    documents.delete_workspace(workspace.id)
    return held


def prune_folder(
    documents: DocumentStore, workspace_slug: str, folder: Path, read_ids: set[str], failed_sources: Iterable[str]
) -> list[str]:
    """Deletes the workspace's documents read from under `folder` that are gone: their file no
    longer exists, or their table was read whole this time and no longer holds their id. A
    document whose file could not be read this time is kept (it may be there still)."""
    workspace = documents.workspace(workspace_slug)
    root = str(Path(folder).resolve()) + os.sep
    failed_files = {_file_of(source) for source in failed_sources}
    gone = []
    for external_id, source in documents.documents_from_sources(workspace.id, root):
        if external_id in read_ids:
            continue
        file = _file_of(source)
        if not os.path.lexists(file) or (file != source and file not in failed_files):
            gone.append(external_id)
    return documents.delete_documents(workspace.id, gone) if gone else []


def _file_of(source: str) -> str:
    """The file a document came from: the source itself, or the table of a `<file>:<line>` row."""
    match = _TABLE_ROW.match(source)
    return match[1] if match and not os.path.lexists(source) else source
