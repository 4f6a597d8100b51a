"""Sync speed: 100,000 changed rows of an app's documents table into a workspace (excluding
embedding), then a second sync with nothing changed, then one after 1% of rows changed.

    .venv/bin/python -m benchmarks.sync_speed [--rows 100000]

The table lives in the same throwaway embedded Postgres (as it would in a Supabase project);
each sync is the real `sync_workspaces`: read changed rows in one snapshot, store them through
the staging COPY and upsert, compare live ids for deletions, save the watermark.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from drive_tagger.adapters.postgres.embedded import stop_embedded_server
from drive_tagger.services.sync import sync_workspaces
from drive_tagger.settings import Settings
from drive_tagger.wiring import make_source, open_database

TABLE = """
    create table public.app_files (
        id bigint generated always as identity primary key,
        workspace text not null,
        title text,
        text text,
        deleted boolean not null default false,
        updated_at timestamptz not null default now()
    );
    create index app_files_updated_idx on public.app_files (workspace, updated_at);
    create function public.touch() returns trigger language plpgsql as $$
    begin new.updated_at := now(); return new; end $$;
    create trigger touch before update on public.app_files for each row execute function public.touch();
"""


def timed_sync(db, source) -> tuple[float, object]:
    started = time.perf_counter()
    (report,) = sync_workspaces(db.documents, source, "bulk")
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="drive_tagger_sync_"))
    settings = Settings(data_dir=data_dir, sync_table="public.app_files", sync_deleted_column="deleted")
    db = open_database(settings)
    try:
        db.conn.execute(TABLE)
        db.conn.execute(
            "insert into app_files (workspace, title, text) select 'bulk', 'Note ' || i, "
            "'note number ' || i || ' about invoices, contracts and the quarterly budget review' "
            "from generate_series(1, %s) i",
            (args.rows,),
        )
        source = make_source(settings)
        print(f"{'sync':<44}{'seconds':>9}{'rows read':>11}{'rows/s':>10}{'stored':>9}{'deleted':>9}")
        for label, prepare in (
            (f"first: {args.rows:,} new rows", None),
            ("second: nothing changed", None),
            (
                "third: 1% updated, 0.1% deleted",
                lambda: (
                    db.conn.execute("update app_files set text = text || ' (revised)' where id % 100 = 0"),
                    db.conn.execute("delete from app_files where id % 1000 = 1"),
                ),
            ),
        ):
            if prepare:
                prepare()
            seconds, report = timed_sync(db, source)
            print(
                f"{label:<44}{seconds:>9.2f}{report.read:>11,}{report.read / seconds:>10,.0f}"
                f"{report.inserted + report.changed:>9,}{report.deleted:>9,}"
            )
    finally:
        db.close()
        stop_embedded_server(settings.embedded_pgdata)


if __name__ == "__main__":
    main()
