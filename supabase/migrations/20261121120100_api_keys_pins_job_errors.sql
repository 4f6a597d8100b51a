-- API keys (stored hashed), filter names pinned by a person, and the errors of job attempts.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

create table api_keys (
    id bigint generated always as identity primary key,
    -- sha256 hex of the token; the token itself is printed once and never stored.
    token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
    -- The one workspace a key reads and writes; null only for an admin key.
    workspace_id bigint references workspaces (id) on delete cascade,
    is_admin boolean not null default false,
    created_at timestamptz not null default now(),
    check (is_admin or workspace_id is not null)
);

-- A rename pinned by a person: shown instead of the computed name while the category lives.
-- (Keeping a pin across refreshes is the refresh's business.)
create table category_pins (
    workspace_id bigint not null references workspaces (id) on delete cascade,
    category_id integer not null,
    name text not null check (length(btrim(name)) between 1 and 200),
    pinned_at timestamptz not null default now(),
    primary key (workspace_id, category_id)
);

-- procrastinate keeps a job's status but not why an attempt failed; we keep that here.
create table job_errors (
    job_id bigint not null references procrastinate_jobs (id) on delete cascade,
    attempt integer not null,
    error text not null,
    at timestamptz not null default now(),
    primary key (job_id, attempt)
);
