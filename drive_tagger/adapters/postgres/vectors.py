"""pgvector values on our connections: the type registered on first need, values read as arrays.
Registering loads numpy, so a command that never touches a vector (reading filters) skips both."""

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
