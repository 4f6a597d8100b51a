"""Creating a workspace that owns its embedding model: the one workflow behind the CLI's
`workspaces create` and the API's `POST /v1/workspaces`."""

from __future__ import annotations

from dataclasses import dataclass

from drive_tagger.core.ports import WorkspaceStore
from drive_tagger.core.types import check_workspace_slug
from drive_tagger.errors import InvalidInput


@dataclass(frozen=True)
class WorkspaceCreation:
    workspace: str
    created: bool  # False: it existed, and nothing changed
    model: str | None  # the model it embeds with (None: the model of its first embedding)


def create_workspace(
    store: WorkspaceStore, slug: str, model: str | None, *, asked: str | None = None
) -> WorkspaceCreation:
    """Creates workspace `slug` embedding with `model` (the model id `asked` names, or the configured
    one). An existing workspace is left as it is; when a model was asked for that it does not embed
    with, that is refused with the command that changes it on purpose."""
    slug = check_workspace_slug(slug)
    created = store.create_workspace(slug, model)
    owned = store.workspace(slug).embedding_model
    if not created and asked is not None and owned != model:
        raise InvalidInput(
            f"workspace {slug!r} exists and embeds with {owned or 'no model yet'}; to change its model "
            f"(every document is re-embedded): `drive-tagger workspaces set-model {slug} {asked}`"
        )
    return WorkspaceCreation(slug, created, owned)
