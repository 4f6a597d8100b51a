-- How far a running job has come: its stage (embedding, further windows, clustering, keywords,
-- naming, writing) and, where it counts something, how many of how many. The worker writes it as
-- each stage begins or a batch ends; the page and `GET .../jobs/{id}` read it. Backend-only,
-- like job_errors: RLS on and no policy, so no API role reads it.
set search_path = drive_tagger, extensions, public;

create table job_progress (
    job_id bigint primary key references procrastinate_jobs (id) on delete cascade,
    stage text not null check (length(stage) between 1 and 40),
    done integer check (done >= 0),
    total integer check (total >= 0),
    at timestamptz not null default now()
);

alter table job_progress enable row level security;
revoke all on job_progress from anon, authenticated;
