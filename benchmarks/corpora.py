"""Labelled collections of other kinds than news, built from public documents a Debian machine
can install, to measure filters and names where the shared corpora cannot (`drive-tagger eval`
reads them like ../shared/data's). Nothing is copied into the repository: they are written to
--out (default ~/.cache/drive_tagger/corpora).

    .venv/bin/python -m benchmarks.corpora [--out DIR] [--sets packages,manpages,kernel,pydocs]

- packages: Debian package descriptions (title: name and summary; text: the long description),
  labelled by archive section (libs, python, games, science, sound, ...): short product blurbs
  of very many kinds, 60,000+ of them (`apt-get update` with English descriptions first).
- manpages: manual pages rendered to text (manpages, manpages-dev and whatever is installed),
  labelled by section (commands, system calls, library functions, file formats, ...): one
  kind of document per section, told apart as much by structure as by words.
- kernel: the Linux kernel's documentation (linux-doc), labelled by its top-level folder
  (networking, filesystems, admin-guide, ...): long technical documents.
- pydocs: the Python documentation (python3.11-doc), labelled by part (library, reference,
  tutorial, howto, c-api, ...).
- 20ng (not built by default: it downloads once from the internet through scikit-learn): the 20
  Newsgroups posts as saved, e-mail headers, quoting and signatures included (18,846 posts in 20
  groups), the issue's "forum posts" collection.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

DEFAULT_OUT = Path.home() / ".cache" / "drive_tagger" / "corpora"
PACKAGES = ["manpages", "manpages-dev", "linux-doc-6.1", "python3.11-doc"]
MAN_SECTIONS = {
    "1": "commands",
    "2": "system calls",
    "3": "library functions",
    "4": "devices",
    "5": "file formats",
    "6": "games",
    "7": "overviews and conventions",
    "8": "administration",
}
MIN_CHARS = 200


def _lz4_text(path: str) -> str:
    return subprocess.run(["lz4", "-dc", path], capture_output=True, check=True).stdout.decode("utf-8", "replace")


def _stanzas(text: str) -> Iterator[dict[str, str]]:
    for block in text.split("\n\n"):
        fields, key = {}, None
        for line in block.splitlines():
            if line.startswith(" ") and key:
                fields[key] += "\n" + line[1:]
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields:
            yield fields


def packages() -> Iterator[dict]:
    long_descriptions = {}
    for path in glob.glob("/var/lib/apt/lists/*_main_i18n_Translation-en.lz4"):
        for stanza in _stanzas(_lz4_text(path)):
            if "Description-en" in stanza:
                long_descriptions[stanza.get("Description-md5")] = stanza["Description-en"]
    if not long_descriptions:
        raise SystemExit("no English descriptions: run `apt-get -o Acquire::Languages=en update` first")
    seen = set()
    for path in sorted(glob.glob("/var/lib/apt/lists/*_main_binary-amd64_Packages.lz4")):
        for stanza in _stanzas(_lz4_text(path)):
            name, description = stanza.get("Package"), long_descriptions.get(stanza.get("Description-md5"))
            if not name or name in seen or not description:
                continue
            seen.add(name)
            summary, _, body = description.partition("\n")
            body = "\n".join(line if line.strip() != "." else "" for line in body.splitlines()).strip()
            if len(body) >= MIN_CHARS // 2:
                yield {
                    "id": name,
                    "title": f"{name}: {summary}",
                    "text": body,
                    "label": stanza.get("Section", "misc").split("/")[-1],
                }


def manpages(per_section: int = 1500) -> Iterator[dict]:
    """At most per_section pages of each section (a seeded sample: section 1 alone has thousands
    on a well-stocked machine), rendered by man on a few threads."""
    import random
    from concurrent.futures import ThreadPoolExecutor

    env = {**os.environ, "MANWIDTH": "100", "MAN_KEEP_FORMATTING": "0"}
    paths = []
    for section in MAN_SECTIONS:
        found = sorted(glob.glob(f"/usr/share/man/man{section}/*.gz"))
        paths += sorted(random.Random(section).sample(found, min(per_section, len(found))))

    def render(path: str) -> dict | None:
        rendered = subprocess.run(["man", "-l", "-P", "cat", path], capture_output=True, env=env)
        text = re.sub(r".\x08", "", rendered.stdout.decode("utf-8", "replace")).strip()
        section, name = Path(path).parent.name[3:], Path(path).name.removesuffix(".gz")
        if len(text) < MIN_CHARS:
            return None
        return {"id": f"man{section}/{name}", "title": name, "text": text, "label": MAN_SECTIONS[section]}

    with ThreadPoolExecutor(4) as pool:
        yield from (row for row in pool.map(render, paths) if row)


def kernel() -> Iterator[dict]:
    root = Path("/usr/share/doc/linux-doc-6.1/Documentation")
    for path in sorted(root.rglob("*.rst*")):
        relative = path.relative_to(root)
        if len(relative.parts) < 2 or relative.parts[0] in ("translations", "output"):
            continue
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        text = data.decode("utf-8", "replace")
        heading = next((line.strip() for line in text.splitlines() if re.match(r"^\w", line)), relative.stem)
        if len(text) >= MIN_CHARS:
            yield {"id": str(relative), "title": heading[:120], "text": text, "label": relative.parts[0]}


def pydocs() -> Iterator[dict]:
    from bs4 import BeautifulSoup

    root = Path("/usr/share/doc/python3.11/html")
    for path in sorted(root.rglob("*.html")):
        relative = path.relative_to(root)
        if len(relative.parts) < 2 or relative.parts[0] in ("_static", "_sources", "genindex"):
            continue
        soup = BeautifulSoup(path.read_text(errors="replace"), "html.parser")
        body = soup.find("div", {"role": "main"}) or soup.body
        text = body.get_text("\n", strip=True) if body else ""
        title = soup.title.get_text(strip=True) if soup.title else relative.stem
        if len(text) >= MIN_CHARS:
            yield {"id": str(relative), "title": title, "text": text, "label": relative.parts[0]}


def newsgroups() -> Iterator[dict]:
    from sklearn.datasets import fetch_20newsgroups

    posts = fetch_20newsgroups(subset="all", remove=(), shuffle=False)
    for i, (text, target) in enumerate(zip(posts.data, posts.target, strict=True)):
        yield {"id": f"20ng-{i}", "text": text, "label": posts.target_names[target]}


BUILDERS = {"packages": packages, "manpages": manpages, "kernel": kernel, "pydocs": pydocs, "20ng": newsgroups}
OFFLINE_SETS = ("packages", "manpages", "kernel", "pydocs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sets", default=",".join(OFFLINE_SETS), help=f"of {', '.join(BUILDERS)}")
    parser.add_argument("--install", action="store_true", help=f"apt-get install {' '.join(PACKAGES)} first")
    args = parser.parse_args()
    if args.install:
        subprocess.run(["apt-get", "install", "-y", "-q", *PACKAGES], check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.sets.split(","):
        rows = list(BUILDERS[name]())
        with gzip.open(args.out / f"{name}.jsonl.gz", "wt", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        labels = {r["label"] for r in rows}
        print(f"{args.out / (name + '.jsonl.gz')}: {len(rows):,} documents, {len(labels)} labels")


if __name__ == "__main__":
    main()
