"""Callers of the SQL functions a Supabase app uses, as PostgREST makes them, and the workspace the
SQL-rule tests share: 'acme' (refreshed: filters and sub-filters) with Alice as its member, and
'beta' with Bob."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.database import Database
from drive_tagger.services.ingest import ingest
from drive_tagger.services.refresh import refresh_workspace
from tests.fakes import TopicEmbedder, topic_documents

ALICE = str(uuid.UUID(int=1))  # member of "acme"
BOB = str(uuid.UUID(int=2))  # member of "beta" only


def apps_database(url: str, namer_for) -> Iterator[Database]:
    """The shared database. Every test works inside a transaction it rolls back."""
    with Database(connect(url, autocommit=True)) as opened:
        embedder = TopicEmbedder()
        ingest(opened.documents, opened.refreshes, embedder, "acme", topic_documents(4, 2, 12), progress=False)
        refresh_workspace(opened.documents, opened.refreshes, "acme", namer=namer_for(embedder))
        ingest(opened.documents, opened.refreshes, embedder, "beta", topic_documents(1, 1, 5), progress=False)
        for slug, user in (("acme", ALICE), ("beta", BOB)):
            opened.conn.execute(
                "insert into workspace_members (workspace_id, user_id) values (%s, %s)",
                (opened.documents.workspace(slug).id, user),
            )
        yield opened


# Who calls: the backend (the tables' owner, no JWT), and PostgREST's roles with the JWT's claims.
CALLERS = {
    "owner": (None, None),
    "member": ("authenticated", ALICE),
    "non-member": ("authenticated", BOB),
    "anon": ("anon", None),
    "service role": ("service_role", None),
}


@contextmanager
def called_as(conn, caller: str):
    """A transaction run as PostgREST runs a request for the caller, rolled back at the end."""
    role, user = CALLERS[caller]
    with conn.transaction(force_rollback=True):
        if role:
            conn.execute(f"set local role {role}")
        claims = json.dumps({"role": role, **({"sub": user} if user else {})}) if role else ""
        conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
        yield conn


@contextmanager
def rolled_back(db):
    with db.conn.transaction(force_rollback=True):
        yield db


def acme(db):
    return db.documents.workspace("acme")


def filters(db):
    return db.refreshes.filters(acme(db).id)


def call_arguments(db) -> dict:
    """The arguments of the calls: a top-level filter with sub-filters, another, a document of the
    first, and that document's own vector."""
    workspace = acme(db)
    found = filters(db)
    top = next(
        f for f in found if f.parent_category_id is None and any(s.parent_category_id == f.category_id for s in found)
    )
    other = next(f for f in found if f.parent_category_id is None and f.category_id != top.category_id)
    member = db.refreshes.filter_documents(workspace.id, other.category_id, 1, 0)[0]
    ids, vectors = db.documents.workspace_vectors(workspace.id, workspace.embedding_model)
    return {
        "workspace": "acme",
        "top": top.category_id,
        "other_top": other.category_id,
        "document": member.document_id,
        "documents": [member.external_id],
        "vector": np.asarray(vectors[list(ids).index(member.document_id)]),
    }
