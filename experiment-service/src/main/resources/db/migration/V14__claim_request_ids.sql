-- The request id a worker sent with the claim that holds the job, so that the same request sent
-- again (its answer lost to a timeout) answers that lease instead of leasing a second job and
-- leaving this one to lapse at the cost of an attempt.
alter table job add column claim_request uuid;
create index job_claim_request on job (claim_request) where claim_request is not null;
