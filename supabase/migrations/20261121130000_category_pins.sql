-- Filter names pinned by a user: a rename survives every later refresh that keeps the filter's id.
-- Readers show the pinned name (and named_by 'user') over the name a refresh gave.
create table category_pins (
    workspace_id bigint not null references workspaces (id) on delete cascade,
    category_id integer not null,
    name text not null check (length(btrim(name)) between 1 and 80),
    pinned_at timestamptz not null default now(),
    primary key (workspace_id, category_id)
);
