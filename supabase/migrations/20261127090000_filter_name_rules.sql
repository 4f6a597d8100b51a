-- One set of rules for what people write, wherever they write it: the CLI and the API (through the
-- services, which write through the functions below) and a Supabase app (the SQL functions, and
-- its own writes to category_pins) meet the same filter-name rules and the same document-id
-- rules, because those rules live here. Also: members can search (match_documents), and each API
-- role may execute exactly what it needs.
-- (Since 20261207090000_own_schema.sql every object of drive_tagger lives in the drive_tagger
-- schema, beside an app's own tables; an install made before it is moved there by that migration.)
create schema if not exists drive_tagger;
set search_path = drive_tagger, extensions, public;

-- Supabase's service_role (an app's backend key; it bypasses Row Level Security), created on plain
-- Postgres as anon and authenticated were, so that the grants below mean the same on both.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'service_role') then
        create role service_role nologin noinherit bypassrls;
    end if;
exception
    when duplicate_object or unique_violation then null;  -- created concurrently (roles are per cluster)
    when insufficient_privilege then null;  -- a migrator that may not grant bypassrls: no service role here
end
$$;

-- match_documents reads the workspace model's length from embedding_models, which members could
-- not read (no grant; RLS on and no policy): every member's search failed with "permission
-- denied". A member reads the models of their own workspaces.
create policy members_read_embedding_models on embedding_models for select to authenticated
    using (model in (select w.embedding_model from workspaces w where w.id in (select member_workspace_ids())));
grant select on embedding_models to authenticated;


-- Filter names -------------------------------------------------------------------------------------
--
-- A name a person gives a filter (a pinned rename, or a filter made from picked documents) is
-- stored normalised: NFC (a decomposed "Café" is stored as the composed one), each run of spaces
-- one space, none at either end. It is refused when it
--   * holds a control character (a newline, a tab, ...): a name is one line;
--   * holds a bidirectional control (U+202E and kin): "Invoices \u202Egpj.exe" shows as
--     "Invoices exe.jpg";
--   * holds markup characters (< > `);
--   * has nothing visible (only spaces and zero-width characters);
--   * is longer than 80 characters: the one limit, MAX_FILTER_NAME_CHARS in
--     drive_tagger/core/filter_names.py (tests/adapters/test_sql_rules.py holds the two equal);
--   * mixes Latin, Cyrillic or Greek letters in one word ("Тrаvel" with a Cyrillic Т and а):
--     nobody writes a word in two alphabets, and such a word passes for one it is not;
--   * is already a name in the workspace up to case, compatibility forms, invisible characters and
--     lookalike letters (drive_tagger_filter_name_key): among its active filters (every level,
--     since a filter is found by its name across the workspace) and the filters made from picked
--     documents that wait for the next refresh.
-- Confusables are found both ways Unicode's UTS #39 describes: mixed-script words are refused
-- outright, and a word wholly in another alphabet that reads as an existing name ("Саре" in
-- Cyrillic beside "Cape") is caught by the skeleton of drive_tagger_filter_name_key. A word wholly
-- in Cyrillic or Greek that reads as no existing name ("Счета") is a name like any other.
--
-- Names stored before this migration are left as they are: the constraints below are NOT VALID
-- (they hold every new or changed name, not the old rows), and the key that compares names
-- accepts any text. Do not VALIDATE them without first renaming the names they would refuse.

-- The name as stored, or an error (invalid_parameter_value) saying what is wrong with it; the
-- error does not repeat the name, which may be markup or reorder the text around it (only the
-- mixed-script error names its word, which holds letters alone).
create function drive_tagger_check_filter_name(name text) returns text
    language plpgsql immutable strict parallel safe
    set search_path = pg_catalog
as $$
declare
    normal text := btrim(regexp_replace(normalize(drive_tagger_check_filter_name.name, NFC),
                                        '[\u0020\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+', ' ', 'g'), ' ');
    mixed text;
begin
    if normal ~ '[\u0001-\u001F\u007F-\u009F\u2028\u2029]' then
        raise exception 'not a usable filter name: it holds a control character (a newline, a tab, ...); a name is one line'
            using errcode = '22023';
    end if;
    if normal ~ '[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]' then
        raise exception 'not a usable filter name: it holds a bidirectional control character (such as U+202E), '
                        'which makes text show in another order than it is written'
            using errcode = '22023';
    end if;
    if normal ~ '[<>`]' then
        raise exception 'not a usable filter name: it holds markup characters (<, > or `)' using errcode = '22023';
    end if;
    if regexp_replace(normal, '[\u0020\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200D\u2060-\u2064'
                              '\u206A-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\U0001BCA0-\U0001BCA3'
                              '\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]', '', 'g') = '' then
        raise exception 'not a usable filter name: it has no visible characters' using errcode = '22023';
    end if;
    if char_length(normal) > 80 then
        raise exception 'not a usable filter name: it is % characters long; at most 80 are allowed',
            char_length(normal) using errcode = '22023';
    end if;
    -- Words: runs of Latin, Cyrillic and Greek letters (with their accents), split by anything else.
    select normalize(w, NFC) into mixed
    from regexp_split_to_table(normalize(normal, NFKD),
        '[^A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF\u2C60-\u2C7F\uA720-\uA7FF'
        '\u0370-\u03FF\u1F00-\u1FFF\u0400-\u052F\u1C80-\u1C8F\u2DE0-\u2DFF\uA640-\uA69F\u0300-\u036F]+') as w
    where (w ~ '[A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF\u2C60-\u2C7F\uA720-\uA7FF]')::int
        + (w ~ '[\u0400-\u052F\u1C80-\u1C8F\u2DE0-\u2DFF\uA640-\uA69F]')::int
        + (w ~ '[\u0370-\u03FF\u1F00-\u1FFF]')::int > 1
    limit 1;
    if mixed is not null then
        raise exception 'not a usable filter name: the word % mixes Latin, Cyrillic or Greek letters, '
                        'which makes it look like a word it is not', quote_literal(mixed)
            using errcode = '22023';
    end if;
    return normal;
