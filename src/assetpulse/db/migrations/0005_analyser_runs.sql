-- One row per analyser run (assetpulse analyse): when it started, how long it took and how
-- it ended. The analyser's own /health and the API's /health report the latest; a row left
-- 'running' with no finish is a run that died (killed, machine lost).
create table analyser_runs (
    id              bigserial primary key,
    started_at      timestamptz not null default now(),
    finished_at     timestamptz,
    duration_s      double precision check (duration_s >= 0),
    outcome         text not null default 'running' check (outcome in ('running', 'ok', 'failed')),
    cards           integer check (cards >= 0),
    suggestions_new integer check (suggestions_new >= 0),
    error           text,
    host            text not null default ''
);
create index analyser_runs_started_idx on analyser_runs (started_at desc);
create index analyser_runs_ok_idx on analyser_runs (started_at desc) where outcome = 'ok';
