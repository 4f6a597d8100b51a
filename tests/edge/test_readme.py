"""The README is the user's manual: its configuration table names every setting, and its first
commands are the ones CI runs."""

import re
from pathlib import Path

from drive_tagger.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _configuration_section() -> str:
    return README.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]


def test_every_setting_is_in_the_readme_configuration_table():
    documented = set(re.findall(r"`(DRIVE_TAGGER_[A-Z0-9_]+)", _configuration_section()))
    settings = {f"DRIVE_TAGGER_{name.upper()}" for name in Settings.model_fields}
    assert sorted(settings - documented) == []


def test_the_readme_documents_no_setting_that_does_not_exist():
    documented = set(re.findall(r"`(DRIVE_TAGGER_[A-Z0-9_]+)", _configuration_section()))
    settings = {f"DRIVE_TAGGER_{name.upper()}" for name in Settings.model_fields}
    assert sorted(documented - settings) == []


def test_ci_runs_exactly_the_readme_test_command():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make test" in first_block and "make demo" in first_block
    assert (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "make test"