end
$$;

-- What two names must not share: the name's skeleton. Compatibility forms unfolded (NFKD: "ＴＲＡＶＥＬ"
-- is "TRAVEL", a decomposed "é" is the composed one), Cyrillic and Greek letters that look like a
-- Latin letter taken as that letter (case for case: Cyrillic "Т" is "T", "а" is "a"), case folded
-- (lower(), and "ß" as "ss", a final "ς" as "σ", as casefold does), invisible characters dropped,
-- spaces as one. The lookalikes are those of Unicode's confusables.txt (UTS #39) among Cyrillic
-- and Greek letters whose prototype is one Latin letter, each mapped to the Latin letter of its
-- own case; the table is applied again after folding, for lowercase letters whose capitals look
-- like nothing Latin. lower() folds as the database's collation does: every alphabet under a
-- UTF-8 locale (as on Supabase), only A-Z under the C locale.
create function drive_tagger_filter_name_key(name text) returns text
    language plpgsql immutable strict parallel safe
    set search_path = pg_catalog
as $$
declare
    --            Cyrillic                                    Greek
    lookalike constant text := 'ЅІЈАВЕКМНОРСТУХЬагеорсухѕіјѡѴѵҮүһҽӀӏԁԌԛԜԝ' || 'ͿΑΒΕΖΗΙΚΜΝΟΡΤΥΧαγινορσυϜϳϺ';
    latin constant text     := 'SIJABEKMHOPCTYXbareopcyxsijwVvYyheIidGqWw' || 'JABEZHIKMNOPTYXayivopouFjM';
    key text := translate(normalize(drive_tagger_filter_name_key.name, NFKD), lookalike, latin);
begin
    key := replace(replace(lower(key), 'ß', 'ss'), 'ς', 'σ');
    key := translate(key, lookalike, latin);
    key := regexp_replace(key, '[\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E'
                               '\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\U0001BCA0-\U0001BCA3'
                               '\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]', '', 'g');
    return btrim(regexp_replace(key, '[\u0020\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+', ' ', 'g'), ' ');
