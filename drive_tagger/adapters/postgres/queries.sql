-- Every query drive_tagger runs, each under a `-- name --` header; loaded once by sql.py.

-- migrations_table_exists --
-- Null until the first `db migrate`.
select to_regclass('supabase_migrations.schema_migrations');

-- create_migrations_table --
-- The same table the Supabase CLI keeps, so `supabase db push` and we agree on what ran.
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
alter table supabase_migrations.schema_migrations add column if not exists statements text[];
alter table supabase_migrations.schema_migrations add column if not exists name text;

-- applied_migration_versions --
select version from supabase_migrations.schema_migrations order by version;

-- record_migration --
insert into supabase_migrations.schema_migrations (version, name, statements) values (%s, %s, %s);

-- lock_migrations --
select pg_advisory_lock(hashtext('drive_tagger.migrate'));

-- unlock_migrations --
select pg_advisory_unlock(hashtext('drive_tagger.migrate'));

-- get_workspace --
select id, slug, embedding_model, active_refresh_id, next_category_id
from workspaces where slug = %(slug)s;

-- lock_workspace --
-- Serialises refresh commits, model switches, arrivals' links and deletions of one workspace.
select id, slug, embedding_model, active_refresh_id, next_category_id
from workspaces where id = %(workspace_id)s for update;

-- list_workspaces --
select w.slug, count(d.id) as documents, w.embedding_model, w.active_refresh_id
from workspaces w left join documents d on d.workspace_id = w.id
group by w.id order by w.slug;

-- set_workspace_model --
update workspaces set embedding_model = %(model)s where id = %(workspace_id)s;

-- forget_document_vector_models --
-- After a model switch every document waits for a vector of the new model (most find it stored).
update documents set vector_model = null
where workspace_id = %(workspace_id)s and vector_model is distinct from %(model)s and vector_model is not null;

-- drop_workspace_links --
-- Every links partition of the workspace's refreshes (before the workspace itself goes).
select drop_links_partitions(%(workspace_id)s, '{}'::bigint[]);

-- delete_workspace --
-- Its documents, filters, corrections, keys and sync state go with it (on delete cascade);
-- returns the hashes of the texts its documents carried, so the vectors no one else carries go too.
with texts as (select distinct content_hash from documents where workspace_id = %(workspace_id)s),
     gone as (delete from workspaces where id = %(workspace_id)s returning id)
select content_hash from texts where exists (select 1 from gone);

-- create_document_stage --
-- Rows to upsert, filled by COPY (in several batches when a request is large) and emptied by
-- the upsert; it lives as long as the connection, and its rows until the end of the transaction.
create temporary table if not exists document_stage (
    seq bigint generated always as identity,
    external_id text, title text, body text, content_hash text, source text, form text
) on commit delete rows;

-- copy_document_stage --
copy document_stage (external_id, title, body, content_hash, source, form) from stdin with (format binary);

-- upsert_documents --
-- Inserts new documents and updates changed ones; unchanged rows are left alone. The last row
-- given for an id wins. Rows are written in id order, so concurrent writers of overlapping ids
-- lock them in the same order and never deadlock. Returns one row per inserted or changed document.
-- A text that has a vector of the workspace's model already is stored as having it. {rows} is
-- staged_document_rows or given_document_rows.
insert into documents as d (workspace_id, external_id, title, body, content_hash, source, form, vector_model)
select %(workspace_id)s, s.external_id, s.title, s.body, s.content_hash, s.source, s.form,
       (select w.embedding_model from workspaces w
        where w.id = %(workspace_id)s
          and exists (select 1 from embeddings e where e.model = w.embedding_model and e.content_hash = s.content_hash))
from (select distinct on (external_id) * from ({rows}) r order by external_id, seq desc) s
order by s.external_id
on conflict (workspace_id, external_id) do update
    set title = excluded.title,
        body = excluded.body,
        content_hash = excluded.content_hash,
        source = excluded.source,
        form = excluded.form,
        embed_error = null,
        vector_model = excluded.vector_model,
        updated_at = now()
    where d.content_hash <> excluded.content_hash
returning d.id, (xmax = 0) as inserted;

-- staged_document_rows --
-- The rows COPY put in document_stage (a large batch).
select external_id, title, body, content_hash, source, form, seq from document_stage

-- given_document_rows --
-- The rows given as arrays (a small batch: one statement, no staging).
select * from unnest(%(external_ids)s::text[], %(titles)s::text[], %(bodies)s::text[], %(hashes)s::text[],
                     %(sources)s::text[], %(forms)s::text[])
    with ordinality as u (external_id, title, body, content_hash, source, form, seq)

-- empty_document_stage --
-- A delete, not a truncate: a truncate makes the table anew (catalog work that an ingest of one
-- document paid on every call).
delete from document_stage;

-- mark_documents_with_vectors --
-- Documents waiting for a vector whose text has one already (embedded for another workspace, or
-- stored before this workspace chose the model) wait no longer.
update documents d set vector_model = %(model)s
where d.workspace_id = %(workspace_id)s and d.vector_model is null
  and exists (select 1 from embeddings e where e.model = %(model)s and e.content_hash = d.content_hash);

