-- A workspace owns its embedding model (workspaces.embedding_model): it is chosen when the
-- workspace is created, or by its first embedding, and changed only on purpose (`drive-tagger
-- workspaces set-model`), which re-embeds the workspace. Until the refresh after such a change,
-- the active filters are still of the old model: each refresh run now records the model whose
-- vectors it clustered, so that arrivals are matched, and the next refresh is seeded, only by
-- centroids of the workspace's own model.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

alter table refresh_runs add column embedding_model text;
comment on column refresh_runs.embedding_model is
    'The model whose vectors the run clustered: its centroids are vectors of that model (null: not known).';

-- Runs made before: the workspace's model, unless one of their centroids has another length (a
-- workspace whose model was switched under its filters), when the model is not known.
update refresh_runs r
set embedding_model = w.embedding_model
from workspaces w
where w.id = r.workspace_id
  and w.embedding_model is not null
  and not exists (
      select 1
      from categories c
      join embedding_models m on m.model = w.embedding_model
      where c.refresh_id = r.id and extensions.vector_dims(c.centroid) <> m.dimensions
  );

-- A run records the workspace's model when it starts, whoever starts it.
create function drive_tagger_refresh_run_model() returns trigger
    language plpgsql
    set search_path = drive_tagger
as $$
begin
    if new.embedding_model is null then
        select w.embedding_model into new.embedding_model from workspaces w where w.id = new.workspace_id;
    end if;
    return new;
end
$$;
create trigger refresh_runs_model before insert on refresh_runs
    for each row execute function drive_tagger_refresh_run_model();
