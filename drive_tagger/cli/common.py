"""What every command shares: the context (settings read once, the database and model opened on
first use), the error handling decorator, and output helpers."""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import psycopg
import typer
from pydantic import ValidationError

from drive_tagger.errors import DriveTaggerError

if TYPE_CHECKING:
    from drive_tagger.adapters.embedders import EmbedderBase
    from drive_tagger.adapters.postgres.database import Database
    from drive_tagger.core.naming import Namer
    from drive_tagger.core.params import RefreshParams
    from drive_tagger.settings import Settings

WorkspaceOption = Annotated[
    str,
    typer.Option(
        "--workspace", "-w", envvar="DRIVE_TAGGER_WORKSPACE", help="Workspace name, e.g. acme (default: that variable)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
BackgroundOption = Annotated[bool, typer.Option("--background", help="Queue the work for `drive-tagger worker`.")]

F = TypeVar("F", bound=Callable[..., Any])


class CliContext:
    """One per command: settings are read once, the database and the embedder opened once and
    only when the command needs them (a command that reads filters never loads a model)."""

    def __init__(self, **overrides: Any):
        self._overrides = overrides
        self._settings: Settings | None = None
        self._database: Database | None = None
        self._embedder: EmbedderBase | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from drive_tagger.settings import load_settings

            self._settings = load_settings(**self._overrides)
        return self._settings

    def override(self, **values: Any) -> None:
        """Settings given as command options; they win over the environment."""
        self._overrides.update({k: v for k, v in values.items() if v is not None})
        self._settings = None

    @property
    def database(self) -> Database:
        if self._database is None:
            from drive_tagger.wiring import open_database

            self._database = open_database(self.settings)
        return self._database

    @property
    def embedder(self) -> EmbedderBase:
        if self._embedder is None:
            from drive_tagger.wiring import make_embedder

            self._embedder = make_embedder(self.settings)
        return self._embedder

    def warm_up_embedder(self) -> None:
        """Loads the model in a thread of its own, so a command that also starts the embedded
        database (seconds on a fresh data dir) does both at once; the first embed call waits for it."""
        from drive_tagger.wiring import warm_in_background

        warm_in_background(self.embedder.warm_up)

    def namer(self) -> Namer:
        from drive_tagger.wiring import make_namer

        return make_namer(self.settings, self.embedder)

    def refresh_params(self) -> RefreshParams:
        from drive_tagger.wiring import refresh_params

        return refresh_params(self.settings)

    @property
    def debug(self) -> bool:
        try:
            return self.settings.debug
        except ValidationError:
            return False

    def close(self) -> None:
        if self._database is not None:
            self._database.close()
            self._database = None


_current: ContextVar[CliContext] = ContextVar("drive_tagger_cli_context")


def _print_version(asked: bool) -> None:
    if asked:
        from drive_tagger import __version__

        typer.echo(f"drive-tagger {__version__}")
        raise typer.Exit()


VersionOption = Annotated[
    bool,
    typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit."),
]


def open_context(ctx: typer.Context, version: VersionOption = False) -> None:
    """The app's callback: one context per command, closed when the command ends."""
    ctx.obj = CliContext()
    _current.set(ctx.obj)
    ctx.call_on_close(ctx.obj.close)


def context() -> CliContext:
    """The running command's context."""
    return _current.get()


def handles_errors(command: F) -> F:
    """Runs a command body: an expected failure becomes one `error: ...` line on stderr and exit
    code 1, never a traceback; the return value (if any) is the exit code."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            code = command(*args, **kwargs) or 0
        except DriveTaggerError as exc:
            fail(str(exc))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
            fail(f"invalid setting: {problems}")
        except psycopg.OperationalError as exc:
            fail(f"lost the database connection: {_first_line(exc)}")
        except psycopg.Error as exc:
            fail(f"database error: {_first_line(exc)}")
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            _reader_left()
        except Exception as exc:
            if context().debug:
                raise
            fail(f"unexpected {type(exc).__name__}: {_first_line(exc)} (DRIVE_TAGGER_DEBUG=1 shows where)")
        raise typer.Exit(code)

    return run  # type: ignore[return-value]


# Work that has run this long says, on stderr, each stage as it ends.
PROGRESS_AFTER_SECONDS = 2.0


def stage_lines(what: str, *, quiet: bool = False) -> Callable[[str, float], None]:
    """A stage report for long work: once the command has run PROGRESS_AFTER_SECONDS, one line
    per finished stage on stderr (`refresh acme: naming done in 2.1s`); nothing when quiet."""
    started = time.perf_counter()

    def report(stage: str, seconds: float) -> None:
        if not quiet and time.perf_counter() - started >= PROGRESS_AFTER_SECONDS:
            typer.echo(f"{what}: {stage.replace('_', ' ')} done in {seconds:.1f}s", err=True)

    return report


def _reader_left() -> None:
    """The reader of our output went away (`| head`): stop quietly, as a shell tool does, with
    the exit code of a SIGPIPE death; output still buffered goes to /dev/null, not to an error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise typer.Exit(141)


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))
