"""What a refresh changed, by filter id: the one record the refresh produces, the store keeps with
its run (refresh_runs.changes) and the page, API, CLI and notebooks read back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CorrectionNote:
    """Whether a person's correction changed anything at this refresh."""

    correction: int
    kind: str  # move, merge, split, learned
    applied: bool
    undone: bool = False  # an undo this refresh carried out


@dataclass(frozen=True)
class RefreshChanges:
    """Filters kept (the same id as before), new and retired; the filters a split or merge made,
    each with the ones it came from; the corrections applied; and whether the refresh remade
    everything because the rules changed (their version then)."""

    kept: tuple[int, ...] = ()
    new: tuple[int, ...] = ()
    retired: tuple[int, ...] = ()
    splits: Mapping[int, tuple[int, ...]] = field(default_factory=dict)  # old id -> the ids it became
    merges: Mapping[int, tuple[int, ...]] = field(default_factory=dict)  # new id -> the ids it came from
    corrections: tuple[CorrectionNote, ...] = ()
    remade_under_rules: int | None = None

    @property
    def made(self) -> frozenset[int]:
        """Ids a split or merge made (neither simply new nor simply kept)."""
        return frozenset(i for ids in self.splits.values() for i in ids) | frozenset(self.merges)

    @property
    def unmade(self) -> frozenset[int]:
        """Ids a split or merge ended (neither simply retired nor kept)."""
        return frozenset(self.splits) | frozenset(i for ids in self.merges.values() for i in ids)

    def to_json(self) -> dict[str, Any]:
        """As stored in refresh_runs.changes (JSON object keys are strings)."""
        out: dict[str, Any] = {
            "kept": list(self.kept),
            "new": list(self.new),
            "retired": list(self.retired),
            "splits": {str(old): list(new) for old, new in self.splits.items()},
            "merges": {str(new): list(old) for new, old in self.merges.items()},
        }
        if self.corrections:
            out["corrections"] = [
                {"correction": n.correction, "kind": n.kind, "applied": n.applied}
                | ({"undone": True} if n.undone else {})
                for n in self.corrections
            ]
        if self.remade_under_rules is not None:
            out["remade_under_rules"] = self.remade_under_rules
        return out

    @classmethod
    def from_json(cls, stored: Mapping[str, Any] | None) -> RefreshChanges:
        """The record as `to_json` stored it (a run before any change was recorded: nothing)."""
        stored = stored or {}
        return cls(
            kept=tuple(int(i) for i in stored.get("kept") or ()),
            new=tuple(int(i) for i in stored.get("new") or ()),
            retired=tuple(int(i) for i in stored.get("retired") or ()),
            splits={int(old): tuple(int(i) for i in new) for old, new in (stored.get("splits") or {}).items()},
            merges={int(new): tuple(int(i) for i in old) for new, old in (stored.get("merges") or {}).items()},
            corrections=tuple(_note(note) for note in stored.get("corrections") or ()),
            remade_under_rules=stored.get("remade_under_rules"),
        )


def _note(stored: Mapping[str, Any]) -> CorrectionNote:
    return CorrectionNote(
        int(stored["correction"]), str(stored.get("kind", "")), bool(stored.get("applied")), bool(stored.get("undone"))
    )


@dataclass(frozen=True)
class RefreshRun:
    """One refresh as the workspace's history keeps it, with what it changed."""

    id: int
    status: str  # running, succeeded, failed, abandoned
    started_at: datetime
    finished_at: datetime | None
    documents: int | None
    categories: int | None  # filters and sub-filters it made
    untagged: int | None
    seconds: Mapping[str, float] | None  # per stage
    changes: RefreshChanges
    error: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RefreshRun:
        """From the stored row, whose `changes` is the JSON `RefreshChanges.to_json` wrote."""
        return cls(**{**row, "changes": RefreshChanges.from_json(row.get("changes"))})

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "changes": self.changes.to_json()}


@dataclass(frozen=True)
class GenerationFilter:
    """One filter of a kept refresh (the active one or the one before), as it was then."""

    category_id: int
    parent_category_id: int | None
    name: str  # a pinned name wins
    keywords: tuple[str, ...] = ()
    size: int = 0
    members: tuple[int, ...] = ()  # document ids whose best link at its level it is
