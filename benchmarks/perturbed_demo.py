"""Benchmark (issue #27): the demo drive as a new user would vary it. `drive-tagger demo` (whole
processes, default settings, a fresh embedded database) on data/samples/docs whole, with its
README.md added, and with a tenth of its files removed at random per seed; per run the filters,
their names, and how many of the 8 kinds sit mostly in a filter named for them (labels.csv and
kinds.csv, as the demo itself reports it).

    .venv/bin/python -m benchmarks.perturbed_demo [--seeds 8]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
CLI = Path(sys.executable).parent / "drive-tagger"
REMOVED_SHARE = 0.1  # of the files, per seed
FILTERS_WANTED = range(6, 10)  # the band for this drive


def drive(root: Path, variant: str) -> Path:
    """A copy of the sample drive (with its labels) as the variant has it: 'whole', 'readme' or a seed."""
    docs = root / variant / "docs"
    shutil.copytree(SAMPLES / "docs", docs)
    for name in ("labels.csv", "kinds.csv"):
        shutil.copy(SAMPLES / name, docs.parent / name)
    if variant == "readme":
        shutil.copy(SAMPLES / "README.md", docs / "README.md")
    elif variant != "whole":
        files = sorted(str(p) for p in docs.rglob("*") if p.is_file())
        random.seed(int(variant))
        for path in random.sample(files, int(len(files) * REMOVED_SHARE)):
            os.remove(path)
    return docs


def run(docs: Path, data_dir: Path, workspace: str) -> dict:
    env = {**os.environ, "DRIVE_TAGGER_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [CLI, "demo", "--samples", str(docs), "--workspace", workspace, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    tops = [f["name"] for f in result["filters"] if f["parent_category_id"] is None]
    kinds = result["agreement"]["kinds"] if result["agreement"] else []
    return {"filters": tops, "named": sum(bool(k["named_for_it"]) for k in kinds), "kinds": len(kinds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    variants = ["whole", "readme", *map(str, range(1, args.seeds + 1))]
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        results = {}
        try:
            for variant in variants:
                results[variant] = run(drive(root, variant), root / "data", f"probe-{variant}")
                r = results[variant]
                print(
                    f"{variant:>6}: {len(r['filters'])} filters, {r['named']} of {r['kinds']} kinds in a filter"
                    f" named for them: {'; '.join(r['filters'])}",
                    flush=True,
                )
        finally:
            subprocess.run([CLI, "db", "stop"], env={**os.environ, "DRIVE_TAGGER_DATA_DIR": str(root / "data")})
    in_band = sum(len(r["filters"]) in FILTERS_WANTED for r in results.values())
    all_named = sum(r["named"] == r["kinds"] for r in results.values())
    print(
        f"\n{in_band} of {len(results)} runs have {FILTERS_WANTED.start}-{FILTERS_WANTED.stop - 1} filters;"
        f" in {all_named} every kind sits mostly in a filter named for it"
    )


if __name__ == "__main__":
    main()