-- hashes_missing_vectors --
-- Distinct texts of the workspace that have no vector for the model yet (a text the embedder
-- refused waits until it changes): the documents still waiting, by documents_pending_vector_idx.
select distinct d.content_hash
from documents d
where d.workspace_id = %(workspace_id)s and d.vector_model is null and d.embed_error is null
order by d.content_hash;

-- mark_stored_vectors --
-- Documents of the workspaces using the model whose texts just got their vectors.
update documents d set vector_model = %(model)s
from workspaces w
where d.content_hash = any(%(hashes)s::text[]) and d.vector_model is null
  and w.id = d.workspace_id and w.embedding_model = %(model)s;

-- texts_by_hash --
-- The text behind each hash, cut to max_chars so a huge document never leaves the database whole.
select distinct on (content_hash) content_hash, title, left(body, %(max_chars)s) as body, external_id
from documents
where workspace_id = %(workspace_id)s and content_hash = any(%(hashes)s::text[])
order by content_hash, id;

-- external_ids_by_hash --
select external_id from documents
where workspace_id = %(workspace_id)s and content_hash = any(%(hashes)s::text[])
order by external_id;

-- count_documents_missing_vectors --
select count(*) from documents d
where d.workspace_id = %(workspace_id)s
  and not exists (
      select 1 from embeddings e where e.model = %(model)s and e.content_hash = d.content_hash);

-- create_embedding_stage --
create temporary table if not exists embedding_stage (
    content_hash text, embedding vector, further_windows boolean not null default false) on commit delete rows;

-- mark_staged_further_windows --
-- Staged vectors that are their text's first window's only (the rest come later).
update embedding_stage set further_windows = true where content_hash = any(%(hashes)s::text[]);

-- copy_embedding_stage --
copy embedding_stage (content_hash, embedding) from stdin with (format binary);

-- insert_embeddings --
-- Vectors not stored yet, in hash order; {rows} is staged_embedding_rows or given_embedding_rows.
insert into embeddings (model, content_hash, embedding, further_windows)
select %(model)s, content_hash, embedding, further_windows from ({rows}) r
order by content_hash
on conflict (model, content_hash) do nothing;

-- staged_embedding_rows --
select content_hash, embedding, further_windows from embedding_stage

-- given_embedding_rows --
select * from unnest(%(hashes)s::text[], %(vectors)s::vector[], %(further)s::boolean[])
    as u (content_hash, embedding, further_windows)

-- complete_staged_embeddings --
-- Whole vectors replace first windows' ones (a vector already whole is left as it is).
update embeddings e set embedding = s.embedding, further_windows = false
from embedding_stage s
where e.model = %(model)s and e.content_hash = s.content_hash and e.further_windows;

-- hashes_with_further_windows --
-- Texts of the workspace whose stored vector is still their first window's only.
select distinct e.content_hash
from embeddings e
join documents d on d.content_hash = e.content_hash and d.workspace_id = %(workspace_id)s
where e.model = %(model)s and e.further_windows
order by e.content_hash;

-- copy_vectors_by_hash --
copy (
    select content_hash, embedding from embeddings
    where model = %(model)s and content_hash = any(%(hashes)s::text[])
) to stdout with (format binary);

-- register_model --
-- A model's dimensions, recorded with its first vectors; returns the dimensions on record.
with registered as (
    insert into embedding_models (model, dimensions) values (%(model)s, %(dimensions)s)
    on conflict (model) do nothing
    returning dimensions)
select dimensions from registered
union all
select dimensions from embedding_models where model = %(model)s;

-- ensure_model_index --
select ensure_model_index(%(model)s);

-- empty_embedding_stage --
delete from embedding_stage;

-- record_embed_errors --
-- Documents whose text the embedder refused (the hash is what failed).
update documents set embed_error = %(error)s
where workspace_id = %(workspace_id)s and content_hash = any(%(hashes)s::text[]);

-- advisory_lock --
-- Session locks on (kind, workspace): one embedding pass and one refresh per workspace at a time.
select pg_advisory_lock(%(kind)s::int4, %(key)s::int4);

-- advisory_try_lock --
select pg_try_advisory_lock(%(kind)s::int4, %(key)s::int4);

-- advisory_unlock --
select pg_advisory_unlock(%(kind)s::int4, %(key)s::int4);

-- mark_abandoned_runs --
-- Runs still 'running' whose workspace's refresh lock no other session holds: their process ended
-- (killed, or its connection lost) before they finished. (A refresh calls this under its own lock.)
update refresh_runs r
set status = 'abandoned', finished_at = now(),
    error = 'the refresh stopped before it finished (its process was killed or lost the database)'
where r.workspace_id = %(workspace_id)s and r.status = 'running'
  and not exists (
      select 1 from pg_locks l
      where l.locktype = 'advisory' and l.granted and l.objsubid = 2 and l.pid <> pg_backend_pid()
        and l.classid = %(kind)s::int4::oid and l.objid = %(key)s::int4::oid);

-- running_refresh --
select id, status, started_at, finished_at, documents, categories, untagged, seconds, changes, error
from refresh_runs
where workspace_id = %(workspace_id)s and status = 'running' order by id desc limit 1;

