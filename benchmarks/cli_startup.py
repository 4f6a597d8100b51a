"""Cold start of the query commands: whole `drive-tagger` processes, as a user runs them.

    .venv/bin/python benchmarks/cli_startup.py [--runs 10] [--data-dir DIR]

Sets up a data directory with the sample drive (`drive-tagger demo`, once), then times each
query command (filters, docs, tags, workspaces, runs) as a fresh process, N times, against two
baselines measured in the same run: an empty Python process, and one that only imports what any
command must (typer, psycopg, pydantic-settings). It also lists the heavy modules each command
imported (`python -X importtime`): a query command should import none of scikit-learn, scipy,
torch, transformers, sentence-transformers, ONNX Runtime, openai, procrastinate or numpy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
DRIVE_TAGGER = str(VENV_BIN / "drive-tagger")
HEAVY = (
    "sklearn",
    "scipy",
    "torch",
    "transformers",
    "sentence_transformers",
    "onnxruntime",
    "openai",
    "procrastinate",
    "numpy",
)
COMMANDS = {
    "filters": ["filters", "-w", "demo"],
    "docs": ["docs", "-w", "demo", "--filter", "1", "--limit", "5"],
    "tags": ["tags", "-w", "demo", "contracts/data-processing-agreement-fieldnote.md"],
    "workspaces": ["workspaces"],
    "runs": ["runs", "-w", "demo"],
}


def timed(argv: list[str], env: dict, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        seconds.append(time.perf_counter() - started)
    return seconds


def heavy_imports(args: list[str], env: dict) -> tuple[list[str], list[tuple[int, str]]]:
    """(heavy top-level packages imported, the 6 slowest imports by cumulative microseconds)."""
    code = f"import sys; sys.argv = ['drive-tagger', *{args!r}]; from drive_tagger.cli import main; main()"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, capture_output=True, text=True)
    modules, cumulative = set(), []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, total, name = (part.strip() for part in line.split("|"))
        if not total.isdigit():
            continue
        modules.add(name.split(".")[0])
        if not name.startswith(" ") and "." not in name:
            cumulative.append((int(total), name))
    return sorted(m for m in HEAVY if m in modules), sorted(cumulative, reverse=True)[:6]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a fresh temporary directory")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="dt-cli-bench-"))
    env = {**os.environ, "DRIVE_TAGGER_DATA_DIR": str(data_dir)}
    env.pop("DRIVE_TAGGER_DATABASE_URL", None)
    subprocess.run([DRIVE_TAGGER, "demo"], env=env, stdout=subprocess.DEVNULL, check=True)

    print(f"{'process':<44}{'median s':>10}{'min s':>8}{'max s':>8}  heavy modules imported")
    empty = timed([sys.executable, "-c", "pass"], env, args.runs)
    floor = timed([sys.executable, "-c", "import typer, psycopg, pydantic_settings"], env, args.runs)
    for label, seconds in (
        ("baseline: python -c pass", empty),
        ("baseline: import typer, psycopg, pydantic-settings", floor),
    ):
        print(f"{label:<44}{statistics.median(seconds):>10.3f}{min(seconds):>8.3f}{max(seconds):>8.3f}")
    slowest = None
    for name, command in COMMANDS.items():
        seconds = timed([DRIVE_TAGGER, *command], env, args.runs)
        heavy, top = heavy_imports(command, env)
        slowest = slowest or top
        print(
            f"{'drive-tagger ' + name:<44}{statistics.median(seconds):>10.3f}{min(seconds):>8.3f}"
            f"{max(seconds):>8.3f}  {', '.join(heavy) or 'none'}"
        )
    print(
        "\nslowest imports of `drive-tagger filters` (cumulative ms): "
        + ", ".join(f"{name} {us / 1000:.0f}" for us, name in slowest)
    )


if __name__ == "__main__":
    main()
