"""PostgresDocuments: documents and their content-addressed vectors, by named query and binary COPY."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager

import numpy as np
from psycopg.rows import class_row

from drive_tagger.adapters.postgres.connection import connection_memo
from drive_tagger.adapters.postgres.sql import query
from drive_tagger.adapters.postgres.vectors import as_array, copy_rows, id_vector_page, id_vector_rows, use_vectors
from drive_tagger.adapters.postgres.workspaces import LockKind, WorkspaceQueries
from drive_tagger.core.forms import HEAD_CHARS, document_form
from drive_tagger.core.text import content_hash
from drive_tagger.core.types import DocumentText, PendingText, SourceDocument
from drive_tagger.errors import EmbeddingError

# Up to this many rows are written by one statement with arrays (a document arriving alone costs
# no staging table); more go through a staging table by binary COPY, which is faster in bulk.
ARRAY_ROWS_MAX = 64


def _form(doc: SourceDocument) -> str:
    """The form stored with a document: '' when its structure shows none (null means not read)."""
    return document_form(doc.body) or ""


def _from_rows(name: str, rows: str):
    """A named query whose {rows} is the named row source (staged by COPY or given as arrays)."""
    from psycopg import sql

    return sql.SQL(query(name)).format(rows=sql.SQL(query(rows)))


def _inserted_and_changed(rows: list[tuple[int, bool]]) -> tuple[list[int], list[int]]:
    return [i for i, new in rows if new], [i for i, new in rows if not new]


# Rows per fetch of workspace_vectors: 50,000 vectors of 384 floats are 77 MB.
VECTOR_ROWS_PER_FETCH = 50_000


def _compacted(matrix: np.ndarray, keep: np.ndarray, block: int = 65_536) -> np.ndarray:
    """The kept rows, moved up in place block by block (no second matrix); usually all are kept."""
    if keep.all():
        return matrix
    written = 0
    for start in range(0, len(matrix), block):
        rows = matrix[start : start + block][keep[start : start + block]]
        matrix[written : written + len(rows)] = rows
        written += len(rows)
    return matrix[:written]


class PostgresDocuments(WorkspaceQueries):
    """Documents are upserted through a staging table filled by binary COPY; vectors are keyed by
    (model, content hash) and reached through each document's hash."""

    def stage_documents(self, docs: Sequence[SourceDocument]) -> None:
        """Copies docs into this transaction's staging table (binary COPY); call within a
        transaction, then upsert_staged. Several batches may be staged before one upsert."""
        self.conn.execute(query("create_document_stage"))
        with self.conn.cursor().copy(query("copy_document_stage")) as copy:
            copy.set_types(["text"] * 6)
            for d in docs:
                copy.write_row((d.external_id, d.title, d.body, content_hash(d.title, d.body), d.source, _form(d)))

    def upsert_staged(self, workspace_id: int) -> tuple[list[int], list[int]]:
        """Writes every staged document (the last staged for an id wins) in id order, empties the
        stage, and returns the ids of (inserted, changed) documents; unchanged ones are untouched."""
        self.conn.execute(query("create_document_stage"))
        statement = _from_rows("upsert_documents", "staged_document_rows")
        rows = self.conn.execute(statement, {"workspace_id": workspace_id}).fetchall()
        self.conn.execute(query("empty_document_stage"))
        return _inserted_and_changed(rows)

    def upsert_documents(self, workspace_id: int, docs: Sequence[SourceDocument]) -> tuple[list[int], list[int]]:
        """Upserts docs in one transaction (its own, or the caller's): a few by one statement, more
        staged by COPY first. Returns the ids of (inserted, changed) documents."""
        if not docs:
            return [], []
        if len(docs) > ARRAY_ROWS_MAX:
            with self.conn.transaction():
                self.stage_documents(docs)
                return self.upsert_staged(workspace_id)
        params = {
            "workspace_id": workspace_id,
            "external_ids": [d.external_id for d in docs],
            "titles": [d.title for d in docs],
            "bodies": [d.body for d in docs],
            "hashes": [content_hash(d.title, d.body) for d in docs],
            "sources": [d.source for d in docs],
            "forms": [_form(d) for d in docs],
        }
        return _inserted_and_changed(
            self.conn.execute(_from_rows("upsert_documents", "given_document_rows"), params).fetchall()
        )

    def delete_documents(self, workspace_id: int, external_ids: Sequence[str]) -> list[str]:
        """Deletes the documents (their links go with them) and every vector no document carries
        any more; returns the ids that were there. Under the workspace's lock, as arrivals are
        tagged: the links whose counts it takes off are the ones its cascade deletes."""
        with self.conn.transaction():
            self.lock_workspace(workspace_id)
            gone = self._all("delete_documents", {"workspace_id": workspace_id, "external_ids": list(external_ids)})
            if gone:
                self.conn.execute(query("forget_unused_vectors"), {"hashes": sorted({h for _, h in gone})})
        return [external_id for external_id, _ in gone]

    def documents_from_sources(self, workspace_id: int, prefix: str) -> list[tuple[str, str]]:
        """(id, source) of the workspace's documents whose source starts with prefix."""
        return self._all("documents_from_sources", {"workspace_id": workspace_id, "prefix": prefix})

    def sync_watermark(self, workspace_id: int, source: str):
        row = self._one("sync_watermark", {"workspace_id": workspace_id, "source": source})
        return row[0] if row else None

    def save_sync_state(self, workspace_id: int, source: str, watermark, *, rows_read: int, rows_deleted: int) -> None:
        with self.conn.transaction():
            self.conn.execute(
                query("save_sync_state"),
                {
                    "workspace_id": workspace_id,
                    "source": source,
                    "watermark": watermark,
                    "rows_read": rows_read,
                    "rows_deleted": rows_deleted,
                },
            )

    def synced_document_ids(self, workspace_id: int, source: str) -> list[str]:
        return [r[0] for r in self._all("synced_document_ids", {"workspace_id": workspace_id, "source": source})]

    def synced_workspaces(self, source: str) -> list[str]:
        """The slugs of the workspaces synced from source before."""
        return [r[0] for r in self._all("synced_workspaces", {"source": source})]

    def embedding_lock(self, workspace_id: int) -> AbstractContextManager[bool]:
        """Held while a pass embeds the workspace's texts; a second pass waits for it."""
        return self._workspace_lock(LockKind.EMBEDDING, workspace_id, wait=True)

    def record_embed_errors(self, workspace_id: int, hashes: Sequence[str], error: str) -> None:
        with self.conn.transaction():
            self.conn.execute(
                query("record_embed_errors"), {"workspace_id": workspace_id, "hashes": list(hashes), "error": error}
            )

    def claim_workspace_model(self, workspace_id: int, model: str) -> None:
        """Gives a workspace without a model its first embedding's model; one with a model keeps it."""
        with self.conn.transaction():
            self.conn.execute(query("claim_workspace_model"), {"workspace_id": workspace_id, "model": model})

    def set_workspace_model(self, workspace_id: int, model: str) -> None:
        """Switches the workspace to another model, on purpose: every document then waits for a
        vector of the new model (those whose text has one stored find it)."""
        with self.conn.transaction():
            self.lock_workspace(workspace_id)
            self.conn.execute(query("set_workspace_model"), {"workspace_id": workspace_id, "model": model})
            self.conn.execute(query("forget_document_vector_models"), {"workspace_id": workspace_id, "model": model})

    def hashes_missing_vectors(self, workspace_id: int, model: str) -> list[str]:
        """Texts of the workspace's documents still waiting for a vector of the model (only those
        documents are read: documents_pending_vector_idx)."""
        params = {"workspace_id": workspace_id, "model": model}
        with self.conn.transaction():
            self.conn.execute(query("mark_documents_with_vectors"), params)
        rows = self._all("hashes_missing_vectors", params)
        return [r[0] for r in rows]

    def texts_by_hash(self, workspace_id: int, hashes: Sequence[str], max_chars: int) -> list[PendingText]:
        """The text behind each hash, its body cut to max_chars, with one document carrying it."""
        return self._all(
            "texts_by_hash",
            {"workspace_id": workspace_id, "hashes": list(hashes), "max_chars": max_chars},
            row_factory=class_row(PendingText),
        )

    def external_ids_by_hash(self, workspace_id: int, hashes: Sequence[str]) -> list[str]:
        rows = self._all("external_ids_by_hash", {"workspace_id": workspace_id, "hashes": list(hashes)})
        return [r[0] for r in rows]

    def store_vectors(
        self, model: str, hashes: Sequence[str], vectors: np.ndarray, *, first_windows_only: Sequence[str] = ()
    ) -> None:
        """Binary COPY into a staging table, then one insert that skips vectors already stored. The
        model's dimensions are recorded with its first vectors; vectors of another length for the
        same model are refused. Hashes in first_windows_only are stored as pending their further
        windows (complete_vectors replaces them)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(hashes):
            raise ValueError(f"expected {len(hashes)} vectors, got an array of shape {vectors.shape}")
        if not len(hashes):
            return
        use_vectors(self.conn)
        self._check_dimensions(model, vectors.shape[1])
        marked = {"model": model, "hashes": list(hashes)}
        if len(hashes) <= ARRAY_ROWS_MAX:
            # No transaction: a document left unmarked by a failure in between is marked by the
            # next pass (hashes_missing_vectors), and the vector is stored once either way.
            further = set(first_windows_only)
            given = {**marked, "vectors": list(vectors), "further": [h in further for h in hashes]}
            self.conn.execute(_from_rows("insert_embeddings", "given_embedding_rows"), given)
            self.conn.execute(query("mark_stored_vectors"), marked)
            return
        with self.conn.transaction():
            self.conn.execute(query("create_embedding_stage"))
            with self.conn.cursor().copy(query("copy_embedding_stage")) as copy:
                copy.write(copy_rows(list(hashes), vectors))
            if first_windows_only:
                self.conn.execute(query("mark_staged_further_windows"), {"hashes": list(first_windows_only)})
            self.conn.execute(_from_rows("insert_embeddings", "staged_embedding_rows"), {"model": model})
            self.conn.execute(query("empty_embedding_stage"))
            self.conn.execute(query("mark_stored_vectors"), marked)

    def _check_dimensions(self, model: str, dimensions: int) -> None:
        """Records the model's dimensions with its first vectors; refuses vectors of another length."""
        recorded = connection_memo(self.conn, "model dimensions")  # a model's vectors have one length
        if model not in recorded:
            recorded[model] = self._one("register_model", {"model": model, "dimensions": dimensions})[0]
        if recorded[model] != dimensions:
            raise EmbeddingError(
                f"{model} made {dimensions}-d vectors, but its vectors stored before "
                f"are {recorded[model]}-d; a model id must always make vectors of one length"
            )

    def hashes_with_further_windows(self, workspace_id: int, model: str) -> list[str]:
        rows = self._all("hashes_with_further_windows", {"workspace_id": workspace_id, "model": model})
        return [r[0] for r in rows]

    def vectors_by_hash(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        use_vectors(self.conn)
        found = {}
        with (
            self.conn.cursor() as cur,
            cur.copy(query("copy_vectors_by_hash"), {"model": model, "hashes": list(hashes)}) as copy,
        ):
            copy.set_types(["text", "vector"])
            for digest, vector in copy.rows():
                found[digest] = as_array(vector).astype(np.float32)
        return found

    def complete_vectors(self, model: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Replaces first windows' vectors with whole ones (rows already whole are left alone)."""
        if not len(hashes):
            return
        use_vectors(self.conn)
        with self.conn.transaction():
            self.conn.execute(query("create_embedding_stage"))
            with self.conn.cursor().copy(query("copy_embedding_stage")) as copy:
                copy.write(copy_rows(list(hashes), np.asarray(vectors, dtype=np.float32)))
            self.conn.execute(query("complete_staged_embeddings"), {"model": model})
            self.conn.execute(query("empty_embedding_stage"))

    def ensure_model_index(self, model: str) -> str | None:
        """The model's ANN index, built over its stored vectors if it does not exist yet; its name.
        Asked once per connection and model: an index, once there, stays."""
        indexes = connection_memo(self.conn, "model indexes")
        if model not in indexes:
            indexes[model] = self._one("ensure_model_index", {"model": model})[0]
        return indexes[model]

    def count_documents_missing_vectors(self, workspace_id: int, model: str) -> int:
        return self._one("count_documents_missing_vectors", {"workspace_id": workspace_id, "model": model})[0]

    def workspace_vectors(self, workspace_id: int, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(document ids in ascending order, float32 matrix) of every document with a vector for the
        model. Rows stream from a server-side cursor straight into their place in one matrix: a
        million vectors never exist twice (1.5 GB each time)."""
        with self.conn.cursor(binary=True) as cur:
            row = cur.execute(query("workspace_document_ids"), {"workspace_id": workspace_id}).fetchone()
            assert row is not None  # an aggregate without group by: always one row (null when none)
            page = row[0]
        ids = np.frombuffer(page or b"", dtype=">i8").astype(np.int64)
        matrix, found = None, np.zeros(len(ids), dtype=bool)
        with self.conn.transaction():
            self.conn.execute(query("hash_join_memory"))
            with self.conn.cursor("workspace_vectors", binary=True) as cur:
                cur.execute(query("workspace_vector_rows"), {"workspace_id": workspace_id, "model": model})
                while rows := cur.fetchmany(VECTOR_ROWS_PER_FETCH):
                    page_ids, vectors = id_vector_page(b"".join(r[0] for r in rows))
                    if matrix is None:
                        matrix = np.empty((len(ids), vectors.shape[1]), dtype=np.float32)
                    at = np.searchsorted(ids, page_ids)
                    matrix[at], found[at] = vectors, True
        if matrix is None:
            return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32)
        return ids[found], _compacted(matrix, found)

    def document_vectors(self, document_ids: Sequence[int], model: str) -> tuple[np.ndarray, np.ndarray]:
        """(document ids, matrix) for those of the given documents that have a vector."""
        params = {"document_ids": list(document_ids), "model": model}
        return self._copy_vectors("vectors_for_documents", params, len(params["document_ids"]))

    def _copy_vectors(self, query_name: str, params: dict, capacity: int) -> tuple[np.ndarray, np.ndarray]:
        with self.conn.cursor() as cur, cur.copy(query(query_name), params) as copy:
            return id_vector_rows(copy, capacity)

    def documents_without_form(self, workspace_id: int, limit: int) -> list[tuple[int, str]]:
        """(id, head of the body) of up to `limit` documents whose form is not read yet."""
        params = {"workspace_id": workspace_id, "limit": limit, "max_chars": HEAD_CHARS}
        return self._all("documents_without_form", params)

    def store_forms(self, document_ids: Sequence[int], forms: Sequence[str | None]) -> None:
        params = {"document_ids": list(document_ids), "forms": [form or "" for form in forms]}
        self.conn.execute(query("store_forms"), params)

    def workspace_forms(self, workspace_id: int) -> dict[int, str]:
        """{document id: form} of the workspace's documents that have one."""
        return dict(self._all("workspace_forms", {"workspace_id": workspace_id}))

    def forms_of(self, document_ids: Sequence[int]) -> list[str | None]:
        """The form of each of the documents (None: none, or not read yet), in their order."""
        ids = np.asarray(document_ids).tolist()
        found = dict(self._all("forms_of_documents", {"document_ids": ids}))
        return [found.get(i) for i in ids]

    def document_texts(self, document_ids: np.ndarray, max_chars: int) -> list[DocumentText]:
        rows = self._all("document_texts", {"document_ids": np.asarray(document_ids).tolist(), "max_chars": max_chars})
        by_id = {r[0]: DocumentText(r[1], r[2]) for r in rows}
        return [by_id[int(i)] for i in document_ids]