-- workspace_document_ids --
-- The workspace's document ids in order, as one bytea of big-endian int8s (8 MB for a million).
select string_agg(int8send(id), ''::bytea order by id) from documents where workspace_id = %(workspace_id)s;

-- workspace_vector_rows --
-- Each document with a vector for the model as one bytea row: int8send(id) || vector_send(vector),
-- in no particular order (the reader places rows by id). The workspace's (id, hash) pairs are
-- hashed and the embeddings read in one sequential scan: probing the embeddings' index a
-- million times took three times as long.
with wanted as materialized (
    select id, content_hash from documents where workspace_id = %(workspace_id)s)
select int8send(w.id) || extensions.vector_send(e.embedding)
from embeddings e join wanted w on w.content_hash = e.content_hash
where e.model = %(model)s;

-- hash_join_memory --
-- Room to hash a million (id, hash) pairs in memory, for this transaction only.
select set_config('work_mem', '256MB', true);

-- document_texts --
-- Titles and the head of each body, for keyword extraction.
select id, title, left(body, %(max_chars)s) from documents
where id = any(%(document_ids)s::bigint[]) order by id;

-- documents_without_form --
-- A batch of the workspace's documents stored before forms were read at ingest, with the head
-- of each body (core/forms.py reads no further).
select id, left(body, %(max_chars)s) from documents
where workspace_id = %(workspace_id)s and form is null
order by id limit %(limit)s;

-- store_forms --
-- Only where the form is still unread: an ingest may have stored a new body (and its form) since.
update documents d set form = u.form
from unnest(%(document_ids)s::bigint[], %(forms)s::text[]) as u (id, form)
where d.id = u.id and d.form is null;

-- workspace_forms --
-- The workspace's documents that have a form (most have none), in id order.
select id, form from documents where workspace_id = %(workspace_id)s and form <> '' order by id;

-- forms_of_documents --
select id, form from documents where id = any(%(document_ids)s::bigint[]) and form <> '';

-- start_refresh_run --
insert into refresh_runs (workspace_id, parameters) values (%(workspace_id)s, %(parameters)s)
returning id;

-- finish_refresh_run --
update refresh_runs
set status = 'succeeded', finished_at = now(), documents = %(documents)s,
    categories = %(categories)s, untagged = %(untagged)s, seconds = %(seconds)s,
    changes = %(changes)s
where id = %(refresh_id)s;

-- fail_refresh_run --
update refresh_runs set status = 'failed', finished_at = now(), error = %(error)s
where id = %(refresh_id)s;

-- refresh_runs --
select id, status, started_at, finished_at, documents, categories, untagged, seconds, changes, error
from refresh_runs where workspace_id = %(workspace_id)s order by id desc limit %(limit)s;

-- insert_categories --
-- `documents` is the number of links the refresh writes to the category, `first_documents` of
-- those the documents' first choice (rank 1).
insert into categories (refresh_id, workspace_id, category_id, parent_category_id, name,
                        description, keywords, size, centroid, named_by, fence, form, documents,
                        first_documents)
values (%(refresh_id)s, %(workspace_id)s, %(category_id)s, %(parent_category_id)s, %(name)s,
        %(description)s, %(keywords)s, %(size)s, %(centroid)s, %(named_by)s, %(fence)s, %(form)s,
        %(documents)s, %(first_documents)s);

-- new_links_partition --
select new_links_partition(%(refresh_id)s);

-- copy_links_partition --
copy {partition} (refresh_id, document_id, category_id, score, rank) from stdin with (format binary);

-- attach_links_partition --
select attach_links_partition(%(refresh_id)s);

-- activate_refresh --
-- Also starts counting arrivals afresh: the new filters were fitted on every document.
update workspaces
set active_refresh_id = %(refresh_id)s, next_category_id = %(next_category_id)s,
    arrivals_since_refresh = 0, poorly_matched_since_refresh = 0, refresh_suggested = false
where id = %(workspace_id)s;

-- drop_old_links --
-- The links of refreshes older than the active and the previous successful one: their
-- partitions are dropped whole (prune_old_generations then removes their categories).
select drop_links_partitions(%(workspace_id)s, array(
    select id from refresh_runs
    where workspace_id = %(workspace_id)s and status = 'succeeded'
    order by id desc limit 2));

-- prune_old_generations --
-- Keeps the categories of the active and the previous successful refresh (to compare them);
-- older generations' categories go, their refresh_runs rows stay as history.
delete from categories c
where c.workspace_id = %(workspace_id)s
  and c.refresh_id not in (
      select id from refresh_runs
      where workspace_id = %(workspace_id)s and status = 'succeeded'
      order by id desc limit 2);

-- prune_old_maps --
-- Only the active refresh's map is drawn; older ones go.
delete from refresh_maps m
using refresh_runs r
where r.id = m.refresh_id and r.workspace_id = %(workspace_id)s and m.refresh_id <> %(refresh_id)s;

-- insert_refresh_map --
insert into refresh_maps (refresh_id, documents, document_ids, xy, leaves)
values (%(refresh_id)s, %(documents)s, %(document_ids)s, %(xy)s, %(leaves)s);

-- active_map --
-- The active refresh's map: document ids, places and leaf filters, as the refresh wrote them.
select m.document_ids, m.xy, m.leaves
from workspaces w join refresh_maps m on m.refresh_id = w.active_refresh_id
where w.id = %(workspace_id)s;

