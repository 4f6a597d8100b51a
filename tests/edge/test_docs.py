"""The documentation: the README is a front door that opens with the two commands CI runs, the
site builds with `mkdocs build --strict`, and every command, option, setting, endpoint, SQL
function, module and file format is in it, described, and generated from the code (never stale)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from drive_tagger.adapters.readers import FILE_SUFFIXES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _reference():
    spec = importlib.util.spec_from_file_location("docs_reference", ROOT / "docs" / "hooks" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


reference = _reference()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    """The whole built site's text, built as a reader would build it."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return "\n".join(page.read_text(encoding="utf-8") for page in out.rglob("*.html"))


def test_ci_runs_exactly_the_readme_test_command():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make demo" in first_block and "make test" in first_block
    assert (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "make test"


def test_the_readme_is_a_front_door_of_at_most_200_lines():
    assert README.startswith("# drive_tagger\n\n```sh\nmake demo")
    assert len(README.splitlines()) <= 200


def test_every_link_in_the_readme_and_the_docs_leads_to_a_file_that_exists():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    missing = [
        f"{page.relative_to(ROOT)} -> {target}"
        for page in pages
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert missing == []


def test_the_generated_reference_pages_are_current():
    assert [str(page.relative_to(ROOT)) for page in reference.stale_pages()] == [], (
        "run `python docs/hooks/reference.py`"
    )


def test_the_site_builds_strictly_and_names_every_command_and_setting(site):
    assert [c.path for c in reference.commands() if f"<code>{c.path}</code>" not in site] == []
    assert [v for v in reference.setting_variables() if v not in site] == []


def test_the_site_names_every_endpoint_sql_function_module_and_file_format(site):
    assert [f"{m} {p}" for m, p, _ in reference.endpoints() if f"{m} {p}" not in site] == []
    assert [name for name in reference.sql_functions() if name not in site] == []
    assert [name for name in reference.modules() if f"<code>{name}</code>" not in site] == []
    assert sorted(suffix for suffix in FILE_SUFFIXES if suffix not in site) == []


def test_every_command_and_option_says_what_it_does():
    undescribed = [
        f"{command.path} {name}"
        for command in reference.commands()
        for name, text in [("", command.help), *command.options]
        if not text.strip() or text.strip().startswith("[")
    ]
    assert undescribed == []


def test_every_setting_endpoint_field_module_and_app_function_is_described():
    assert [v for v, field in reference.setting_variables().items() if not field.description] == []
    schema = reference.openapi()
    own = {n: s for n, s in schema["components"]["schemas"].items() if "ValidationError" not in n}
    fields = [
        f"{n}.{f}" for n, s in own.items() for f, p in s.get("properties", {}).items() if not p.get("description")
    ]
    params = [
        f"{m} {p} {q['name']}"
        for m, p, op in reference.endpoints()
        for q in op.get("parameters", [])
        if not q.get("description")
    ]
    assert fields == [] and params == []
    assert [name for name, text in reference.modules().items() if not text] == []
    functions = reference.sql_functions()
    assert [name for name in reference.app_functions() if not functions[name].comment] == []