end
$$;

-- The old limit (200 characters, spaces trimmed) gives way to the rules; new and changed names only.
alter table category_pins drop constraint if exists category_pins_name_check;
alter table corrections drop constraint if exists corrections_name_check;
alter table category_pins add constraint category_pins_name_rules
    check (name = drive_tagger_check_filter_name(name)) not valid;
alter table corrections add constraint corrections_name_rules
    check (name is null or name = drive_tagger_check_filter_name(name)) not valid;

-- Every name written to category_pins (by the backend, or by a member straight through the API)
-- and to corrections: normalised, checked, and refused when the workspace already has it. Runs as
-- the writer, so a member's check sees only their own workspace (Row Level Security), and the
-- write of a non-member is then refused by the policy without having learnt anything. Writers of
-- one workspace's names wait for each other (advisory lock (3, workspace); 1 and 2 are the
-- session locks of adapters/postgres/workspaces.py), so two at once cannot both take a name.
create function drive_tagger_filter_name_write() returns trigger
    language plpgsql
    set search_path = drive_tagger
as $$
declare
    key text;
    active bigint;
    since timestamptz;
    clash record;
begin
    new.name := drive_tagger_check_filter_name(new.name);
    if new.name is null then
        return new;
    end if;
    key := drive_tagger_filter_name_key(new.name);
    perform pg_advisory_xact_lock(3, new.workspace_id::int4);
    select w.active_refresh_id, r.started_at into active, since
    from workspaces w left join refresh_runs r on r.id = w.active_refresh_id
    where w.id = new.workspace_id;
    -- The active filters' names (a pinned name wins), other than the filter being renamed.
    select c.category_id, coalesce(p.name, c.name) as name into clash
    from categories c
    left join category_pins p on p.workspace_id = c.workspace_id and p.category_id = c.category_id
    where c.refresh_id = active and c.category_id is distinct from new.category_id
      and drive_tagger_filter_name_key(coalesce(p.name, c.name)) = key
    order by c.category_id
    limit 1;
    if found then
        raise exception using errcode = '22023', message = format(
            'filter %s is already called %L%s; names are unique', clash.category_id, clash.name,
            case when lower(normalize(clash.name, NFKC)) = lower(normalize(new.name, NFKC)) then ''
                 else ', which looks the same' end);
    end if;
    -- Filters made from picked documents since the active refresh began, not yet made by a refresh.
    select cr.category_id, cr.name into clash
    from corrections cr
    where cr.workspace_id = new.workspace_id and cr.kind = 'learned' and cr.category_id is distinct from new.category_id
      and (since is null or cr.created_at >= since)
      and not exists (select 1 from categories c where c.refresh_id = active and c.category_id = cr.category_id)
      and drive_tagger_filter_name_key(cr.name) = key
    order by cr.id
    limit 1;
    if found then
        raise exception 'filter % is already called % (the next refresh makes it); names are unique',
            clash.category_id, quote_literal(clash.name)
            using errcode = '22023';
    end if;
    return new;
end
$$;
-- (A pin moved to another filter is checked again: its name must not be that filter's neighbour's.)
create trigger category_pins_name_rules before insert or update of name, category_id, workspace_id on category_pins
    for each row execute function drive_tagger_filter_name_write();
create trigger corrections_name_rules before insert or update of name on corrections
    for each row when (new.name is not null) execute function drive_tagger_filter_name_write();


-- Document ids ---------------------------------------------------------------------------------------
--
-- A correction names documents by the app's ids. As the API (404) and the CLI do, an id the
-- workspace does not hold is an error that names it, and the call records nothing and queues
-- nothing (it was recorded as an empty correction, and a refresh queued); an id given twice counts
-- once; a move or a new filter names at least one document.