-- map_members --
-- Every document of the workspace by internal id, with its external id and its best top-level
-- filter now (-1: untagged), as three arrays in one row (the map's 100,000 documents in one read).
select coalesce(array_agg(document_id order by document_id), '{}'),
       coalesce(array_agg(external_id order by document_id), '{}'),
       coalesce(array_agg(coalesce(category_id, -1) order by document_id), '{}')
from document_top_filters
where workspace_id = %(workspace_id)s;

-- active_categories --
-- The filters readers see, with their centroids, for matching and tagging; a pinned name wins.
select c.category_id, c.parent_category_id, coalesce(p.name, c.name) as name, c.description, c.keywords,
       c.size, c.centroid, case when p.name is null then c.named_by else 'user' end as named_by, c.fence,
       c.form
from categories c join workspaces w on w.active_refresh_id = c.refresh_id
left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
where w.id = %(workspace_id)s
order by c.category_id;

-- refresh_categories --
-- A refresh's categories as computed (no pinned names): what arrivals are matched against.
select category_id, parent_category_id, name, description, keywords, size, centroid, named_by, fence, form
from categories
where refresh_id = %(refresh_id)s
order by category_id;

-- active_memberships --
-- Each active category's documents (their best link at that level).
select dc.category_id, dc.document_id
from document_categories dc join workspaces w on w.active_refresh_id = dc.refresh_id
where w.id = %(workspace_id)s and dc.rank = 1
order by dc.category_id, dc.document_id;

-- active_rules --
-- The rules version the active refresh ran under (null when it recorded none).
select r.parameters ->> 'rules'
from refresh_runs r join workspaces w on w.active_refresh_id = r.id
where w.id = %(workspace_id)s;

-- list_filters --
-- The active filters; a name pinned by a person replaces the computed one (named_by 'user').
-- Both counts (all links, second tags included, and the documents whose first choice the filter
-- is) are kept with the categories by the statements that change links (refresh, arrivals,
-- moves, undos, deletions), so a read counts nothing however large the workspace.
select c.category_id, c.parent_category_id, coalesce(p.name, c.name) as name, c.description, c.keywords,
       c.size, case when p.name is null then c.named_by else 'user' end as named_by, c.documents,
       c.first_documents
from categories c join workspaces w on w.active_refresh_id = c.refresh_id
left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
where w.id = %(workspace_id)s
order by c.parent_category_id nulls first, c.size desc, c.category_id;

-- list_filters_by_slug --
-- list_filters by the workspace's slug, in one round trip (the API's most frequent read).
select c.category_id, c.parent_category_id, coalesce(p.name, c.name) as name, c.description, c.keywords,
       c.size, case when p.name is null then c.named_by else 'user' end as named_by, c.documents,
       c.first_documents
from categories c join workspaces w on w.active_refresh_id = c.refresh_id
left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
where w.slug = %(slug)s
order by c.parent_category_id nulls first, c.size desc, c.category_id;

-- filter_page_by_slug --
-- filter_documents by the workspace's slug.
select d.id as document_id, d.external_id, d.title, dc.score, dc.rank
from document_categories dc
join documents d on d.id = dc.document_id
where dc.refresh_id = (select active_refresh_id from workspaces where slug = %(slug)s)
  and dc.category_id = %(category_id)s
order by dc.rank, dc.score desc, dc.document_id
limit %(limit)s offset %(offset)s;

-- filter_documents --
-- One page of a filter, read from document_categories_page_idx in its order: the active refresh
-- is found first (one row), so the page is a range of (refresh, category). The documents the
-- filter is the first tag of come first, then those carrying it as a further tag, each best
-- match first; ties go by id.
select d.id as document_id, d.external_id, d.title, dc.score, dc.rank
from document_categories dc
join documents d on d.id = dc.document_id
where dc.refresh_id = (select active_refresh_id from workspaces where id = %(workspace_id)s)
  and dc.category_id = %(category_id)s
order by dc.rank, dc.score desc, dc.document_id
limit %(limit)s offset %(offset)s;

-- find_document --
select id, external_id, title from documents
where workspace_id = %(workspace_id)s and external_id = %(external_id)s;

-- document_tags --
select c.category_id, c.parent_category_id, coalesce(p.name, c.name) as name, dc.score, dc.rank
from document_categories dc
join workspaces w on w.active_refresh_id = dc.refresh_id
join categories c on c.refresh_id = dc.refresh_id and c.category_id = dc.category_id
left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
where w.id = %(workspace_id)s and dc.document_id = %(document_id)s
order by c.parent_category_id nulls first, dc.rank, dc.score desc;

