-- The model registry: named models whose numbered versions point at runs, and aliases
-- (production, staging...) that name one version each and move in one statement.

create table registered_model (
    id          bigint generated always as identity primary key,
    name        varchar(256) not null,
    description text,
    created_at  timestamptz  not null,
    updated_at  timestamptz  not null
);
create unique index registered_model_name_uk on registered_model (name);

create table model_version (
    model_id    bigint        not null references registered_model (id) on delete cascade,
    version     int           not null,
    run_id      bigint        not null references run (id),
    -- As the client sent it (runs:/<run>/model, mlflow-artifacts:/...): shown back, never resolved.
    source      varchar(1024) not null,
    description text,
    created_at  timestamptz   not null,
    updated_at  timestamptz   not null,
    primary key (model_id, version)
);
create index model_version_run_idx on model_version (run_id);

-- An alias names one version of its model; deleting the version deletes the alias.
create table model_alias (
    model_id bigint       not null,
    alias    varchar(256) not null,
    version  int          not null,
    primary key (model_id, alias),
    foreign key (model_id, version) references model_version (model_id, version) on delete cascade
);
