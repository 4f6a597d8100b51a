"""PostgresStore: every read and write of drive_tagger's tables, by named query."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import psycopg
from psycopg.types.json import Jsonb

from drive_tagger.adapters.postgres.sql import query
from drive_tagger.core.text import content_hash
from drive_tagger.core.types import (
    Assignments,
    Category,
    DocumentTag,
    Filter,
    FilterDocument,
    NamedBy,
    PreviousGeneration,
    SourceDocument,
    Workspace,
)
from drive_tagger.errors import UnknownWorkspace

VECTOR_DIMENSIONS = 384


def _as_array(value) -> np.ndarray:
    """pgvector's loaders give a Vector (binary) or an ndarray (text); we want float32 arrays."""
    array = value.to_numpy() if hasattr(value, "to_numpy") else value
    return np.asarray(array, dtype=np.float32)


class PostgresStore:
    """Wraps one autocommit connection: a read is one statement, a write that spans several
    statements runs in an explicit transaction."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def close(self) -> None:
        self.conn.close()

    # -- workspaces --

    def ensure_workspace(self, slug: str) -> Workspace:
        with self.conn.transaction():
            self.conn.execute(query("ensure_workspace"), {"slug": slug})
        return self.workspace(slug)

    def workspace(self, slug: str) -> Workspace:
        row = self.conn.execute(query("get_workspace"), {"slug": slug}).fetchone()
        if row is None:
            known = [r[0] for r in self.conn.execute(query("list_workspaces"))]
            hint = f" (known: {', '.join(known)})" if known else " (there are none yet; ingest first)"
            raise UnknownWorkspace(f"unknown workspace {slug!r}{hint}")
        return Workspace(*row)

    def list_workspaces(self) -> list[tuple[str, int, str | None, int | None]]:
        rows = self.conn.execute(query("list_workspaces")).fetchall()
        return rows

    def set_workspace_model(self, workspace_id: int, model: str) -> None:
        with self.conn.transaction():
            self.conn.execute(query("lock_workspace"), {"workspace_id": workspace_id})
            self.conn.execute(query("set_workspace_model"), {"workspace_id": workspace_id, "model": model})

    def delete_workspace(self, workspace_id: int) -> None:
        with self.conn.transaction():
            self.conn.execute(query("delete_workspace"), {"workspace_id": workspace_id})

    # -- documents and vectors --

    def upsert_documents(self, workspace_id: int, docs: Sequence[SourceDocument]) -> tuple[list[int], list[int]]:
        """Stores docs; returns the ids of (inserted, changed) documents. Unchanged ones are not touched."""
        if not docs:
            return [], []
        params = {
            "workspace_id": workspace_id,
            "external_ids": [d.external_id for d in docs],
            "titles": [d.title for d in docs],
            "bodies": [d.body for d in docs],
            "hashes": [content_hash(d.title, d.body) for d in docs],
            "sources": [d.source for d in docs],
        }
        with self.conn.transaction():
            rows = self.conn.execute(query("upsert_documents"), params).fetchall()
        return [i for i, new in rows if new], [i for i, new in rows if not new]

    def hashes_missing_vectors(self, workspace_id: int, model: str) -> list[str]:
        rows = self.conn.execute(
            query("hashes_missing_vectors"), {"workspace_id": workspace_id, "model": model}
        ).fetchall()
        return [r[0] for r in rows]

    def texts_by_hash(
        self, workspace_id: int, hashes: Sequence[str], max_chars: int
    ) -> list[tuple[str, str, str, str]]:
        """(hash, title, body cut to max_chars, one external id carrying it) per hash."""
        rows = self.conn.execute(
            query("texts_by_hash"),
            {"workspace_id": workspace_id, "hashes": list(hashes), "max_chars": max_chars},
        ).fetchall()
        return rows

    def external_ids_by_hash(self, workspace_id: int, hashes: Sequence[str]) -> list[str]:
        rows = self.conn.execute(
            query("external_ids_by_hash"), {"workspace_id": workspace_id, "hashes": list(hashes)}
        ).fetchall()
        return [r[0] for r in rows]

    def store_vectors(self, model: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Binary COPY into a staging table, then one insert that skips vectors already stored."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(hashes), VECTOR_DIMENSIONS):
            raise ValueError(f"expected {len(hashes)} vectors of {VECTOR_DIMENSIONS}, got {vectors.shape}")
        with self.conn.transaction():
            self.conn.execute(query("create_embedding_stage"))
            with self.conn.cursor().copy(query("copy_embedding_stage")) as copy:
                copy.set_types(["text", "vector"])
                for digest, vector in zip(hashes, vectors, strict=True):
                    copy.write_row((digest, vector))
            self.conn.execute(query("insert_staged_embeddings"), {"model": model})

    def count_documents_missing_vectors(self, workspace_id: int, model: str) -> int:
        row = self.conn.execute(
            query("count_documents_missing_vectors"), {"workspace_id": workspace_id, "model": model}
        ).fetchone()
        return row[0]

    def workspace_vectors(self, workspace_id: int, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(document ids, float32 matrix) of every document with a vector for the model."""
        return self._copy_vectors("copy_workspace_vectors", {"workspace_id": workspace_id, "model": model})

    def document_vectors(self, document_ids: Sequence[int], model: str) -> tuple[np.ndarray, np.ndarray]:
        """(document ids, matrix) for those of the given documents that have a vector."""
        return self._copy_vectors("vectors_for_documents", {"document_ids": list(document_ids), "model": model})

    def _copy_vectors(self, query_name: str, params: dict) -> tuple[np.ndarray, np.ndarray]:
        ids: list[int] = []
        rows: list[np.ndarray] = []
        with self.conn.cursor() as cur:
            with cur.copy(query(query_name), params) as copy:
                copy.set_types(["int8", "vector"])
                for document_id, vector in copy.rows():
                    ids.append(document_id)
                    rows.append(_as_array(vector))
        matrix = np.vstack(rows).astype(np.float32) if rows else np.empty((0, VECTOR_DIMENSIONS), np.float32)
        return np.asarray(ids, dtype=np.int64), matrix

    def document_texts(self, document_ids: np.ndarray, max_chars: int) -> list[str]:
        rows = self.conn.execute(
            query("document_texts"), {"document_ids": document_ids.tolist(), "max_chars": max_chars}
        ).fetchall()
        by_id = {r[0]: f"{r[1]}\n{r[2]}" for r in rows}
        return [by_id[int(i)] for i in document_ids]

    def link_arrivals(self, workspace: Workspace, assignments: Assignments, document_ids: np.ndarray,
                      *, poorly_matched: int, min_arrivals: int, suggest_share: float) -> None:
        """Replaces the active links of newly arrived or changed documents and counts them."""
        with self.conn.transaction():
            current = Workspace(*self.conn.execute(query("lock_workspace"), {"workspace_id": workspace.id}).fetchone())
            if current.active_refresh_id is None:
                return
            self.conn.execute(query("unlink_documents"),
                              {"workspace_id": workspace.id, "document_ids": document_ids.tolist()})
            self._copy_links(current.active_refresh_id, assignments, document_ids)
            self.conn.execute(query("record_arrivals"), {
                "workspace_id": workspace.id, "arrivals": len(document_ids), "poorly_matched": poorly_matched,
                "min_arrivals": min_arrivals, "suggest_share": suggest_share,
            })

    def arrival_state(self, workspace_id: int) -> tuple[int, int, bool]:
        """(documents tagged on arrival since the refresh, how many matched poorly, refresh suggested)."""
        return self.conn.execute(query("arrival_state"), {"workspace_id": workspace_id}).fetchone()

    def _copy_links(self, refresh_id: int, assignments: Assignments, document_ids: np.ndarray) -> None:
        with self.conn.cursor() as cur, cur.copy(query("copy_assignments")) as copy:
            copy.set_types(["int8", "int8", "int4", "float4", "int2"])
            for row, category_id, score, rank in zip(
                assignments.document_index, assignments.category_id, assignments.score, assignments.rank,
                strict=True,
            ):
                copy.write_row((refresh_id, int(document_ids[row]), int(category_id), float(score), int(rank)))

    # -- refresh runs --

    def start_refresh_run(self, workspace_id: int, parameters: dict) -> int:
        with self.conn.transaction():
            return self.conn.execute(
                query("start_refresh_run"), {"workspace_id": workspace_id, "parameters": Jsonb(parameters)}
            ).fetchone()[0]

    def fail_refresh_run(self, refresh_id: int, error: str) -> None:
        with self.conn.transaction():
            self.conn.execute(query("fail_refresh_run"), {"refresh_id": refresh_id, "error": error})

    def refresh_runs(self, workspace_id: int, limit: int = 20) -> list[dict]:
        cur = self.conn.execute(query("refresh_runs"), {"workspace_id": workspace_id, "limit": limit})
        names = [c.name for c in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return rows

    def commit_refresh(
        self,
        workspace: Workspace,
        refresh_id: int,
        categories: Sequence[Category],
        assignments: Assignments,
        document_ids: np.ndarray,
        *,
        untagged: int,
        seconds: dict[str, float],
        next_category_id: int | None = None,
        changes: dict | None = None,
    ) -> None:
        """Writes the new filters and makes them active in one transaction: readers see the old
        filters or the new ones, never a mix. Fails if another refresh became active meanwhile."""
        with self.conn.transaction():
            current = Workspace(*self.conn.execute(query("lock_workspace"), {"workspace_id": workspace.id}).fetchone())
            if current.active_refresh_id != workspace.active_refresh_id:
                raise RuntimeError(
                    f"workspace {workspace.slug!r} was refreshed by another run while this one worked"
                )
            next_id = max([workspace.next_category_id, next_category_id or 0]
                          + [c.category_id + 1 for c in categories])
            with self.conn.cursor() as cur:
                cur.executemany(
                    query("insert_categories"),
                    [
                        {
                            "refresh_id": refresh_id,
                            "workspace_id": workspace.id,
                            "category_id": c.category_id,
                            "parent_category_id": c.parent_category_id,
                            "name": c.name,
                            "description": c.description,
                            "keywords": list(c.keywords),
                            "size": c.size,
                            "centroid": np.asarray(c.centroid, dtype=np.float32),
                            "named_by": NamedBy(c.named_by).value,
                            "fence": c.fence,
                        }
                        for c in categories
                    ],
                )
            self._copy_links(refresh_id, assignments, document_ids)
            self.conn.execute(
                query("activate_refresh"),
                {"workspace_id": workspace.id, "refresh_id": refresh_id, "next_category_id": next_id},
            )
            self.conn.execute(
                query("finish_refresh_run"),
                {
                    "refresh_id": refresh_id,
                    "documents": len(document_ids),
                    "categories": len(categories),
                    "untagged": untagged,
                    "seconds": Jsonb(seconds),
                    "changes": Jsonb(changes or {}),
                },
            )
            self.conn.execute(query("prune_old_generations"), {"workspace_id": workspace.id})

    # -- reading filters --

    def active_categories(self, workspace_id: int) -> list[Category]:
        rows = self.conn.execute(query("active_categories"), {"workspace_id": workspace_id}).fetchall()
        return [
            Category(
                category_id=r[0], parent_category_id=r[1], name=r[2], description=r[3],
                keywords=tuple(r[4]), size=r[5], centroid=_as_array(r[6]),
                named_by=NamedBy(r[7]), fence=r[8],
            )
            for r in rows
        ]

    def previous_generation(self, workspace_id: int) -> PreviousGeneration | None:
        """The active categories and their members, or None before the first refresh."""
        categories = self.active_categories(workspace_id)
        if not categories:
            return None
        rows = self.conn.execute(query("active_memberships"), {"workspace_id": workspace_id}).fetchall()
        members: dict[int, list[int]] = {}
        for category_id, document_id in rows:
            members.setdefault(category_id, []).append(document_id)
        return PreviousGeneration(
            tuple(categories), {k: np.asarray(v, dtype=np.int64) for k, v in members.items()}
        )

    def filters(self, workspace_id: int) -> list[Filter]:
        rows = self.conn.execute(query("list_filters"), {"workspace_id": workspace_id}).fetchall()
        return [Filter(r[0], r[1], r[2], r[3], tuple(r[4]), r[5], r[7], r[6]) for r in rows]

    def pin_category_name(self, workspace_id: int, category_id: int, name: str) -> None:
        with self.conn.transaction():
            self.conn.execute(query("lock_workspace"), {"workspace_id": workspace_id})
            self.conn.execute(query("pin_category_name"),
                              {"workspace_id": workspace_id, "category_id": category_id, "name": name})

    def filter_documents(self, workspace_id: int, category_id: int, limit: int, offset: int) -> list[FilterDocument]:
        rows = self.conn.execute(
            query("filter_documents"),
            {"workspace_id": workspace_id, "category_id": category_id, "limit": limit, "offset": offset},
        ).fetchall()
        return [FilterDocument(*r) for r in rows]

    def find_document(self, workspace_id: int, external_id: str) -> tuple[int, str, str] | None:
        row = self.conn.execute(
            query("find_document"), {"workspace_id": workspace_id, "external_id": external_id}
        ).fetchone()
        return row

    def document_tags(self, workspace_id: int, document_id: int) -> list[DocumentTag]:
        rows = self.conn.execute(
            query("document_tags"), {"workspace_id": workspace_id, "document_id": document_id}
        ).fetchall()
        return [DocumentTag(*r) for r in rows]

    def primary_top_level_tags(self, workspace_id: int) -> dict[str, int | None]:
        """{external id: best top-level filter id or None}, for evaluation and exports."""
        rows = self.conn.execute(query("primary_top_level_tags"), {"workspace_id": workspace_id}).fetchall()
        return dict(rows)

    def workspace_counts(self, workspace_id: int) -> tuple[int, int]:
        row = self.conn.execute(query("workspace_counts"), {"workspace_id": workspace_id}).fetchone()
        return row

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