-- document_tags_by_slug --
-- document_tags by the workspace's slug and the document's id, with its title, in one round trip
-- (the API's read of a document): one row per tag, or one row of nulls but the title when the
-- document has none.
select d.title, c.category_id, c.parent_category_id, coalesce(p.name, c.name) as name, dc.score, dc.rank
from workspaces w
join documents d on d.workspace_id = w.id and d.external_id = %(external_id)s
left join document_categories dc on dc.refresh_id = w.active_refresh_id and dc.document_id = d.id
left join categories c on c.refresh_id = dc.refresh_id and c.category_id = dc.category_id
left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
where w.slug = %(slug)s
order by c.parent_category_id nulls first, dc.rank, dc.score desc;

-- workspace_counts --
select
    (select count(*) from documents where workspace_id = %(workspace_id)s) as documents,
    (select count(distinct dc.document_id) from document_categories dc
     join workspaces w on w.active_refresh_id = dc.refresh_id
     where w.id = %(workspace_id)s) as tagged;

-- primary_top_level_tags --
-- Each document of the workspace with its best top-level filter (null when untagged).
select d.external_id, dc.category_id
from documents d
join workspaces w on w.id = d.workspace_id
left join document_categories dc
       on dc.document_id = d.id and dc.refresh_id = w.active_refresh_id and dc.rank = 1
      and exists (select 1 from categories c
                  where c.refresh_id = dc.refresh_id and c.category_id = dc.category_id
                    and c.parent_category_id is null)
where w.id = %(workspace_id)s
order by d.external_id;

-- primary_leaf_tags --
-- Each document of the workspace with its deepest best filter: its best sub-filter, else its best
-- top-level filter (null when untagged).
select distinct on (d.external_id) d.external_id, dc.category_id
from documents d
join workspaces w on w.id = d.workspace_id
left join document_categories dc
       on dc.document_id = d.id and dc.refresh_id = w.active_refresh_id and dc.rank = 1
left join categories c on c.refresh_id = dc.refresh_id and c.category_id = dc.category_id
where w.id = %(workspace_id)s
order by d.external_id, c.parent_category_id is null, dc.score desc, dc.category_id;

-- vectors_for_documents --
copy (
    select d.id, e.embedding
    from documents d
    join embeddings e on e.model = %(model)s and e.content_hash = d.content_hash
    where d.id = any(%(document_ids)s::bigint[])
    order by d.id
) to stdout with (format binary);

-- unlink_documents --
-- Drops the active links of documents that are about to be tagged again, and their counts.
with gone as (
    delete from document_categories dc
    using workspaces w
    where w.id = %(workspace_id)s and dc.refresh_id = w.active_refresh_id
      and dc.document_id = any(%(document_ids)s::bigint[])
    returning dc.refresh_id, dc.category_id, dc.rank)
update categories c set documents = c.documents - g.links, first_documents = c.first_documents - g.firsts
from (select refresh_id, category_id, count(*) as links, count(*) filter (where rank = 1) as firsts
      from gone group by refresh_id, category_id) g
where c.refresh_id = g.refresh_id and c.category_id = g.category_id;

-- link_arrivals --
-- Links of arrivals into the active refresh's partition, added to their categories' counts.
with linked as (
    insert into document_categories (refresh_id, document_id, category_id, score, rank)
    select %(refresh_id)s, l.document_id, l.category_id, l.score, l.rank
    from unnest(%(document_ids)s::bigint[], %(category_ids)s::int[], %(scores)s::real[], %(ranks)s::smallint[])
        as l (document_id, category_id, score, rank)
    returning category_id, rank)
update categories c set documents = c.documents + l.links, first_documents = c.first_documents + l.firsts
from (select category_id, count(*) as links, count(*) filter (where rank = 1) as firsts
      from linked group by category_id) l
where c.refresh_id = %(refresh_id)s and c.category_id = l.category_id;

-- record_arrivals --
-- Counts documents tagged since the refresh; suggests a refresh once enough match poorly.
update workspaces
set arrivals_since_refresh = arrivals_since_refresh + %(arrivals)s,
    poorly_matched_since_refresh = poorly_matched_since_refresh + %(poorly_matched)s,
    refresh_suggested = (arrivals_since_refresh + %(arrivals)s) >= %(min_arrivals)s
        and (poorly_matched_since_refresh + %(poorly_matched)s)
            >= %(suggest_share)s * (arrivals_since_refresh + %(arrivals)s)
where id = %(workspace_id)s
returning arrivals_since_refresh as arrivals, poorly_matched_since_refresh as poorly_matched, refresh_suggested;

-- arrival_state --
select arrivals_since_refresh as arrivals, poorly_matched_since_refresh as poorly_matched, refresh_suggested
from workspaces where id = %(workspace_id)s;

-- pin_category_name --
-- A person's name for an active filter; returns nothing when the filter is not active.
insert into category_pins (workspace_id, category_id, name)
select w.id, c.category_id, %(name)s
from workspaces w join categories c on c.refresh_id = w.active_refresh_id
where w.id = %(workspace_id)s and c.category_id = %(category_id)s
on conflict (workspace_id, category_id) do update set name = excluded.name, pinned_at = now()
returning category_id;

-- unpin_category_name --
delete from category_pins where workspace_id = %(workspace_id)s and category_id = %(category_id)s;

-- insert_api_key --
insert into api_keys (token_hash, workspace_id, is_admin)
values (%(token_hash)s, %(workspace_id)s, %(is_admin)s) returning id;

-- list_api_keys --
-- Every key, newest first: its workspace's slug (null for an admin key) and the head of its
-- token's hash, enough to tell keys apart and nothing to sign in with.
select k.id, w.slug as workspace, k.is_admin, k.created_at, left(k.token_hash, 8) as fingerprint
from api_keys k left join workspaces w on w.id = k.workspace_id
order by k.id desc;

-- delete_api_key --
-- A deleted key is refused at once by every process (the read cache hears of the change).
delete from api_keys where id = %(key_id)s returning id;

-- find_api_key --
-- The key's workspace slug (null for an admin key) and whether it is an admin key.
select k.id, w.slug as workspace, k.is_admin
from api_keys k left join workspaces w on w.id = k.workspace_id
where k.token_hash = %(token_hash)s;

-- delete_documents --
-- Returns what went: each document's id and the hash of its text. Their links go with them (the
-- cascade runs at the end of the statement), and the counts of the filters they leave go down.
with gone as (
    delete from documents where workspace_id = %(workspace_id)s and external_id = any(%(external_ids)s::text[])
    returning id, external_id, content_hash),
