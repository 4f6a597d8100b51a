-- A refresh's links in a partition of their own. A refresh of a million documents writes a
-- million links: into an indexed table with three foreign keys that cost a trigger and four
-- index entries per row (84 s of a 228 s refresh here). Now the links go by COPY into a fresh
-- table with no index or key to maintain, which is then indexed in bulk and attached (its keys
-- checked by one query each), and pruning a generation drops its partition instead of deleting
-- its rows one by one.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

alter table document_categories rename to document_categories_unpartitioned;
alter index document_categories_pkey rename to document_categories_unpartitioned_pkey;
alter index document_categories_page_idx rename to document_categories_unpartitioned_page_idx;
alter index document_categories_document_idx rename to document_categories_unpartitioned_document_idx;

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
) partition by list (refresh_id);
create index document_categories_page_idx
    on document_categories (refresh_id, category_id, score desc, document_id);
create index document_categories_document_idx on document_categories (document_id);

-- A new, empty partition for a refresh's links, outside the parent until attach_links_partition:
-- readers of the parent never see half of a refresh. API roles cannot read a partition on its
-- own (RLS on, no policy); they read links through the parent and its policy.
create function new_links_partition(refresh bigint) returns text
    language plpgsql
    set search_path = drive_tagger
as $$
declare
    partition text := 'document_categories_r' || refresh;
begin
    execute format('create table %I (like document_categories including defaults including constraints)', partition);
    -- Lets the attach skip scanning the partition to prove its rows belong to it.
    execute format('alter table %I add constraint %I check (refresh_id = %s)', partition, partition || '_refresh', refresh);
    execute format('alter table %I enable row level security', partition);
    execute format('revoke all on %I from anon, authenticated', partition);
    return partition;
end
$$;

-- Indexes the partition in bulk, checks its keys and makes it part of the parent.
create function attach_links_partition(refresh bigint) returns void
    language plpgsql
    set search_path = drive_tagger
as $$
begin
    perform set_config('maintenance_work_mem', '512MB', true);
    execute format('alter table document_categories attach partition %I for values in (%s)',
                   'document_categories_r' || refresh, refresh);
end
$$;

-- The partitions of a workspace's refreshes other than the given ones, dropped.
create function drop_links_partitions(workspace bigint, keep bigint[]) returns void
    language plpgsql
    set search_path = drive_tagger
as $$
declare
    refresh bigint;
begin
    for refresh in
        select r.id from refresh_runs r
        where r.workspace_id = workspace and r.id <> all(keep)
          and to_regclass('document_categories_r' || r.id) is not null
    loop
        execute format('drop table %I', 'document_categories_r' || refresh);
    end loop;
end
$$;
revoke execute on function new_links_partition(bigint), attach_links_partition(bigint),
    drop_links_partitions(bigint, bigint[]) from public, anon, authenticated;

-- The links written so far, each refresh's into its own partition.
do $$
declare
    refresh bigint;
begin
    for refresh in select distinct refresh_id from document_categories_unpartitioned loop
        perform new_links_partition(refresh);
        execute format('insert into %I select * from document_categories_unpartitioned where refresh_id = %s',
                       'document_categories_r' || refresh, refresh);
        perform attach_links_partition(refresh);
    end loop;
end
$$;
drop table document_categories_unpartitioned;

alter table document_categories enable row level security;
create policy members_read_document_categories on document_categories for select to authenticated
    using (exists (
        select 1 from documents d
        where d.id = document_categories.document_id
          and d.workspace_id in (select member_workspace_ids())));
grant select on document_categories to authenticated;

create trigger document_categories_notify_reads
    after insert or update or delete or truncate on document_categories
    for each statement execute function notify_reads();
