"""The command line as a shell pipeline uses it: a reader that stops early (`| head`) ends the
command quietly, as it ends git or grep, with no error line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DRIVE_TAGGER = Path(sys.executable).parent / "drive-tagger"


def test_output_cut_short_by_head_ends_quietly(env, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    for i in range(3000):  # each an empty file: a long JSON list of failures, and no embedding
        (drive / f"empty-{i:04}.txt").write_text("")
    shell = f"'{DRIVE_TAGGER}' ingest -w piped '{drive}' --json 2>'{tmp_path / 'stderr'}' | head -n 1"
    out = subprocess.run(["bash", "-c", shell], env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert out.stdout == "{\n"
    assert (tmp_path / "stderr").read_text().count("error:") == 0, (tmp_path / "stderr").read_text()[-500:]