uncounted as (
    update categories c set documents = c.documents - l.links, first_documents = c.first_documents - l.firsts
    from (select dc.refresh_id, dc.category_id, count(*) as links, count(*) filter (where dc.rank = 1) as firsts
          from document_categories dc where dc.document_id in (select id from gone)
          group by dc.refresh_id, dc.category_id) l
    where c.refresh_id = l.refresh_id and c.category_id = l.category_id)
select external_id, content_hash from gone;

-- placed_documents --
-- Of the given documents, those a correction still in force places (moved, or picked for a new
-- filter): arrivals leave their links alone, so a person's placement is never undone by a change
-- of text between refreshes.
select distinct placed.id
from corrections c, unnest(c.document_ids) as placed(id)
where c.workspace_id = %(workspace_id)s and c.kind in ('move', 'learned') and c.undone_at is null
  and c.document_ids && %(document_ids)s::bigint[] and placed.id = any(%(document_ids)s::bigint[]);

-- forget_unused_vectors --
-- A vector stays only while some document (of any workspace) carries its text.
delete from embeddings e
where e.content_hash = any(%(hashes)s::text[])
  and not exists (select 1 from documents d where d.content_hash = e.content_hash);

-- documents_from_sources --
-- The ids of the workspace's documents read from under a folder (their source starts with it).
select external_id, source from documents
where workspace_id = %(workspace_id)s and starts_with(source, %(prefix)s);

-- record_correction --
select record_correction(%(workspace_id)s, %(kind)s::correction_kind, %(category_id)s, %(document_ids)s::bigint[],
                         %(other)s, %(name)s);

-- corrections --
-- Everything people decided in the workspace, oldest first (later moves of a document win), undone
-- ones too: `reverting` while the refresh active when it was undone is still active (the next
-- refresh reverses what it reshaped).
select c.id, c.kind::text as kind, c.category_id, c.document_ids, c.groups, c.name, c.created_at,
       c.other_category_id, c.names, c.absorbed_pin, c.undone_at,
       c.undone_at is not null and c.undone_in_refresh is not distinct from w.active_refresh_id as reverting
from corrections c join workspaces w on w.id = c.workspace_id
where c.workspace_id = %(workspace_id)s order by c.id;

