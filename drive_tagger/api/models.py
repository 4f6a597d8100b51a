"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, field_validator

from drive_tagger.core.filter_names import MAX_FILTER_NAME_CHARS, normal_filter_name
from drive_tagger.core.inputs import MAX_BODY_CHARS, MAX_ID_BYTES, MAX_TITLE_CHARS, id_problem, text_problem
from drive_tagger.services.query import MAX_PAGE

MAX_DOCUMENTS_PER_REQUEST = 1000
MAX_BIGINT = 2**63 - 1  # ids and offsets beyond Postgres' bigint are answered 422, not 500
MAX_INTEGER = 2**31 - 1  # filter ids and page offsets beyond Postgres' integer: 422, not 500

# Path and query parameters, each described once (the OpenAPI schema and the docs read these).
FilterIdPath = Annotated[int, Path(ge=0, le=MAX_INTEGER, description="The filter's id, stable across refreshes.")]
JobIdPath = Annotated[int, Path(ge=1, le=MAX_BIGINT, description="The job's id, as the request queueing it answered.")]
CorrectionIdPath = Annotated[
    int, Path(ge=1, le=MAX_BIGINT, description="The correction's id, as `GET .../corrections` lists it.")
]
DocumentIdPath = Annotated[
    str, Path(description="Your id of the document (a file's path in its folder; it may contain slashes).")
]
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Documents per page.")]
PageOffset = Annotated[int, Query(ge=0, le=MAX_BIGINT, description="Documents to skip.")]


def _usable_id(value: str) -> str:
    if problem := id_problem(value):
        raise ValueError(problem)
    return value


# A document id as every body names one: what could not be stored (NUL, half a surrogate pair,
# past MAX_ID_BYTES, see core/inputs.py) is refused with 422 before it reaches the database.
DocumentId = Annotated[str, AfterValidator(_usable_id)]
# Documents named by id: each id checked, and a repeated id kept once (where it first appears),
# so that a correction counts each document once.
DocumentIds = Annotated[
    list[DocumentId],
    Field(min_length=1, max_length=MAX_DOCUMENTS_PER_REQUEST),
    AfterValidator(lambda ids: list(dict.fromkeys(ids))),
]


def _normal_filter_name(value: object) -> object:
    return normal_filter_name(value) if isinstance(value, str) else value


# A filter name a person gives, measured as it will be stored (core/filter_names.py); the database
# applies the rest of the rules, and the API answers 422 with its words.
FilterName = Annotated[
    str,
    BeforeValidator(_normal_filter_name),
    Field(
        min_length=1,
        max_length=MAX_FILTER_NAME_CHARS,
        description=f"One line of at most {MAX_FILTER_NAME_CHARS} characters, unique in the workspace.",
    ),
]


class EmbedRequest(BaseModel):
    input: str = Field(min_length=1, description=f"Text to embed; past {MAX_BODY_CHARS:,} characters it is cut.")

    @field_validator("input")
    @classmethod
    def _has_text(cls, value: str) -> str:
        if problem := text_problem(value):
            raise ValueError(problem)
        return value


class EmbedResponse(BaseModel):
    embedding: list[float] = Field(
        description="Mean-pooled, L2-normalized; as many dimensions as the configured model makes."
    )
    model: str = Field(
        description="The model the vector is of (also the X-Embedding-Model header): compare it only with "
        "vectors of that model, such as those of a workspace that embeds with it."
    )


class WorkspaceCreate(BaseModel):
    workspace: str = Field(min_length=1, max_length=63, description="Slug: lowercase letters, digits, . _ -")
    model: str | None = Field(
        default=None,
        max_length=200,
        description="The embedding model the workspace owns, as DRIVE_TAGGER_EMBEDDER names one "
        "(openai:text-embedding-3-small) or as it is stored (openai/text-embedding-3-small); "
        "default: the server's DRIVE_TAGGER_EMBEDDER.",
    )


class WorkspaceCreated(BaseModel):
    workspace: str = Field(description="The workspace's slug.")
    created: bool = Field(description="False when it existed already (nothing changed).")
    model: str | None = Field(
        description="The embedding model the workspace owns (null: the model of its first embedding)."
    )


class WorkspaceOut(BaseModel):
    workspace: str = Field(description="The workspace's slug.")


class WorkspacesOut(BaseModel):
    workspaces: list[WorkspaceOut] = Field(description="The key's own workspace, or every one for an admin key.")


class DocumentIn(BaseModel):
    id: DocumentId = Field(
        min_length=1,
        description=f"Your id for the document (at most {MAX_ID_BYTES:,} UTF-8 bytes); updates replace it.",
    )
    title: str = Field(default="", description=f"Kept on one line, up to {MAX_TITLE_CHARS:,} characters.")
    text: str = Field(min_length=1, description=f"Kept up to {MAX_BODY_CHARS:,} characters; the rest is cut.")

    @field_validator("text")
    @classmethod
    def _has_text(cls, value: str) -> str:
        if problem := text_problem(value):
            raise ValueError(problem)
        return value


class DocumentsIn(BaseModel):
    documents: list[DocumentIn] = Field(
        min_length=1, max_length=MAX_DOCUMENTS_PER_REQUEST, description="Up to 1,000 documents, stored all or none."
    )


class DocumentsAccepted(BaseModel):
    read: int = Field(description="Documents in the request.")
    inserted: int = Field(description="Documents that were new to the workspace.")
    changed: int = Field(description="Documents whose title or text changed (their text is embedded again).")
    cut: int = Field(description=f"Documents longer than {MAX_BODY_CHARS:,} characters, kept up to that.")
    job_id: int = Field(description="The embed_pending job; a refresh follows it.")


