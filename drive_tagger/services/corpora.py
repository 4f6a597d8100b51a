"""Labelled corpora for evaluation and tuning: the shared ones beside the repository, or the samples."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

from drive_tagger.core.types import SourceDocument
from drive_tagger.errors import InvalidInput
from drive_tagger.services.demo import default_samples_dir

DEFAULT_CORPUS = "bbc_news.jsonl.gz"


def repository_root() -> Path:
    """The checkout drive_tagger runs from (its data/ and notebooks/ sit here)."""
    return Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path:
    """../shared/data beside the repository, where the labelled corpora live (never copied in)."""
    return repository_root().parent / "shared" / "data"


def samples_labelled_corpus(out_dir: Path, samples_dir: Path | None = None) -> Path:
    """Writes the sample drive with labels.csv as a labelled JSONL.gz corpus (id, title, text,
    label), each file read as `ingest` reads it (HTML as text, the title from its heading)."""
    from drive_tagger.adapters.readers import read_sources

    samples_dir = samples_dir or default_samples_dir()
    labels_file = samples_dir.parent / "labels.csv"
    if not labels_file.is_file():
        raise InvalidInput(f"{labels_file}: no labels for the sample drive")
    with labels_file.open(encoding="utf-8") as labels:
        label_of = {row["path"]: row["label"] for row in csv.DictReader(labels)}
    out = Path(out_dir) / "samples_corpus.jsonl.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", encoding="utf-8") as handle:
        for document in read_sources([samples_dir]):
            label = label_of.get(document.external_id) if isinstance(document, SourceDocument) else None
            if isinstance(document, SourceDocument) and label is not None:
                row = {"id": document.external_id, "title": document.title, "text": document.body, "label": label}
                handle.write(json.dumps(row) + "\n")
    return out


def tuning_corpus(work_dir: Path, name: str = DEFAULT_CORPUS, shared_dir: Path | None = None) -> Path:
    """The shared corpus `name` if it is there, else the labelled samples written into work_dir,
    so a checkout without ../shared still has something to tune on."""
    candidate = (shared_dir or shared_data_dir()) / name
    if candidate.is_file():
        return candidate
    return samples_labelled_corpus(work_dir)
