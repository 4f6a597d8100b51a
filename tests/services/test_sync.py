"""Sync with an app's own documents table: a real table in the test's database, changed under the
sync's feet, with rows committed late; and 100,000 rows in one sync."""

from __future__ import annotations

import psycopg
import pytest
from typer.testing import CliRunner

from drive_tagger.adapters.postgres.source import SourceColumns, SourceTable
from drive_tagger.cli import app
from drive_tagger.core.types import SourceDocument
from drive_tagger.errors import InvalidInput
from drive_tagger.services import sync as sync_service
from drive_tagger.services.sync import sync_workspaces

FILES = """
    create table public.app_files (
        id bigint generated always as identity primary key,
        workspace text not null,
        title text,
        body text,
        deleted boolean not null default false,
        updated_at timestamptz not null default now()
    );
    create function public.touch() returns trigger language plpgsql as $$
    begin new.updated_at := now(); return new; end $$;
    create trigger touch before update on public.app_files for each row execute function public.touch();
"""


@pytest.fixture
def files(db, database_url):
    db.conn.execute(FILES)
    return SourceTable(
        database_url,
        SourceColumns(
            table="public.app_files",
            id="id",
            workspace="workspace",
            text="body",
            updated_at="updated_at",
            title="title",
            deleted="deleted",
        ),
    )


def _add(db, workspace: str, *texts: str) -> None:
    for text in texts:
        db.conn.execute(
            "insert into app_files (workspace, title, body) values (%s, %s, %s)",
            (workspace, text.split()[0].title(), text),
        )


def _ids(db, workspace: str) -> set[str]:
    rows = db.conn.execute(
        "select d.external_id from documents d join workspaces w on w.id = d.workspace_id where w.slug = %s",
        (workspace,),
    ).fetchall()
    return {r[0] for r in rows}


def _sync(db, files, workspace=None):
    return {r.workspace: r for r in sync_workspaces(db.documents, files, workspace)}


def test_a_first_sync_stores_every_row_and_a_second_reads_nothing(db, files):
    _add(db, "acme", "invoice for march", "lease renewal terms", "travel booking to oslo")
    _add(db, "beta", "sprint retro notes")
    first = _sync(db, files)
    assert (first["acme"].inserted, first["beta"].inserted) == (3, 1)
    again = _sync(db, files)
    assert again["acme"].read == 0 and again["beta"].read == 0 and not again["acme"].touched


def test_updates_inserts_and_deletes_reach_the_workspace(db, files):
    _add(db, "acme", "invoice for march", "lease renewal terms", "travel booking to oslo", "old memo")
    _sync(db, files)
    db.conn.execute("update app_files set body = 'invoice for april' where body = 'invoice for march'")
    db.conn.execute("delete from app_files where body = 'lease renewal terms'")
    db.conn.execute("update app_files set deleted = true where body = 'old memo'")
    _add(db, "acme", "new hire onboarding")
    report = _sync(db, files)["acme"]
    assert (report.inserted, report.changed, report.deleted) == (1, 1, 2)
    bodies = {r[0] for r in db.conn.execute("select body from documents")}
    assert bodies == {"invoice for april", "travel booking to oslo", "new hire onboarding"}


def test_a_row_committed_after_the_sync_read_is_picked_up_by_the_next_sync(db, files, database_url):
    _add(db, "acme", "first note about budgets")
    with psycopg.connect(database_url) as late:
        # Begun before the sync reads, committed after: its updated_at is older than the sync.
        late.execute("insert into app_files (workspace, title, body) values ('acme', 'Late', 'late quarterly report')")
        _sync(db, files)
        assert "late quarterly report" not in {r[0] for r in db.conn.execute("select body from documents")}
        late.commit()
    _sync(db, files)
    assert "late quarterly report" in {r[0] for r in db.conn.execute("select body from documents")}


def test_a_row_updated_while_a_sync_runs_is_not_lost(db, files, database_url):
    _add(db, "acme", "draft contract v1")
    _sync(db, files)
    with psycopg.connect(database_url) as writer:
        writer.execute("update app_files set body = 'draft contract v2' where body = 'draft contract v1'")
        _sync(db, files)  # reads the old version: the update is not committed yet
        writer.commit()
    _sync(db, files)
    assert {r[0] for r in db.conn.execute("select body from documents")} == {"draft contract v2"}


def test_a_row_that_cannot_be_a_document_fails_alone_naming_it(db, files):
    _add(db, "acme", "a fine row")
    db.conn.execute("insert into app_files (workspace, title, body) values ('acme', 'Blank', '   ')")
    db.conn.execute("insert into app_files (workspace, title, body) values ('Bad Name!', 'x', 'text')")
    reports = _sync(db, files)
    assert reports["acme"].inserted == 1 and "#2" in str(reports["acme"].failures[0])
    assert "invalid workspace name" in str(reports["Bad Name!"].failures[0])


