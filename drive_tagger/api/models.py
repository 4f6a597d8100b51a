"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

MAX_DOCUMENTS_PER_REQUEST = 1000
MAX_TEXT_CHARS = 1_000_000


class EmbedRequest(BaseModel):
    input: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="Text to embed.")


class EmbedResponse(BaseModel):
    embedding: list[float] = Field(
        description="Mean-pooled, L2-normalized; as many dimensions as the configured model makes."
    )


class WorkspaceCreate(BaseModel):
    workspace: str = Field(min_length=1, max_length=63, description="Slug: lowercase letters, digits, . _ -")


class WorkspaceCreated(BaseModel):
    workspace: str
    created: bool


class DocumentIn(BaseModel):
    id: str = Field(min_length=1, max_length=1000, description="Your id for the document; updates replace it.")
    title: str = Field(default="", max_length=10_000)
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)

    @field_validator("id", "title", "text")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("NUL characters are not allowed in text")
        return value


class DocumentsIn(BaseModel):
    documents: list[DocumentIn] = Field(min_length=1, max_length=MAX_DOCUMENTS_PER_REQUEST)


class DocumentsAccepted(BaseModel):
    read: int
    inserted: int
    changed: int
    job_id: int = Field(description="The embed_pending job; a refresh follows it.")


class JobQueued(BaseModel):
    job_id: int
    queued: bool = Field(description="False when an equal job was already waiting and is reused.")


class JobOut(BaseModel):
    id: int
    task_name: str
    workspace: str | None
    status: str
    attempts: int
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


class FilterOut(BaseModel):
    category_id: int
    parent_category_id: int | None
    name: str
    description: str
    keywords: list[str]
    size: int
    documents: int
    named_by: str


class FiltersOut(BaseModel):
    workspace: str
    filters: list[FilterOut]


class FilterDocumentOut(BaseModel):
    document_id: int
    external_id: str
    title: str
    score: float
    rank: int


class FilterPage(BaseModel):
    filter: FilterOut
    limit: int
    offset: int
    documents: list[FilterDocumentOut]


class FilterRename(BaseModel):
    name: str | None = Field(default=None, max_length=200, description="New name; omit to pin the current one.")
    pinned: bool = Field(default=True, description="False drops the pin and shows the computed name again.")


class TagOut(BaseModel):
    category_id: int
    parent_category_id: int | None
    name: str
    score: float
    rank: int


class DocumentTagsOut(BaseModel):
    id: str
    title: str
    tags: list[TagOut]


class ErrorOut(BaseModel):
    detail: str | list
    error: str