-- The workspace's documents with these ids, each once; or an error naming the ids it lacks (the
-- first five, each cut to 200 characters: a caller's input is not echoed whole).
create function workspace_document_ids(ws bigint, external_ids text[]) returns bigint[]
    language plpgsql stable
    set search_path = drive_tagger
as $$
declare
    found_ids bigint[];
    missing text[];
begin
    if coalesce(cardinality(external_ids), 0) = 0 then
        raise exception 'name at least one document' using errcode = '22023';
    end if;
    select coalesce(array_agg(d.id order by d.id), '{}') into found_ids
    from documents d where d.workspace_id = ws and d.external_id = any(external_ids);
    select array_agg(m.x order by m.first) into missing
    from (select u.x, min(u.ord) as first from unnest(external_ids) with ordinality as u(x, ord)
          where not exists (select 1 from documents d where d.workspace_id = ws and d.external_id = u.x)
          group by u.x) m;
    if missing is not null then
        raise exception using errcode = 'P0002', message = format(
            'no document %s%s in workspace %L',
            (select string_agg(quote_nullable(left(x, 200)), ', ') from unnest(missing[1:5]) as x),
            case when cardinality(missing) > 5 then ' ...' else '' end,
            (select slug from workspaces where id = ws));
    end if;
    return found_ids;
end
$$;

-- As before, and: the documents of a move or a merge counted once each; a move names at least one
-- document; a filter made from documents needs a name (its rules: the trigger on corrections).
create or replace function record_correction(ws bigint, what correction_kind, category integer, documents bigint[],
                                             other integer default null, filter_name text default null,
                                             made_by uuid default null) returns bigint
    language plpgsql
    set search_path = drive_tagger, extensions
as $$
declare
    made bigint;
    active bigint;
    members bigint[] := (select coalesce(array_agg(distinct d order by d), '{}')
                         from unnest(record_correction.documents) as d where d is not null);
    split_groups jsonb;
begin
    select active_refresh_id into active from workspaces where id = ws for update;
    if what in ('merge', 'split') and not exists (
            select 1 from categories where refresh_id = active and category_id = category
              and parent_category_id is null) then
        raise exception 'no top-level filter % in this workspace', category using errcode = 'P0002';
    end if;
    if what = 'merge' then
        if other = category or not exists (select 1 from categories where refresh_id = active
                                           and category_id = other and parent_category_id is null) then
            raise exception 'no other top-level filter % to merge into %', other, category using errcode = 'P0002';
        end if;
        members := active_members(ws, array[category, other]);
    elsif what = 'split' then
        select jsonb_object_agg(c.category_id::text, to_jsonb(active_members(ws, array[c.category_id])))
            into split_groups
        from categories c where c.refresh_id = active and c.parent_category_id = category;
        if split_groups is null then
            raise exception 'filter % has no sub-filters to split into', category using errcode = '22023';
        end if;
    elsif what = 'learned' then
        if cardinality(members) = 0 then
            raise exception 'a filter needs at least one document' using errcode = '22023';
        end if;
        if filter_name is null then
            raise exception 'a filter needs a name' using errcode = '22023';
        end if;
        update workspaces set next_category_id = next_category_id + 1 where id = ws
            returning next_category_id - 1 into category;
    elsif what = 'move' then
        if cardinality(members) = 0 then
            raise exception 'name at least one document' using errcode = '22023';
        end if;
        if category is not null and not exists (
                select 1 from categories where refresh_id = active and category_id = category) then
            raise exception 'no filter % in this workspace', category using errcode = 'P0002';
        end if;
    end if;
    insert into corrections (workspace_id, kind, category_id, document_ids, groups, name, created_by)
    values (ws, what, category, members, split_groups, filter_name, made_by)
    returning id into made;
    if what = 'move' and active is not null then
        with gone as (
            delete from document_categories
            where refresh_id = active and document_id = any(members)
            returning category_id)
        update categories c set documents = c.documents - g.links
        from (select gone.category_id, count(*) as links from gone group by gone.category_id) g
        where c.refresh_id = active and c.category_id = g.category_id;
        -- The filter and, for a sub-filter, its top-level filter, scored as a refresh scores them.
        with added as (
            insert into document_categories (refresh_id, document_id, category_id, score, rank)
            select active, d.id, c.category_id, 1 - (e.embedding <=> c.centroid), 1
            from documents d
            join workspaces w on w.id = d.workspace_id
            join embeddings e on e.model = w.embedding_model and e.content_hash = d.content_hash
            join categories c on c.refresh_id = active and c.category_id in (
                category, (select parent_category_id from categories where refresh_id = active and category_id = category))
            where d.workspace_id = ws and d.id = any(members) and category is not null
            returning category_id)
        update categories c set documents = c.documents + a.links
        from (select added.category_id, count(*) as links from added group by added.category_id) a
        where c.refresh_id = active and c.category_id = a.category_id;
    end if;
    return made;
