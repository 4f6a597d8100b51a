-- Core schema of drive_tagger: workspaces, documents, content-addressed embeddings,
-- refresh runs, and the categories (filters) and assignments each refresh produces.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

-- Supabase keeps extensions in their own schema; on plain Postgres we create it.
-- If pgvector is already installed elsewhere (e.g. public), this is a no-op.
create schema if not exists extensions;
create extension if not exists vector with schema extensions;

create table workspaces (
    id bigint generated always as identity primary key,
    slug text not null unique
        check (slug ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    -- The embedding model whose vectors this workspace is clustered on; a workspace
    -- never mixes two models, so switching model re-embeds every document.
    embedding_model text,
    -- The refresh whose categories readers see; flipped in the refresh's last transaction.
    active_refresh_id bigint,
    -- Category ids are stable per workspace; new categories take the next one.
    next_category_id integer not null default 1,
    created_at timestamptz not null default now()
);

create table documents (
    id bigint generated always as identity primary key,
    workspace_id bigint not null references workspaces (id) on delete cascade,
    external_id text not null,
    title text not null default '',
    body text not null,
    -- sha256 of the text the embedder sees (title and body); decides what needs embedding.
    content_hash text not null check (content_hash ~ '^[0-9a-f]{64}$'),
    source text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, external_id)
);
create index documents_workspace_hash_idx on documents (workspace_id, content_hash);

-- Vectors are keyed by (model, content hash), not by document: a text is embedded once
-- however many documents carry it, and unchanged text is never embedded again, even after
-- its workspace is dropped and re-created. A document's vector is the row whose
-- content_hash equals the document's.
create table embeddings (
    model text not null,
    content_hash text not null check (content_hash ~ '^[0-9a-f]{64}$'),
    embedding extensions.vector(384) not null,
    created_at timestamptz not null default now(),
    primary key (model, content_hash)
);
create index embeddings_embedding_hnsw_idx
    on embeddings using hnsw (embedding extensions.vector_cosine_ops);

create type refresh_status as enum (
    'running',    -- started, its categories not yet visible
    'succeeded',  -- its categories became the workspace's active filters
    'failed'      -- stopped with an error; the previous filters stayed active
);

create table refresh_runs (
    id bigint generated always as identity primary key,
    workspace_id bigint not null references workspaces (id) on delete cascade,
    status refresh_status not null default 'running',
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    documents integer,
    categories integer,
    untagged integer,
    -- seconds per stage (load, cluster, keywords, naming, write)
    seconds jsonb not null default '{}'::jsonb,
    parameters jsonb not null default '{}'::jsonb,
    error text
);
create index refresh_runs_workspace_idx on refresh_runs (workspace_id, id desc);

alter table workspaces
    add constraint workspaces_active_refresh_fk
    foreign key (active_refresh_id) references refresh_runs (id) on delete set null;

create table categories (
    refresh_id bigint not null references refresh_runs (id) on delete cascade,
    workspace_id bigint not null references workspaces (id) on delete cascade,
    -- stable within the workspace across refreshes
    category_id integer not null,
    -- null for a top-level filter, else the top-level filter this sub-filter sits in
    parent_category_id integer,
    name text not null,
    description text not null default '',
    keywords text[] not null default '{}',
    size integer not null check (size >= 0),
    centroid extensions.vector(384) not null,
    -- how the name was made: offline, llm, or user (a pinned rename)
    named_by text not null default 'offline',
    primary key (refresh_id, category_id)
);
create index categories_workspace_idx on categories (workspace_id, refresh_id);

create table document_categories (
    refresh_id bigint not null references refresh_runs (id) on delete cascade,
    document_id bigint not null references documents (id) on delete cascade,
    category_id integer not null,
    -- cosine similarity of the document to the category centroid
    score real not null,
    -- 1 for the document's best category, 2.. for further ones
    rank smallint not null default 1 check (rank >= 1),
    primary key (refresh_id, document_id, category_id),
    foreign key (refresh_id, category_id)
        references categories (refresh_id, category_id) on delete cascade
);
create index document_categories_category_idx
    on document_categories (refresh_id, category_id, score desc);
create index document_categories_document_idx on document_categories (document_id);