def test_a_missing_source_table_is_a_clear_error(db, database_url):
    table = SourceTable(database_url, SourceColumns(table="nope", id="id", workspace="w", text="t", updated_at="u"))
    with pytest.raises(InvalidInput, match="does not exist"):
        sync_workspaces(db.documents, table)


def test_a_hundred_thousand_rows_sync_in_one_go(db, files):
    db.conn.execute(
        "insert into app_files (workspace, title, body) "
        "select 'bulk', 'Note ' || i, 'note number ' || i || ' about shipping' "
        "from generate_series(1, 100000) i"
    )
    assert _sync(db, files)["bulk"].inserted == 100_000
    assert _sync(db, files)["bulk"].read == 0


def test_the_sync_command_embeds_and_queues_a_refresh(db, files, env, monkeypatch):
    for name, value in {"TABLE": "public.app_files", "TEXT_COLUMN": "body", "DELETED_COLUMN": "deleted"}.items():
        monkeypatch.setenv(f"DRIVE_TAGGER_SYNC_{name}", value)
    _add(db, "acme", "invoice for march", "lease renewal terms")
    result = CliRunner().invoke(app, ["sync", "--workspace", "acme"])
    assert result.exit_code == 0, result.stderr
    assert "embedded 2, tagged 0 from the active filters; refresh queued as job" in result.stdout
    assert "(a `drive-tagger worker` runs it)" in result.stdout
    assert _ids(db, "acme") == {"1", "2"}


def test_a_background_sync_stores_the_rows_and_leaves_one_embedding_job_per_changed_workspace(
    db, files, env, monkeypatch
):
    import json

    for name, value in {"TABLE": "public.app_files", "TEXT_COLUMN": "body", "DELETED_COLUMN": "deleted"}.items():
        monkeypatch.setenv(f"DRIVE_TAGGER_SYNC_{name}", value)
    _add(db, "acme", "invoice for march", "lease renewal terms")
    result = CliRunner().invoke(app, ["sync", "--workspace", "acme", "--background", "--json"])
    assert result.exit_code == 0, result.stderr
    [report] = json.loads(result.stdout)
    assert report["inserted"] == 2 and report["embedded"] is None and report["embedding_job"] is not None
    queued = db.conn.execute("select task_name from procrastinate_jobs where id = %s", (report["embedding_job"],))
    assert queued.fetchone() == ("embed_pending",) and _ids(db, "acme") == {"1", "2"}
    again = json.loads(CliRunner().invoke(app, ["sync", "-w", "acme", "--background", "--json"]).stdout)
    assert again[0]["embedding_job"] is None  # nothing changed, nothing queued


LOOSE = """
    create table public.app_notes (id text, workspace text, body text, updated_at timestamptz default now())
"""


@pytest.fixture
def notes(db, database_url):
    """An app table with no key and no trigger: ids may be NULL or repeat, stamps may be NULL or old."""
    db.conn.execute(LOOSE)
    return SourceTable(
        database_url,
        SourceColumns(table="app_notes", id="id", workspace="workspace", text="body", updated_at="updated_at"),
    )


def _note(db, note_id, body, updated_at="now()", workspace="acme") -> None:
    db.conn.execute(
        f"insert into app_notes (id, workspace, body, updated_at) values (%s, %s, %s, {updated_at})",
        (note_id, workspace, body),
    )


def _bodies(db, workspace: str = "acme") -> dict[str, str]:
    rows = db.conn.execute(
        "select d.external_id, d.body from documents d join workspaces w on w.id = d.workspace_id where w.slug = %s",
        (workspace,),
    ).fetchall()
    return dict(rows)


def test_a_row_with_a_null_id_fails_alone_and_the_sync_finishes(db, notes):
    _note(db, "n1", "quarterly budget review")
    _note(db, None, "a row the app forgot to give an id")
    _note(db, "n2", "supplier invoice for paper")
    report = _sync(db, notes)["acme"]
    assert report.inserted == 2 and len(report.failures) == 1
    assert "NULL" in str(report.failures[0]) and "skipped" in str(report.failures[0])
    assert set(_bodies(db)) == {"n1", "n2"}


def test_a_repeated_id_is_reported_and_its_latest_row_is_kept(db, notes):
    _note(db, "dup", "the older text", "now() - interval '1 hour'")
    _note(db, "dup", "the newer text")
    report = _sync(db, notes)["acme"]
    assert [str(f) for f in report.failures] == [
        "sync:app_notes#dup: id 'dup' appears again in app_notes; the later row is kept"
    ]
    assert _bodies(db) == {"dup": "the newer text"}


def test_rows_without_a_stamp_are_read_at_every_sync_and_embedded_only_when_changed(db, notes):
    _note(db, "n1", "first version", "null")
    assert _sync(db, notes)["acme"].inserted == 1
    db.conn.execute("update app_notes set body = 'second version' where id = 'n1'")  # no trigger: stamp stays NULL
    again = _sync(db, notes)["acme"]
    assert (again.read, again.changed) == (1, 1) and _bodies(db) == {"n1": "second version"}
    assert not _sync(db, notes)["acme"].touched


