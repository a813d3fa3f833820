-- Tags on registered models and model versions, as MLflow's registry keeps them (values as wide as
-- run tags), and each version's stage: MLflow deprecated stages for aliases, but its clients still
-- move versions between None, Staging, Production and Archived, so the stage is stored as sent.

create table registered_model_tag (
    model_id bigint        not null references registered_model (id) on delete cascade,
    key      varchar(250)  not null,
    value    varchar(8000) not null,
    primary key (model_id, key)
);

create table model_version_tag (
    model_id bigint        not null,
    version  int           not null,
    key      varchar(250)  not null,
    value    varchar(8000) not null,
    primary key (model_id, version, key),
    foreign key (model_id, version) references model_version (model_id, version) on delete cascade
);

alter table model_version add column stage varchar(16) not null default 'None';