end
$$;

-- As before, with the documents' ids checked (workspace_document_ids), and a move queues no refresh:
-- it shows at once, as the API's and the CLI's moves do.
create or replace function apply_member_correction(workspace text, what correction_kind, category integer,
                                                   documents text[], other integer default null,
                                                   filter_name text default null) returns bigint
    language plpgsql security definer
    set search_path = drive_tagger
as $$
declare
    ws bigint;
    made bigint;
begin
    select w.id into ws from workspaces w
    where w.slug = apply_member_correction.workspace and w.id in (select member_workspace_ids());
    if ws is null then
        raise exception 'unknown workspace %', apply_member_correction.workspace using errcode = 'P0002';
    end if;
    made := record_correction(ws, what, category,
        case when what in ('move', 'learned') then workspace_document_ids(ws, apply_member_correction.documents)
             else '{}' end,
        other, filter_name, request_user_id());
    if what <> 'move' then
        perform queue_workspace_refresh(apply_member_correction.workspace);
    end if;
    return made;
end
$$;


-- Privileges ----------------------------------------------------------------------------------------

revoke execute on function drive_tagger_filter_name_write(), workspace_document_ids(bigint, text[])
    from public, anon, authenticated;
revoke execute on function drive_tagger_check_filter_name(text), drive_tagger_filter_name_key(text) from public, anon;
-- A member's write to category_pins runs the name rules as that member; an app may also call them
-- to check a name before saving it.
grant execute on function drive_tagger_check_filter_name(text), drive_tagger_filter_name_key(text) to authenticated;

-- The service role reads every workspace through the functions that read (it bypasses RLS), checks
-- names (its writes to category_pins run the rules as it), and adds and removes members. It has no
-- user: the corrections are a member's (they record who made them) and the JWT helpers answer
-- nothing for it, so it may not call those, nor anything internal. (On Supabase it also holds what Supabase grants
-- it by default on tables; only our functions are taken back here.)
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'service_role') then
        return;
    end if;
    revoke execute on function active_members(bigint, integer[]),
        record_correction(bigint, correction_kind, integer, bigint[], integer, text, uuid),
        queue_workspace_refresh(text), apply_member_correction(text, correction_kind, integer, text[], integer, text),
        move_documents(text, text[], integer), merge_filters(text, integer, integer), split_filter(text, integer),
        create_filter(text, text, text[]), request_user_id(), member_workspace_ids(), ensure_model_index(text),
        notify_reads(),
        new_links_partition(bigint), attach_links_partition(bigint), drop_links_partitions(bigint, bigint[]),
        drive_tagger_filter_name_write(), workspace_document_ids(bigint, text[])
        from service_role;
    grant usage on schema drive_tagger, extensions to service_role;
    grant select on workspaces, documents, embeddings, embedding_models, categories, category_pins,
        document_categories to service_role;
    grant select, insert, delete on workspace_members to service_role;
    grant execute on function category_filters(text), filter_documents(text, integer, integer, integer),
        document_tags(bigint), match_documents(extensions.vector, text, integer),
        drive_tagger_check_filter_name(text), drive_tagger_filter_name_key(text) to service_role;
end
$$;
