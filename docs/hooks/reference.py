"""The reference pages, generated from the code at build time (an mkdocs hook): the CLI from the
typer app, the settings from the settings class, the HTTP API from its OpenAPI schema, the SQL
functions from the migrations and the modules from their docstrings, so none of them can drift."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "supabase" / "migrations"
PACKAGE = ROOT / "drive_tagger"
MARKER = re.compile(r"(<!-- reference: ([a-z-]+) -->\n).*?(<!-- end reference -->)", re.DOTALL)


def _cell(text: object) -> str:
    """Text fit for one markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


# --- the command line -------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandDoc:
    path: str
    usage: str
    help: str
    options: tuple[tuple[str, str], ...]


def commands() -> list[CommandDoc]:
    """Every command of `drive-tagger`, groups first, in the order `--help` lists them."""
    import typer
    import typer._click as click

    from drive_tagger.cli import app

    root = typer.main.get_command(app)
    found: list[CommandDoc] = []

    def walk(command: Any, ctx: Any) -> None:
        records = [record for param in command.params if (record := param.get_help_record(ctx))]
        usage = f"{ctx.command_path} {' '.join(command.collect_usage_pieces(ctx))}"
        text = (command.help or "").replace("\b\n", "").strip()
        found.append(CommandDoc(ctx.command_path, usage, text, tuple(records)))
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                walk(sub, click.Context(sub, info_name=name, parent=ctx))

    walk(root, click.Context(root, info_name="drive-tagger"))
    return found


def cli_reference() -> str:
    parts = []
    for command in commands():
        level = "#" * min(2 + command.path.count(" "), 4)
        parts.append(f"{level} `{command.path}`\n\n```\n{command.usage}\n```\n\n{command.help}\n")
        if command.options:
            rows = "\n".join(f"| `{_cell(name)}` | {_cell(text)} |" for name, text in command.options)
            parts.append(f"| option | meaning |\n|---|---|\n{rows}\n")
    return "\n".join(parts)


# --- settings ---------------------------------------------------------------------------------


def setting_variables() -> dict[str, Any]:
    from drive_tagger.settings import Settings

    return {f"DRIVE_TAGGER_{name.upper()}": field for name, field in Settings.model_fields.items()}


def _default(field: Any) -> str:
    if field.default_factory is not None:
        return "see meaning"
    value = field.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    return f"`{value}`"


def settings_reference() -> str:
    rows = [
        f"| `{variable}` | {_default(field)} | {_cell(field.description)} |"
        for variable, field in setting_variables().items()
    ]
    return "| variable | default | meaning |\n|---|---|---|\n" + "\n".join(rows) + "\n"


# --- the HTTP API -----------------------------------------------------------------------------


@functools.cache
def openapi() -> dict[str, Any]:
    """The API's OpenAPI schema, built once per process."""
    from drive_tagger.api.app import create_app

    return create_app().openapi()


