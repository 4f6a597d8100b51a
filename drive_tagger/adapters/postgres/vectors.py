"""pgvector values on our connections: the type registered on first need, values read as arrays;
and binary COPY data built and parsed by numpy (vectors, links). Registering loads numpy, so a
command that never touches a vector (reading filters) skips both."""

from __future__ import annotations

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

_REGISTERED = "_drive_tagger_vector_types"


def use_vectors(conn: psycopg.Connection) -> None:
    """Registers the vector type on conn once; before the first migration it does not exist yet."""
    if getattr(conn, _REGISTERED, False):
        return
    try:
        register_vector(conn)
    except psycopg.ProgrammingError:
        conn.rollback()
        return
    setattr(conn, _REGISTERED, True)


def as_array(value) -> np.ndarray:
    """pgvector's loaders give a Vector (binary) or an ndarray (text); we want float32 arrays."""
    array = value.to_numpy() if hasattr(value, "to_numpy") else value
    return np.asarray(array, dtype=np.float32)


# PostgreSQL's binary COPY framing: signature, flags, header extension length; -1 ends the data.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def copy_rows(keys: list[str], vectors: np.ndarray) -> bytes:
    """Binary COPY data of (text key, vector) rows, built by numpy in one pass: every row has the
    same layout when the keys have one length (content hashes: 64 hex digits), so a million rows
    take a second instead of the minute row-by-row encoding took."""
    width = len(keys[0])
    if any(len(k) != width for k in keys) or not all(k.isascii() for k in keys):
        raise ValueError("keys of one length in ASCII are expected (content hashes)")
    dims = vectors.shape[1]
    row = np.dtype(
        [
            ("fields", ">i2"),
            ("key_length", ">i4"),
            ("key", f"S{width}"),
            ("vector_length", ">i4"),
            ("dims", ">i2"),
            ("unused", ">i2"),
            ("values", ">f4", (dims,)),
        ]
    )
    rows = np.empty(len(keys), dtype=row)
    rows["fields"] = 2
    rows["key_length"] = width
    rows["key"] = np.asarray(keys, dtype=f"S{width}")
    rows["vector_length"] = 4 + 4 * dims
    rows["dims"] = dims
    rows["unused"] = 0
    rows["values"] = vectors
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER


def id_vector_rows(chunks, capacity: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, float32 matrix) from the binary COPY of (int8, vector) rows, parsed block by block
    into arrays allocated once (capacity rows, grown if more come): a million rows never exist as
    a million small arrays plus their stacked copy."""
    ids = np.empty(capacity, dtype=np.int64)
    matrix: np.ndarray | None = None
    row: np.dtype | None = None
    pending = bytearray()
    filled = 0
    for chunk in chunks:
        pending += chunk
        if row is None or matrix is None:  # the header is not read yet (both are set together)
            if len(pending) < len(COPY_HEADER) + 24:
                continue
            if not pending.startswith(COPY_HEADER[:11]):
                raise ValueError("not PostgreSQL binary COPY data")
            del pending[: len(COPY_HEADER)]
            dims = int.from_bytes(pending[18:20], "big")  # the first row's vector header
            row = _id_vector_row(dims)
            matrix = np.empty((capacity, dims), dtype=np.float32)
        whole = len(pending) // row.itemsize
        if not whole:
            continue
        if filled + whole > len(ids):  # rows arrived since the count: grow once, generously
            grown = max(filled + whole, 2 * len(ids), 1024)
            ids = np.resize(ids, grown)
            matrix = np.resize(matrix, (grown, matrix.shape[1]))
        block = np.frombuffer(pending, dtype=row, count=whole)
        if (block["fields"] != 2).any() or (block["dims"] != matrix.shape[1]).any():
            raise ValueError("unexpected rows in the vectors' COPY data")
        ids[filled : filled + whole] = block["id"]
        matrix[filled : filled + whole] = block["values"]
        filled += whole
        del block  # the buffer cannot shrink while a view of it lives
        del pending[: whole * row.itemsize]
    if matrix is None:
        return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32)
    if bytes(pending) != COPY_TRAILER:
        raise ValueError("the vectors' COPY data ended mid-row")
    return ids[:filled], matrix[:filled]


def id_vector_page(page: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(ids, float32 matrix) from a page of fixed-width rows: int8send(id) || vector_send(vector)."""
    dims = int.from_bytes(page[8:10], "big")
    row = np.dtype([("id", ">i8"), ("dims", ">i2"), ("unused", ">i2"), ("values", ">f4", (dims,))])
    if len(page) % row.itemsize:
        raise ValueError("a page of vectors with rows of different lengths")
    rows = np.frombuffer(page, dtype=row)
    if (rows["dims"] != dims).any():
        raise ValueError("a page of vectors of different lengths")
    return rows["id"].astype(np.int64), rows["values"].astype(np.float32)


def _id_vector_row(dims: int) -> np.dtype:
    return np.dtype(
        [
            ("fields", ">i2"),
            ("id_length", ">i4"),
            ("id", ">i8"),
            ("vector_length", ">i4"),
            ("dims", ">i2"),
            ("unused", ">i2"),
            ("values", ">f4", (dims,)),
        ]
    )


def link_copy_rows(
    refresh_id: int, document_ids: np.ndarray, category_ids: np.ndarray, scores: np.ndarray, ranks: np.ndarray
) -> bytes:
    """Binary COPY data of document_categories rows (refresh_id, document_id, category_id, score,
    rank), built by numpy in one pass like copy_rows: a million links in a second."""
    row = np.dtype(
        [
            ("fields", ">i2"),
            ("refresh_length", ">i4"),
            ("refresh_id", ">i8"),
            ("document_length", ">i4"),
            ("document_id", ">i8"),
            ("category_length", ">i4"),
            ("category_id", ">i4"),
            ("score_length", ">i4"),
            ("score", ">f4"),
            ("rank_length", ">i4"),
            ("rank", ">i2"),
        ]
    )
    rows = np.empty(len(document_ids), dtype=row)
    rows["fields"] = 5
    rows["refresh_length"], rows["refresh_id"] = 8, refresh_id
    rows["document_length"], rows["document_id"] = 8, document_ids
    rows["category_length"], rows["category_id"] = 4, category_ids
    rows["score_length"], rows["score"] = 4, scores
    rows["rank_length"], rows["rank"] = 2, ranks
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER
