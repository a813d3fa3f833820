-- Experiments, runs, params, tags, metrics, artifacts and the job queue.

create table experiment (
    id          bigint generated always as identity primary key,
    name        varchar(256) not null,
    description text,
    created_at  timestamptz  not null,
    updated_at  timestamptz  not null,
    deleted_at  timestamptz
);
-- Names are unique among live experiments only, so a deleted experiment's name can be reused.
create unique index experiment_live_name_uk on experiment (name) where deleted_at is null;
create index experiment_name_idx on experiment (name, id);

create table experiment_tag (
    experiment_id bigint        not null references experiment (id) on delete cascade,
    key           varchar(250)  not null,
    value         varchar(5000) not null,
    primary key (experiment_id, key)
);

create table run (
    id            bigint generated always as identity primary key,
    experiment_id bigint       not null references experiment (id),
    name          varchar(256),
    spec          text         not null,
    created_at    timestamptz  not null
);
create index run_experiment_idx on run (experiment_id, id);

create table run_param (
    run_id bigint        not null references run (id) on delete cascade,
    key    varchar(250)  not null,
    value  varchar(8000) not null,
    primary key (run_id, key)
);
create index run_param_key_value_idx on run_param (key, value);

create table run_tag (
    run_id bigint        not null references run (id) on delete cascade,
    key    varchar(250)  not null,
    value  varchar(5000) not null,
    primary key (run_id, key)
);

-- One job per run: the queue entry and, through its status, the run's lifecycle.
create table job (
    id                  bigint generated always as identity primary key,
    run_id              bigint      not null unique references run (id) on delete cascade,
    status              varchar(16) not null,
    model               varchar(32) not null,
    devices             int         not null,
    attempt             int         not null default 1,
    queued_at           timestamptz not null,
    started_at          timestamptz,
    ended_at            timestamptz,
    worker_id           varchar(256),
    lease_token         uuid,
    lease_expires_at    timestamptz,
    heartbeat_at        timestamptz,
    cancel_requested    boolean     not null default false,
    prune_requested     boolean     not null default false,
    message             text,
    progress_epoch      int,
    progress_epochs     int,
    progress_step       bigint,
    progress_steps      bigint,
    progress_images_per_second double precision,
    progress_eta_seconds       double precision,
    progress_at         timestamptz
);
-- The claim scans queued jobs oldest first; the sweeper scans running jobs by deadline.
create index job_queued_idx on job (queued_at, id) where status = 'QUEUED';
create index job_lease_idx on job (lease_expires_at) where status = 'RUNNING';
create index job_status_idx on job (status);

create table metric (
    run_id       bigint           not null references run (id) on delete cascade,
    key          varchar(250)     not null,
    value        double precision not null,
    step         bigint           not null,
    timestamp_ms bigint           not null
);
create index metric_run_key_step_idx on metric (run_id, key, step);

-- The newest point of each metric, kept on write so run views, search and ranking never scan history.
create table latest_metric (
    run_id       bigint           not null references run (id) on delete cascade,
    key          varchar(250)     not null,
    value        double precision not null,
    step         bigint           not null,
    timestamp_ms bigint           not null,
    primary key (run_id, key)
);
create index latest_metric_key_value_idx on latest_metric (key, value);

-- A row appears only once the file is complete and checksummed; the bytes live in the store by sha256.
create table artifact (
    run_id       bigint        not null references run (id) on delete cascade,
    path         varchar(1024) not null,
    size_bytes   bigint        not null,
    sha256       char(64)      not null,
    content_type varchar(255)  not null,
    created_at   timestamptz   not null,
    primary key (run_id, path)
);