def endpoints() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in openapi()["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def _type(schema: dict[str, Any]) -> str:
    """A schema's type as a person reads it: `FilterOut`, `array of string`, `integer or null`."""
    if "$ref" in schema:
        return f"`{schema['$ref'].rsplit('/', 1)[1]}`"
    if "anyOf" in schema:
        return " or ".join(_type(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return f"array of {_type(schema.get('items', {}))}"
    return str(schema.get("type", "any"))


def _refs(schema: Any) -> Iterator[str]:
    """The names of the schemas a schema refers to, at any depth of its own definition."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            yield schema["$ref"].rsplit("/", 1)[1]
        for value in schema.values():
            yield from _refs(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _refs(value)


def _schema_tables(name: str, components: dict[str, Any]) -> str:
    """The schema's fields as a table, then those of every schema it contains, each once."""
    tables, seen, todo = [], set(), [name]
    while todo:
        current = todo.pop(0)
        if current in seen or current not in components:
            continue
        seen.add(current)
        schema = components[current]
        required = set(schema.get("required", []))
        rows = [
            f"| `{field}` | {_cell(_type(prop))} | {'yes' if field in required else 'no'} "
            f"| {_cell(prop.get('description', ''))} |"
            for field, prop in schema.get("properties", {}).items()
        ]
        if rows:
            header = "| field | type | required | meaning |\n|---|---|---|---|\n"
            tables.append(f"`{current}`:\n\n{header}" + "\n".join(rows) + "\n")
        todo.extend(_refs(schema.get("properties", {})))
    return "\n".join(tables)


def _parameter_row(parameter: dict[str, Any]) -> str:
    required = "yes" if parameter.get("required") else "no"
    kind = _type(parameter.get("schema", {}))
    meaning = _cell(parameter.get("description", ""))
    return f"| `{parameter['name']}` | {parameter['in']} | {kind} | {required} | {meaning} |"


def _answer(operation: dict[str, Any]) -> str:
    codes = sorted(operation.get("responses", {}))
    for code in codes:
        content = operation["responses"][code].get("content", {}).get("application/json", {})
        if code.startswith("2") and "schema" in content and _type(content["schema"]) != "any":
            return f"Answers {code} with {_type(content['schema'])}; also {', '.join(c for c in codes if c != code)}."
    return f"Answers {', '.join(codes)}."


def http_reference() -> str:
    schema = openapi()
    components = schema.get("components", {}).get("schemas", {})
    parts = []
    for method, path, operation in endpoints():
        parts.append(f"### `{method} {path}`\n\n{operation.get('description') or operation.get('summary', '')}\n")
        params = [_parameter_row(p) for p in operation.get("parameters", [])]
        if params:
            header = "| parameter | in | type | required | meaning |\n|---|---|---|---|---|\n"
            parts.append(header + "\n".join(params) + "\n")
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if body:
            parts.append(f"Body: {_type(body)}.\n\n" + _schema_tables(_type(body).strip("`"), components))
        parts.append(_answer(operation) + "\n")
    parts.append("## Schemas of the answers\n")
    answered = {
        name
        for _, _, operation in endpoints()
        for response in operation.get("responses", {}).values()
        for name in _refs(response)
        if name != "HTTPValidationError"
    }
    parts.extend(_schema_tables(name, components) for name in sorted(answered))
    return "\n".join(parts)


# --- SQL functions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SqlFunction:
    name: str
    signature: str
    returns: str
    comment: str


_CREATE = re.compile(
    r"((?:^--[^\n]*\n)*)^create (?:or replace )?function\s+(?:drive_tagger\.)?(\w+)\s*\(", re.MULTILINE | re.IGNORECASE
)
_COMMENT = re.compile(r"^comment on function (\w+)\s*\(.*?\) is\s*'((?:[^']|'')*)';", re.MULTILINE | re.DOTALL)
_GRANT = re.compile(r"grant execute on function (.*?) to ([\w, ]+);", re.IGNORECASE | re.DOTALL)


def _balanced(text: str, start: int) -> int:
    """The index just past the parenthesis that closes the one before `start`."""
    depth = 1
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    raise ValueError("unbalanced parentheses in a migration")


def _returns(text: str, start: int) -> str:
    """What a `create function` returns: `table (...)`, or the words up to its language or body."""
    match = re.compile(r"\s*returns\s+", re.IGNORECASE).match(text, start)
    if match is None:
        return ""
    rest = text[match.end() :]
    if rest.lower().startswith("table"):
        opening = rest.index("(")
        return "table " + " ".join(rest[opening : _balanced(rest, opening + 1)].split())
    return re.split(r"\s+(?:language|as|security|stable|immutable|volatile|set|strict)\b", rest, maxsplit=1)[0].strip()


def sql_functions() -> dict[str, SqlFunction]:
    """Each function of ours with its signature as its latest migration defines it, described by its
    `comment on function`, else by the comment above its first definition (procrastinate's are its own)."""
    found: dict[str, SqlFunction] = {}
    described: dict[str, str] = {}
    for migration in sorted(MIGRATIONS.glob("*.sql")):
        text = migration.read_text(encoding="utf-8")
        for match in _CREATE.finditer(text):
            comment, name = match.groups()
            if name.startswith("procrastinate"):
                continue
            closing = _balanced(text, match.end())
            args = " ".join(text[match.end() : closing - 1].split())
            first = found[name].comment if name in found else ""
            lines = " ".join(line.lstrip("-").strip() for line in comment.splitlines())
            found[name] = SqlFunction(name, f"{name}({args})", _returns(text, closing), first or lines)
        described.update((name, body.replace("''", "'")) for name, body in _COMMENT.findall(text))
    return {
        name: SqlFunction(f.name, f.signature, f.returns, described.get(name, f.comment)) for name, f in found.items()
    }


def app_functions() -> set[str]:
    """The functions a Supabase app's `authenticated` role may execute."""
    granted: set[str] = set()
    for migration in sorted(MIGRATIONS.glob("*.sql")):
        for functions, roles in _GRANT.findall(migration.read_text(encoding="utf-8")):
            if "authenticated" in roles:
                granted.update(re.findall(r"(\w+)\s*\(", functions))
    return granted


def sql_reference() -> str:
    functions = sql_functions()
    callable_ = sorted(app_functions() & set(functions))
    parts = ["## For apps (granted to `authenticated`)\n"]
    for name in callable_:
        function = functions[name]
        code = f"```sql\n{function.signature}\n  returns {function.returns}\n```"
        parts.append(f"### `{name}`\n\n{code}\n\n{function.comment}\n")
    parts.append("## Internal (called by drive_tagger itself)\n\n| function | what it does |\n|---|---|")
    parts.extend(f"| `{n}` | {_cell(functions[n].comment)} |" for n in sorted(set(functions) - set(callable_)))
    return "\n".join(parts) + "\n"


# --- modules ----------------------------------------------------------------------------------


def modules() -> dict[str, str]:
    """Each module of the package with the first line of its docstring (what it owns)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        found[name.removesuffix(".__init__")] = " ".join(docstring.split("\n\n")[0].split())
    return found


def modules_reference() -> str:
    rows = "\n".join(f"| `{name}` | {_cell(text)} |" for name, text in modules().items())
    return "| module | what it owns |\n|---|---|\n" + rows + "\n"


GENERATORS: dict[str, Callable[[], str]] = {
    "cli": cli_reference,
    "settings": settings_reference,
    "http": http_reference,
    "sql": sql_reference,
    "modules": modules_reference,
}


def render(markdown: str) -> str:
    """The page with each block between `<!-- reference: name -->` and `<!-- end reference -->`
    generated afresh from the code."""
    return MARKER.sub(lambda m: f"{m.group(1)}\n{GENERATORS[m.group(2)]().strip()}\n\n{m.group(3)}", markdown)


def stale_pages() -> list[Path]:
    """The pages whose generated blocks differ from what the code gives today."""
    pages = sorted((ROOT / "docs").rglob("*.md"))
    return [page for page in pages if render(text := page.read_text(encoding="utf-8")) != text]


def on_page_markdown(markdown: str, **_: object) -> str:
    """mkdocs hook: the site is built from the code even where a committed page is behind it."""
    return render(markdown)


def main(argv: list[str]) -> int:
    """`python docs/hooks/reference.py` rewrites the generated blocks; `--check` only says which are stale."""
    stale = stale_pages()
    for page in stale:
        if "--check" in argv:
            print(f"stale: {page.relative_to(ROOT)} (run `python docs/hooks/reference.py`)")
        else:
            page.write_text(render(page.read_text(encoding="utf-8")), encoding="utf-8")
            print(f"wrote {page.relative_to(ROOT)}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