def test_a_row_restored_with_an_old_stamp_comes_back(db, notes):
    _note(db, "n1", "lease agreement", "now() - interval '30 days'")
    _note(db, "n2", "office move plan")
    _sync(db, notes)
    db.conn.execute("delete from app_notes where id = 'n1'")
    assert _sync(db, notes)["acme"].deleted == 1
    _note(db, "n1", "lease agreement", "now() - interval '30 days'")  # restored from a backup
    assert _sync(db, notes)["acme"].inserted == 1
    assert set(_bodies(db)) == {"n1", "n2"}


def test_a_workspace_whose_rows_are_all_gone_is_emptied_by_a_sync_of_every_workspace(db, notes):
    _note(db, "a1", "acme's only note")
    _note(db, "b1", "beta's note", workspace="beta")
    _sync(db, notes)
    db.conn.execute("delete from app_notes where workspace = 'acme'")
    reports = _sync(db, notes)
    assert reports["acme"].deleted == 1 and _bodies(db) == {}
    assert _bodies(db, "beta") == {"b1": "beta's note"}


def test_any_exception_while_rows_stream_in_closes_the_source_instead_of_hanging(db, notes, monkeypatch):
    """A bug of ours while the COPY is open (injected into the row conversion) used to leave
    the COPY holding the source connection, and the rollback waited for it for ever."""
    db.conn.execute(
        "insert into app_notes (id, workspace, body) "
        "select i::text, 'acme', 'note ' || i from generate_series(1, 900) i"
    )
    made = []

    def failing_document(*fields):
        if len(made) == 300:
            raise TypeError("a bug in the row conversion")
        made.append(fields)
        return SourceDocument(*fields)

    monkeypatch.setattr(sync_service, "SourceDocument", failing_document)
    with pytest.raises(TypeError, match="row conversion"):
        sync_workspaces(db.documents, notes, "acme")
    monkeypatch.undo()
    again = _sync(db, notes)["acme"]  # the watermark did not move: every row is read again
    assert again.read == 900 and len(_bodies(db)) == 900


PARTS = ["Acme Paper", "Nordic Freight", "Bright Office", "Kettle Labs", "Orbit Print", "Delta Cleaning"]
TOPICS = {
    "invoice": "Invoice {i} from {p}: the amount due with VAT, to be paid by bank transfer within 30 days.",
    "holiday": "{p} staff asked for holiday {i}: annual leave, the manager's approval and the leave policy.",
    "release": "Release {i} of the {p} app: crash fixes, a new settings screen and API changes for developers.",
}


def _topic(kind: str, i: int) -> str:
    return TOPICS[kind].format(i=i, p=PARTS[i % len(PARTS)])


def test_a_sync_tags_new_and_changed_rows_at_once_as_ingest_does(db, files, env, monkeypatch, namer):
    from drive_tagger.services.refresh import refresh_workspace

    for name, value in {"TABLE": "public.app_files", "TEXT_COLUMN": "body", "DELETED_COLUMN": "deleted"}.items():
        monkeypatch.setenv(f"DRIVE_TAGGER_SYNC_{name}", value)
    _add(db, "acme", *(_topic(kind, i) for kind in TOPICS for i in range(8)))
    assert CliRunner().invoke(app, ["sync", "-w", "acme"]).exit_code == 0
    refresh_workspace(db.documents, db.refreshes, "acme", namer=namer)
    _add(db, "acme", _topic("invoice", 9))
    db.conn.execute("update app_files set body = %s where id = 1", (_topic("release", 10),))
    result = CliRunner().invoke(app, ["sync", "-w", "acme"])
    assert result.exit_code == 0 and "tagged 2 from the active filters" in result.stdout, result.stdout
    workspace = db.documents.workspace("acme")
    tags = db.refreshes.primary_top_level_tags(workspace.id)
    invoices, releases = tags["2"], tags["17"]  # rows 2 and 17: an invoice and a release note
    assert tags["25"] == invoices and tags["1"] == releases  # the new row, and the row rewritten


def test_a_refused_row_is_reported_when_it_changes_not_at_every_sync(db, notes):
    _note(db, "n1", "a fine note about the budget")
    _note(db, "n2", "   ", "null")  # no stamp: read at every sync, refused each time
    assert len(_sync(db, notes)["acme"].failures) == 1
    _sync(db, notes)
    again = _sync(db, notes)["acme"]
    assert again.failures == [] and set(_bodies(db)) == {"n1"}
    db.conn.execute("update app_notes set body = '', updated_at = now() where id = 'n2'")
    assert len(_sync(db, notes)["acme"].failures) == 1  # changed, and still refused: said again