-- correction_listing --
-- The corrections as people read them, oldest first: the documents each names (a split: its
-- groups' members) counted, and the ids of the first few that are still there.
with listed as (
    select c.*, case when c.kind = 'split'
                     then (select coalesce(array_agg(m::bigint), '{}')
                           from jsonb_each(coalesce(c.groups, '{}')) g, jsonb_array_elements_text(g.value) m)
                     else c.document_ids end as members
    from corrections c
    where c.workspace_id = %(workspace_id)s)
select l.id, l.kind::text as kind, l.category_id, l.other_category_id, l.name, coalesce(l.names, '{}') as names,
       l.absorbed_pin, l.created_at, l.undone_at, cardinality(l.members) as documents,
       array(select d.external_id from unnest(l.members[1:%(shown)s]) with ordinality as m (id, ord)
             join documents d on d.id = m.id order by m.ord) as shown
from listed l
order by l.id;

-- undo_correction --
-- Marks a correction undone (record_undo in the migrations); returns its kind.
select record_undo(%(workspace_id)s, %(correction_id)s)::text;

-- document_ids_by_external --
select external_id, id from documents
where workspace_id = %(workspace_id)s and external_id = any(%(external_ids)s::text[]);

-- record_job_error --
insert into job_errors (job_id, attempt, error) values (%(job_id)s, %(attempt)s, %(error)s)
on conflict (job_id, attempt) do update set error = excluded.error, at = now();

-- record_job_progress --
-- A job's stage and its counts, as it goes.
insert into job_progress (job_id, stage, done, total) values (%(job_id)s, %(stage)s, %(done)s, %(total)s)
on conflict (job_id) do update set stage = excluded.stage, done = excluded.done, total = excluded.total, at = now();

-- list_jobs --
-- Recent jobs, newest first, with when they were queued, started and finished, their last error
-- and how far the running ones have come.
select j.id, j.task_name, j.args ->> 'workspace' as workspace, j.status::text, j.attempts,
       (select min(e.at) from procrastinate_events e where e.job_id = j.id and e.type = 'deferred') as queued_at,
       (select max(e.at) from procrastinate_events e where e.job_id = j.id and e.type = 'started') as started_at,
       (select max(e.at) from procrastinate_events e
        where e.job_id = j.id and e.type in ('succeeded', 'failed', 'cancelled', 'aborted')) as finished_at,
       (select je.error from job_errors je where je.job_id = j.id order by je.attempt desc limit 1) as error,
       p.stage, p.done, p.total
from procrastinate_jobs j
left join job_progress p on p.job_id = j.id and j.status = 'doing'
where j.queue_name <> %(hidden_queue)s
  and (%(workspace)s::text is null or j.args ->> 'workspace' = %(workspace)s)
  and (%(job_id)s::bigint is null or j.id = %(job_id)s)
  and (%(status)s::text is null or j.status::text = %(status)s)
order by j.id desc
limit %(limit)s;

-- waiting_job --
-- The job waiting under a queueing lock (procrastinate allows one per lock).
select id from procrastinate_jobs where queueing_lock = %(queueing_lock)s and status = 'todo';

-- document_filters --
-- Every document of the workspace with its best top-level filter of the active refresh and
-- its score (nulls when untagged), for tables and maps.
select document_id, external_id, title, category_id, filter, score
from document_top_filters
where workspace_id = %(workspace_id)s
order by document_id;

-- previous_refresh_id --
-- The successful refresh before the active one (its categories are kept to compare them).
select max(r.id)
from refresh_runs r join workspaces w on w.id = r.workspace_id
where w.id = %(workspace_id)s and r.status = 'succeeded' and r.id < w.active_refresh_id;

-- generation_categories --
-- The categories of one kept refresh with their members (documents whose best link at that
-- level is the category).
select c.category_id, c.parent_category_id, c.name, c.keywords, c.size,
       coalesce(array_agg(dc.document_id order by dc.document_id)
                filter (where dc.document_id is not null), '{}') as members
from categories c
left join document_categories dc
       on dc.refresh_id = c.refresh_id and dc.category_id = c.category_id and dc.rank = 1
where c.workspace_id = %(workspace_id)s and c.refresh_id = %(refresh_id)s
group by c.refresh_id, c.category_id
order by c.category_id;

-- sync_watermark --
select watermark from sync_state where workspace_id = %(workspace_id)s and source = %(source)s;

-- save_sync_state --
insert into sync_state (workspace_id, source, watermark, synced_at, rows_read, rows_deleted)
values (%(workspace_id)s, %(source)s, %(watermark)s, now(), %(rows_read)s, %(rows_deleted)s)
on conflict (workspace_id) do update
set source = excluded.source, watermark = excluded.watermark, synced_at = excluded.synced_at,
    rows_read = excluded.rows_read, rows_deleted = excluded.rows_deleted;

-- synced_document_ids --
-- The ids of the workspace's documents that came from the source table (their source is
-- sync:<table>#<row id>).
select external_id from documents where workspace_id = %(workspace_id)s and starts_with(source, %(source)s);

-- synced_workspaces --
-- The workspaces synced from this source before: a sync of all workspaces visits them too, so one
-- whose rows are all gone loses its documents.
select w.slug from sync_state s join workspaces w on w.id = s.workspace_id where s.source = %(source)s order by 1;

-- source_snapshot_watermark --
-- Where the next sync starts: now, or the start of the oldest transaction still open in the
-- source database (its rows, once committed, carry an updated_at no earlier than that).
select least(now(), (select min(xact_start) from pg_stat_activity
                     where datname = current_database() and xact_start is not null));

-- source_workspaces --
-- The source table's queries fill {table}, {id}, {workspace}, {title}, {text}, {updated_at} and
-- {live} from the settings, identifiers quoted by psycopg.sql.
select distinct {workspace}::text from {table} where {workspace} is not null order by 1;

-- source_changed_rows --
-- Rows changed since the watermark, rows that carry no updated_at (read at every sync; the
-- content hash keeps them from being embedded again), and the live rows the workspace does not
-- hold (a row restored with an old stamp). Oldest first, so of two rows with one id the later wins.
-- The last column says whether the row changed since the watermark (a row read only because it
-- has no stamp, or because the workspace lacks it, may be one refused before).
copy (
    select {id}::text, {title}, {text}::text, {live},
           (%(since)s::timestamptz is null or {updated_at} >= %(since)s) is true
    from {table}
    where {workspace}::text = %(workspace)s
      and (%(since)s::timestamptz is null or {updated_at} >= %(since)s or {updated_at} is null
           or {id}::text = any(%(unseen)s::text[]))
    order by {updated_at} nulls first
) to stdout with (format binary);

-- source_live_ids --
copy (select {id}::text from {table} where {workspace}::text = %(workspace)s and {live}) to stdout with (format binary);

-- filter_page --
-- A page of a filter's documents in filter_documents' order, each with the head of its text for
-- a snippet. The page is cut from the links (the page index) before any document row is read.
select d.external_id, d.title, left(d.body, %(snippet_chars)s) as snippet, page.score, page.rank
from (select dc.document_id, dc.score, dc.rank
      from document_categories dc join workspaces w on w.active_refresh_id = dc.refresh_id
      where w.id = %(workspace_id)s and dc.category_id = %(category_id)s
      order by dc.rank, dc.score desc, dc.document_id
      limit %(limit)s offset %(offset)s) page
join documents d on d.id = page.document_id
order by page.rank, page.score desc, page.document_id;

-- document_count --
select count(*) from documents where workspace_id = %(workspace_id)s;

-- active_filter --
-- One active filter as list_filters shows it.
select c.category_id, c.parent_category_id, coalesce(p.name, c.name) as name, c.description, c.keywords,
       c.size, case when p.name is null then c.named_by else 'user' end as named_by,
       c.documents, c.first_documents
from categories c join workspaces w on w.active_refresh_id = c.refresh_id
left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
where w.id = %(workspace_id)s and c.category_id = %(category_id)s;

-- untagged_count --
-- Documents of the workspace that no active filter holds: its documents less the distinct
-- documents linked (two counts over indexes, 5x faster at 100,000 documents than an anti-join).
select (select count(*) from documents where workspace_id = %(workspace_id)s)
     - (select count(distinct dc.document_id) from document_categories dc
        where dc.refresh_id = (select active_refresh_id from workspaces where id = %(workspace_id)s));

-- untagged_page --
-- A page of the documents no active filter holds, by id, with the head of their text.
select d.external_id, d.title, left(d.body, %(snippet_chars)s) as snippet, null::real as score
from documents d join workspaces w on w.id = d.workspace_id
where w.id = %(workspace_id)s
  and not exists (select 1 from document_categories dc
                  where dc.refresh_id = w.active_refresh_id and dc.document_id = d.id)
order by d.external_id
limit %(limit)s offset %(offset)s;

-- search_documents --
-- The workspace's documents nearest a query vector (match_documents, through the model's index),
-- each with the head of its text and the name of its first top-level filter (a pinned name wins;
-- none when untagged); with a category, only those that filter holds (among the nearest
-- match_documents returns).
select m.external_id, m.title, left(d.body, %(snippet_chars)s) as snippet, m.similarity as score,
       (select coalesce(p.name, c.name)
        from document_categories dc
        join categories c on c.refresh_id = dc.refresh_id and c.category_id = dc.category_id
        left join category_pins p on p.workspace_id = w.id and p.category_id = c.category_id
        where dc.refresh_id = w.active_refresh_id and dc.document_id = d.id and dc.rank = 1
          and c.parent_category_id is null
        limit 1) as filter
