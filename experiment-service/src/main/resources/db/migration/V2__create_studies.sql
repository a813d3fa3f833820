-- Tuning studies: a search over run specs whose trials are ordinary runs.

create table study (
    id               bigint generated always as identity primary key,
    experiment_id    bigint       not null references experiment (id),
    name             varchar(256) not null,
    -- RUNNING, COMPLETED, STOPPED or FAILED
    status           varchar(16)  not null,
    algorithm        varchar(16)  not null,
    objective_metric varchar(250) not null,
    objective_mode   varchar(3)   not null,
    -- The request's base spec, search space and pruner settings as JSON.
    base_spec        text         not null,
    space            text         not null,
    pruner           text         not null,
    max_trials       int          not null,
    parallelism      int          not null,
    seed             bigint       not null,
    -- Moves in the same transaction as each trial's creation (under the study's row lock), so a crash
    -- can neither lose nor repeat a trial.
    trials_created   int          not null default 0,
    message          text,
    created_at       timestamptz  not null,
    ended_at         timestamptz
);
-- The scheduler scans running studies; the list pages by experiment.
create index study_running_idx on study (id) where status = 'RUNNING';
create index study_experiment_idx on study (experiment_id, id);

create table study_trial (
    study_id       bigint      not null references study (id) on delete cascade,
    number         int         not null,
    -- Null only for a trial whose suggestion could not become a valid spec (state FAILED).
    run_id         bigint      unique references run (id),
    -- The suggested values keyed by spec field (JSON), and the same in the sampler's coordinates.
    params         text        not null,
    sampler_values text        not null,
    -- Null while the run is live; the run's final status once the scheduler recorded it.
    state          varchar(16),
    objective      double precision,
    objective_step bigint,
    -- The last metric step the pruner judged, so each step is judged once.
    checked_step   bigint,
    -- Why the trial was pruned, or why it never became a run.
    message        text,
    created_at     timestamptz not null,
    ended_at       timestamptz,
    primary key (study_id, number)
);
-- Live trials per study (parallelism, pruning) and the best recorded trial.
create index study_trial_live_idx on study_trial (study_id) where state is null;
create index study_trial_objective_idx on study_trial (study_id, objective) where state = 'SUCCEEDED';