class JobQueued(BaseModel):
    job_id: int = Field(description="The job's id, for `GET .../jobs/{job_id}`.")
    queued: bool = Field(description="False when an equal job was already waiting and is reused.")


class JobOut(BaseModel):
    id: int = Field(description="The job's id.")
    task_name: str = Field(description="embed_pending, refresh or sync.")
    workspace: str | None = Field(description="The workspace it works on.")
    status: str = Field(description="todo, doing, succeeded, failed, cancelled or aborted.")
    attempts: int = Field(description="Attempts made so far (a failed attempt for an outside reason is retried).")
    queued_at: datetime | None = Field(description="When it was queued.")
    started_at: datetime | None = Field(description="When its latest attempt started.")
    finished_at: datetime | None = Field(description="When it finished.")
    error: str | None = Field(description="The last attempt's error, if it failed.")
    stage: str | None = Field(
        default=None,
        description="While it runs, the stage it is in: embedding, further_windows, loading, clustering, "
        "assigning, keywords, naming or writing.",
    )
    done: int | None = Field(default=None, description="While it runs, how many of `total` its stage has done.")
    total: int | None = Field(default=None, description="While it runs, how many its stage counts (documents).")


class JobsOut(BaseModel):
    jobs: list[JobOut] = Field(description="The workspace's latest jobs, newest first.")


class FilterOut(BaseModel):
    category_id: int = Field(description="The filter's id, stable across refreshes.")
    parent_category_id: int | None = Field(description="The filter it is a sub-filter of; null at the top level.")
    name: str = Field(description="The name shown: a person's pinned name, else the computed one.")
    description: str = Field(description="One sentence on what it holds.")
    keywords: list[str] = Field(description="Its top keyphrases, best first.")
    size: int = Field(description="Documents the refresh placed in it.")
    documents: int = Field(description="The documents it tags, as their first or second choice.")
    named_by: str = Field(description="user (a pinned name), offline or llm.")
    first_documents: int = Field(description="Of those, the documents whose first choice it is.")
    second_documents: int = Field(description="Of those, the documents that carry it as a second choice.")


class FiltersOut(BaseModel):
    workspace: str = Field(description="The workspace's slug.")
    filters: list[FilterOut] = Field(description="The active filters, top-level and sub-filters, largest first.")


class FilterDocumentOut(BaseModel):
    document_id: int = Field(description="The document's internal id.")
    external_id: str = Field(description="Your id of the document.")
    title: str = Field(description="Its title.")
    score: float = Field(description="Cosine similarity to the filter's centre.")
    rank: int = Field(description="1: the filter is its first choice; 2: its second.")


class FilterPage(BaseModel):
    filter: FilterOut = Field(description="The filter.")
    limit: int = Field(description="Documents per page, as asked.")
    offset: int = Field(description="Documents skipped, as asked.")
    documents: list[FilterDocumentOut] = Field(
        description="Its first-choice documents, then its second-choice ones, each best first."
    )


class UntaggedDocumentOut(BaseModel):
    external_id: str = Field(description="Your id of the document.")
    title: str = Field(description="Its title.")


class UntaggedPage(BaseModel):
    untagged: int = Field(description="How many documents no filter holds.")
    limit: int = Field(description="Documents per page, as asked.")
    offset: int = Field(description="Documents skipped, as asked.")
    documents: list[UntaggedDocumentOut] = Field(description="A page of them, by id.")


class FilterRename(BaseModel):
    name: FilterName | None = Field(default=None, description="New name; omit to pin the current one.")
    pinned: bool = Field(default=True, description="False drops the pin and shows the computed name again.")


class TagOut(BaseModel):
    category_id: int = Field(description="The filter's id.")
    parent_category_id: int | None = Field(description="The filter it is a sub-filter of; null at the top level.")
    name: str = Field(description="The filter's name as shown.")
    score: float = Field(description="Cosine similarity to the filter's centre.")
    rank: int = Field(description="1: its first choice; 2: a close second.")


class DocumentTagsOut(BaseModel):
    id: str = Field(description="Your id of the document.")
    title: str = Field(description="Its title.")
    tags: list[TagOut] = Field(description="Its filters, best first.")


class ErrorOut(BaseModel):
    detail: str | list = Field(description="What is wrong, or the list of invalid fields.")
    error: str = Field(description="The error's kind, e.g. UnknownFilter.")


class MoveIn(BaseModel):
    documents: DocumentIds = Field(description="Ids of the documents to move; a repeated id counts once.")
    filter: int | None = Field(ge=0, le=MAX_INTEGER, description="The filter to place them in; null: out of every one.")


class MergeIn(BaseModel):
    keep: int = Field(ge=0, le=MAX_INTEGER, description="The filter that stays.")
    absorb: int = Field(ge=0, le=MAX_INTEGER, description="The filter merged into it.")


class FilterCreate(BaseModel):
    name: FilterName
    documents: DocumentIds = Field(
        description="Ids of documents that belong in it (a repeated id counts once); documents like them join it."
    )


class CorrectionMade(BaseModel):
    correction: int = Field(description="The correction's id (`GET .../corrections`, and its undo).")
    job_id: int | None = Field(description="The refresh that applies it (none for a move, which shows at once).")


class DocumentsDeleted(BaseModel):
    deleted: list[str] = Field(description="Your ids of the documents deleted.")
