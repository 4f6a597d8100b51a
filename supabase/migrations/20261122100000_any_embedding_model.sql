-- Vectors of any embedding model: each model records its dimensions (as the model reports them,
-- when its first vectors are stored), vectors and centroids are stored at their own length, and
-- each model gets its own ANN index, since pgvector indexes one dimension at a time.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

create table embedding_models (
    model text primary key,
    dimensions integer not null check (dimensions between 1 and 16000),
    created_at timestamptz not null default now()
);
insert into embedding_models (model, dimensions)
select model, min(extensions.vector_dims(embedding)) from embeddings group by model;

drop index embeddings_embedding_hnsw_idx;
alter table embeddings alter column embedding type extensions.vector;
alter table categories alter column centroid type extensions.vector;
alter table embedding_models enable row level security;

-- The model's ANN index: HNSW on its rows only (a partial expression index), the vectors cast to
-- the model's length; halfvec past 2,000 dimensions (pgvector indexes vector up to 2,000 and halfvec
-- up to 4,000); none past 4,000 (searches then scan). Built once the model's first vectors are in,
-- which builds the graph in one pass instead of row by row. Returns the index's name, or null.
create function ensure_model_index(model_name text) returns text
    language plpgsql
    set search_path = drive_tagger, extensions
as $$
declare
    dims integer;
    index_name text := 'embeddings_hnsw_' || substr(md5(model_name), 1, 16);
begin
    select dimensions into dims from embedding_models where model = model_name;
    if dims is null or dims > 4000 then
        return null;
    end if;
    if to_regclass(index_name) is not null then
        return index_name;  -- without taking the table lock CREATE INDEX IF NOT EXISTS would take
    end if;
    execute format(
        'create index if not exists %I on embeddings using hnsw ((embedding::%s) %s) where model = %L',
        index_name,
        case when dims <= 2000 then format('extensions.vector(%s)', dims) else format('extensions.halfvec(%s)', dims) end,
        case when dims <= 2000 then 'extensions.vector_cosine_ops' else 'extensions.halfvec_cosine_ops' end,
        model_name);
    return index_name;
end
$$;
revoke execute on function ensure_model_index(text) from public, anon, authenticated;
select ensure_model_index(model) from embedding_models;

-- The usual Supabase vector search, for whichever model the workspace uses: the workspace's
-- documents nearest a query embedding (cosine) through that model's index. The query must have
-- the model's dimensions (get it from POST /embed or /functions/v1/embed).
drop function match_documents(extensions.vector, text, integer);
create function match_documents(query_embedding extensions.vector, workspace text, match_count integer default 10)
returns table (id bigint, external_id text, title text, similarity double precision)
    language plpgsql stable
    set search_path = drive_tagger, extensions
    set hnsw.iterative_scan = relaxed_order
as $$
declare
    ws record;
    dims integer;
    cast_type text;
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
