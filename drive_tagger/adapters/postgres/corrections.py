"""PostgresCorrections: what people decided in a workspace: corrections (moves, merges, splits,
filters made from picked documents) recorded, read, listed and undone, and pinned filter names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import psycopg
from psycopg.rows import class_row, dict_row

from drive_tagger.adapters.postgres.sql import query
from drive_tagger.adapters.postgres.workspaces import WorkspaceQueries
from drive_tagger.core.rows import CorrectionRow
from drive_tagger.errors import InvalidInput, UnknownFilter

if TYPE_CHECKING:
    from drive_tagger.core.corrections import Correction, Kind


class PostgresCorrections(WorkspaceQueries):
    def record_correction(
        self,
        workspace_id: int,
        kind: Kind,
        category_id: int | None,
        document_ids: Sequence[int],
        *,
        other: int | None = None,
        name: str | None = None,
    ) -> int:
        """Records what a person decided (a move also takes effect at once); the database checks
        the filters it names exist."""
        params = {
            "workspace_id": workspace_id,
            "kind": kind.value,
            "category_id": category_id,
            "document_ids": list(document_ids),
            "other": other,
            "name": name,
        }
        try:
            with self.conn.transaction():
                return self._one("record_correction", params)[0]
        except psycopg.errors.NoDataFound as exc:
            raise UnknownFilter(exc.diag.message_primary) from None
        except psycopg.errors.InvalidParameterValue as exc:
            raise InvalidInput(exc.diag.message_primary) from None

    def corrections(self, workspace_id: int) -> tuple[Correction, ...]:
        """Every correction of the workspace, oldest first, undone ones marked (core/corrections.py)."""
        import numpy as np

        from drive_tagger.core.corrections import Correction, Kind

        rows = self._all("corrections", {"workspace_id": workspace_id}, row_factory=dict_row)
        return tuple(
            Correction(
                r["id"],
                Kind(r["kind"]),
                r["category_id"],
                np.asarray(r["document_ids"], dtype=np.int64),
                {int(k): np.asarray(v, dtype=np.int64) for k, v in (r["groups"] or {}).items()},
                r["name"],
                other=r["other_category_id"],
                names={int(k): v for k, v in (r["names"] or {}).items()},
                absorbed_pin=r["absorbed_pin"],
                made_at=r["created_at"],
                undone=r["undone_at"] is not None,
                reverting=r["reverting"],
            )
            for r in rows
        )

    def correction_listing(self, workspace_id: int, shown: int) -> list[CorrectionRow]:
        """The corrections as people read them (id, kind, category_id, other_category_id, name,
        names, absorbed_pin, created_at, undone_at, documents: how many, shown: the external ids
        of the first `shown` still there), oldest first."""
        params = {"workspace_id": workspace_id, "shown": shown}
        return self._all("correction_listing", params, row_factory=class_row(CorrectionRow))

    def undo_correction(self, workspace_id: int, correction_id: int) -> Kind:
        """Marks a correction undone (an undone move re-places its documents at once); returns
        its kind. UnknownCorrection when the workspace has no such correction, InvalidInput when
        it was undone already."""
        from drive_tagger.core.corrections import Kind
        from drive_tagger.errors import UnknownCorrection

        params = {"workspace_id": workspace_id, "correction_id": correction_id}
        try:
            with self.conn.transaction():
                return Kind(self._one("undo_correction", params)[0])
        except psycopg.errors.NoDataFound as exc:
            raise UnknownCorrection(exc.diag.message_primary) from None
        except psycopg.errors.InvalidParameterValue as exc:
            raise InvalidInput(exc.diag.message_primary) from None

    # -- pinned names --

    def pin_category_name(self, workspace_id: int, category_id: int, name: str) -> bool:
        """Pins a name on an active filter; False when the workspace has no such active filter. The
        database stores the name normalised, or refuses it (InvalidInput) by the filter-name rules."""
        try:
            with self.conn.transaction():
                row = self.conn.execute(
                    query("pin_category_name"),
                    {"workspace_id": workspace_id, "category_id": category_id, "name": name},
                ).fetchone()
        except psycopg.errors.InvalidParameterValue as exc:
            raise InvalidInput(exc.diag.message_primary) from None
        return row is not None

    def unpin_category_name(self, workspace_id: int, category_id: int) -> None:
        with self.conn.transaction():
            self.conn.execute(query("unpin_category_name"), {"workspace_id": workspace_id, "category_id": category_id})

    def placed_documents(self, workspace_id: int, document_ids: Sequence[int]) -> set[int]:
        """Of document_ids, those a correction in force places (moved, or picked for a new filter)."""
        rows = self._all("placed_documents", {"workspace_id": workspace_id, "document_ids": list(document_ids)})
        return {r[0] for r in rows}
