-- Access for Supabase apps: workspace membership, Row Level Security keyed by the JWT's `sub`,
-- and SQL functions to call with supabase-py `client.rpc(...)`. Works on plain Postgres too:
-- the `anon` and `authenticated` roles Supabase provides are created when missing.
-- Our own backend (CLI, API, workers) connects as the tables' owner and is not subject to RLS.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'anon') then
        create role anon nologin noinherit;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'authenticated') then
        create role authenticated nologin noinherit;
    end if;
exception
    when duplicate_object or unique_violation then null;  -- created concurrently (roles are per cluster)
end
$$;

-- A Supabase auth user (auth.users.id, the JWT's `sub`) belongs to workspaces through this table.
create table workspace_members (
    workspace_id bigint not null references workspaces (id) on delete cascade,
    user_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (workspace_id, user_id)
);
create index workspace_members_user_idx on workspace_members (user_id);

-- The caller's user id from PostgREST's request.jwt.claims; null when there is none.
create function request_user_id() returns uuid
    language sql stable
    set search_path = drive_tagger
as $$
    select nullif(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', '')::uuid
$$;

-- The workspaces the caller belongs to. Security definer so policies can read the membership
-- table without recursing through its own policy.
create function member_workspace_ids() returns setof bigint
    language sql stable security definer
    set search_path = drive_tagger
as $$
    select workspace_id from workspace_members where user_id = request_user_id()
$$;

alter table workspaces enable row level security;
alter table documents enable row level security;
alter table embeddings enable row level security;
alter table refresh_runs enable row level security;
alter table categories enable row level security;
alter table document_categories enable row level security;
alter table category_pins enable row level security;
alter table workspace_members enable row level security;
-- Backend-only tables: RLS on and no policy, so no API role reads them.
alter table api_keys enable row level security;
alter table job_errors enable row level security;
alter table procrastinate_jobs enable row level security;
alter table procrastinate_events enable row level security;
alter table procrastinate_workers enable row level security;
alter table procrastinate_periodic_defers enable row level security;

create policy members_read_workspaces on workspaces for select to authenticated
    using (id in (select member_workspace_ids()));
create policy members_read_documents on documents for select to authenticated
    using (workspace_id in (select member_workspace_ids()));
-- Vectors are keyed by (model, content hash): a member sees the vector of a text only if a
-- document of one of their workspaces carries that text.
create policy members_read_embeddings on embeddings for select to authenticated
    using (exists (
        select 1 from documents d
        where d.content_hash = embeddings.content_hash
          and d.workspace_id in (select member_workspace_ids())));
create policy members_read_refresh_runs on refresh_runs for select to authenticated
    using (workspace_id in (select member_workspace_ids()));
create policy members_read_categories on categories for select to authenticated
    using (workspace_id in (select member_workspace_ids()));
create policy members_read_document_categories on document_categories for select to authenticated
    using (exists (
        select 1 from documents d
        where d.id = document_categories.document_id
          and d.workspace_id in (select member_workspace_ids())));
create policy members_manage_pins on category_pins for all to authenticated
    using (workspace_id in (select member_workspace_ids()))
    with check (workspace_id in (select member_workspace_ids()));
create policy members_read_own_memberships on workspace_members for select to authenticated
    using (user_id = request_user_id());

grant usage on schema drive_tagger to anon, authenticated;
grant usage on schema extensions to anon, authenticated;
grant select on workspaces, documents, embeddings, refresh_runs, categories, document_categories,
    workspace_members to authenticated;
grant select, insert, update, delete on category_pins to authenticated;
revoke all on api_keys, job_errors, procrastinate_jobs, procrastinate_events, procrastinate_workers,
    procrastinate_periodic_defers from anon, authenticated;

-- Functions run as the caller (security invoker), so the policies above decide what they see.

-- The workspace's active filters with document counts; a pinned name replaces the computed one.
create function category_filters(workspace text)
returns table (category_id integer, parent_category_id integer, name text, description text,
               keywords text[], size integer, documents bigint, named_by text, pinned boolean)
    language sql stable
    set search_path = drive_tagger, extensions
as $$
    select c.category_id, c.parent_category_id, coalesce(p.name, c.name), c.description,
           c.keywords, c.size,
           (select count(*) from document_categories dc
            where dc.refresh_id = c.refresh_id and dc.category_id = c.category_id),
           case when p.name is null then c.named_by else 'user' end,
           p.name is not null
    from workspaces w
    join categories c on c.refresh_id = w.active_refresh_id
    left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
    where w.slug = category_filters.workspace
    order by c.parent_category_id nulls first, c.size desc, c.category_id
$$;

-- One page of a filter's documents, best match first.
create function filter_documents(workspace text, category integer, "limit" integer default 50,
                                 "offset" integer default 0)
returns table (document_id bigint, external_id text, title text, score real, rank smallint)
    language sql stable
    set search_path = drive_tagger, extensions
as $$
    select d.id, d.external_id, d.title, dc.score, dc.rank
    from workspaces w
    join document_categories dc on dc.refresh_id = w.active_refresh_id
    join documents d on d.id = dc.document_id
    where w.slug = filter_documents.workspace and dc.category_id = filter_documents.category
    order by dc.score desc, d.id
    limit least(greatest(filter_documents."limit", 0), 1000)
    offset greatest(filter_documents."offset", 0)
$$;

-- A document's filters (by the document's id), best first.
create function document_tags(document bigint)
returns table (category_id integer, parent_category_id integer, name text, score real, rank smallint)
    language sql stable
    set search_path = drive_tagger, extensions
as $$
    select c.category_id, c.parent_category_id, coalesce(p.name, c.name), dc.score, dc.rank
    from documents d
    join workspaces w on w.id = d.workspace_id
    join document_categories dc on dc.refresh_id = w.active_refresh_id and dc.document_id = d.id
    join categories c on c.refresh_id = dc.refresh_id and c.category_id = dc.category_id
    left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
    where d.id = document_tags.document
    order by c.parent_category_id nulls first, dc.rank, dc.score desc
$$;

-- The usual Supabase vector search: the workspace's documents nearest to a query embedding
-- (cosine), using the vectors of the workspace's model.
create function match_documents(query_embedding extensions.vector(384), workspace text,
                                match_count integer default 10)
returns table (id bigint, external_id text, title text, similarity double precision)
    language sql stable
    set search_path = drive_tagger, extensions
as $$
    select d.id, d.external_id, d.title, 1 - (e.embedding <=> match_documents.query_embedding)
    from workspaces w
    join documents d on d.workspace_id = w.id
    join embeddings e on e.model = w.embedding_model and e.content_hash = d.content_hash
    where w.slug = match_documents.workspace
    order by e.embedding <=> match_documents.query_embedding, d.id
    limit least(greatest(match_documents.match_count, 0), 200)
$$;

grant execute on function category_filters(text), filter_documents(text, integer, integer, integer),
    document_tags(bigint), match_documents(extensions.vector, text, integer),
    request_user_id(), member_workspace_ids() to authenticated;
