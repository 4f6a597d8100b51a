-- Which documents still wait for a vector, found without comparing the whole workspace with the
-- embeddings: an ingest of one document into a workspace of a million then reads only what it
-- stored, not a million rows.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

-- The model whose vector the document's text is known to have; null: not known yet (new or
-- changed text, or the workspace switched model). Set when vectors are stored, and by the
-- embedding pass for texts that already had one.
alter table documents add column vector_model text;
update documents d set vector_model = w.embedding_model
from workspaces w
where w.id = d.workspace_id
  and exists (select 1 from embeddings e where e.model = w.embedding_model and e.content_hash = d.content_hash);
create index documents_pending_vector_idx on documents (workspace_id) where vector_model is null;

-- The model's ANN index, chosen by how many vectors it is built over. Up to 200,000: HNSW (best
-- recall, cheap inserts after it). Beyond, when a bulk load builds the first index: IVFFlat,
-- because an HNSW build over a million 384-d vectors took far longer than a bulk load may on two
-- cores (113 s at 100,000 here, growing faster than linearly), where IVFFlat's k-means took 5 s
-- (see benchmarks/million.py). Both build with enough maintenance memory to keep the work in
-- memory and one parallel worker beside the leader.
create or replace function ensure_model_index(model_name text) returns text
    language plpgsql
    set search_path = drive_tagger, extensions
as $$
declare
    dims integer;
    rows bigint;
    hnsw_name text := 'embeddings_hnsw_' || substr(md5(model_name), 1, 16);
    ivf_name text := 'embeddings_ivf_' || substr(md5(model_name), 1, 16);
    cast_type text;
    ops text;
begin
    select dimensions into dims from embedding_models where model = model_name;
    if dims is null or dims > 4000 then
        return null;
    end if;
    if to_regclass(hnsw_name) is not null then
        return hnsw_name;  -- without taking the table lock CREATE INDEX IF NOT EXISTS would take
    end if;
    if to_regclass(ivf_name) is not null then
        return ivf_name;
    end if;
    cast_type := case when dims <= 2000 then format('extensions.vector(%s)', dims)
                      else format('extensions.halfvec(%s)', dims) end;
    ops := case when dims <= 2000 then 'extensions.vector_cosine_ops' else 'extensions.halfvec_cosine_ops' end;
    perform set_config('maintenance_work_mem', '1GB', true);
    perform set_config('max_parallel_maintenance_workers', '1', true);
    select count(*) into rows from embeddings where model = model_name;
    if rows <= 200000 then
        execute format('create index if not exists %I on embeddings using hnsw ((embedding::%s) %s) where model = %L',
                       hnsw_name, cast_type, ops, model_name);
        return hnsw_name;
    end if;
    execute format('create index if not exists %I on embeddings using ivfflat ((embedding::%s) %s) with (lists = %s) '
                   'where model = %L', ivf_name, cast_type, ops, greatest(100, least(rows / 1000, 4000)), model_name);
    return ivf_name;
end
$$;
revoke execute on function ensure_model_index(text) from public, anon, authenticated;

-- As before; an IVFFlat index is searched in sqrt(lists) of its lists (about 95% recall), and
-- both kinds go on scanning until the workspace's filter leaves enough rows.
create or replace function match_documents(query_embedding extensions.vector, workspace text, match_count integer default 10)
returns table (id bigint, external_id text, title text, similarity double precision)
    language plpgsql stable
    set search_path = drive_tagger, extensions
    set hnsw.iterative_scan = relaxed_order
    set ivfflat.iterative_scan = relaxed_order
as $$
declare
    ws record;
    dims integer;
    cast_type text;
    lists integer;
begin
    select w.id, w.embedding_model into ws from workspaces w where w.slug = match_documents.workspace;
    if ws.embedding_model is null then
        return;
    end if;
    select m.dimensions into dims from embedding_models m where m.model = ws.embedding_model;
    if vector_dims(query_embedding) <> dims then
        raise exception 'the query embedding has % dimensions; workspace % uses % (% dimensions)',
            vector_dims(query_embedding), match_documents.workspace, ws.embedding_model, dims
            using errcode = '22023';
    end if;
    select (regexp_match(pg_get_indexdef(to_regclass('embeddings_ivf_' || substr(md5(ws.embedding_model), 1, 16))),
                         'lists=''?(\d+)'))[1]::integer into lists;
    if lists is not null then
        perform set_config('ivfflat.probes', greatest(1, ceil(sqrt(lists)))::text, true);
    end if;
    cast_type := case when dims <= 2000 then format('vector(%s)', dims) else format('halfvec(%s)', dims) end;
    return query execute format(
        'select d.id, d.external_id, d.title, (1 - (e.embedding::%1$s <=> $1::%1$s))::double precision
         from embeddings e join documents d on d.content_hash = e.content_hash and d.workspace_id = $2
         where e.model = %2$L
         order by e.embedding::%1$s <=> $1::%1$s, d.id
         limit $3', cast_type, ws.embedding_model)
        using query_embedding, ws.id, least(greatest(match_documents.match_count, 0), 200);
end
$$;
revoke execute on function match_documents(extensions.vector, text, integer) from public, anon;
grant execute on function match_documents(extensions.vector, text, integer) to authenticated;