from match_documents(%(query)s, %(workspace)s, %(candidates)s) m
join documents d on d.id = m.id
join workspaces w on w.id = d.workspace_id
where %(category_id)s::int is null
   or exists (select 1 from document_categories dc
              where dc.refresh_id = w.active_refresh_id and dc.document_id = d.id
                and dc.category_id = %(category_id)s)
order by m.similarity desc, m.id
limit %(limit)s;

-- document_text --
-- One document of the workspace with the head of its text.
select d.id, d.external_id, d.title, left(d.body, %(max_chars)s) as text
from documents d
where d.workspace_id = %(workspace_id)s and d.external_id = %(external_id)s;

-- filter_neighbours --
-- The documents of an active filter nearest a document (cosine of their vectors), itself left out.
select d.external_id, d.title, (1 - (e.embedding <=> own.embedding))::float8 as similarity
from documents self
join workspaces w on w.id = self.workspace_id
join embeddings own on own.model = w.embedding_model and own.content_hash = self.content_hash
join document_categories dc on dc.refresh_id = w.active_refresh_id and dc.category_id = %(category_id)s
join documents d on d.id = dc.document_id and d.id <> self.id
join embeddings e on e.model = w.embedding_model and e.content_hash = d.content_hash
where w.id = %(workspace_id)s and self.id = %(document_id)s
order by e.embedding <=> own.embedding, d.id
limit %(limit)s;

-- generation_names --
-- The names of one kept refresh's categories as readers saw them (a pinned name wins).
select c.category_id, c.parent_category_id, coalesce(p.name, c.name) as name
from categories c
left join category_pins p on p.workspace_id = c.workspace_id and p.category_id = c.category_id
where c.workspace_id = %(workspace_id)s and c.refresh_id = %(refresh_id)s
order by c.category_id;

-- active_refresh_run --
-- The run whose filters are active: when it finished, its counts and what it changed.
select r.id, r.status, r.started_at, r.finished_at, r.documents, r.categories, r.untagged, r.seconds,
       r.changes, r.error
from refresh_runs r join workspaces w on w.active_refresh_id = r.id
where w.id = %(workspace_id)s;

-- create_workspace --
-- A new workspace with its embedding model (null: the model of its first embedding); returns
-- nothing when the workspace exists already, whose model is left as it is.
insert into workspaces (slug, embedding_model) values (%(slug)s, %(model)s)
on conflict (slug) do nothing
returning id;

-- claim_workspace_model --
-- A workspace that has no model yet takes the model of its first embedding; one that has keeps it.
update workspaces set embedding_model = %(model)s
where id = %(workspace_id)s and embedding_model is null;

-- filters_model --
-- The model whose vectors the workspace's active filters were made from (their centroids'
-- model); no row before the first refresh, null when not known.
select r.embedding_model
from workspaces w join refresh_runs r on r.id = w.active_refresh_id
where w.id = %(workspace_id)s;
