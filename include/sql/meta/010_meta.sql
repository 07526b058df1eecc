-- Run bookkeeping: load batches and the SHA-256 file manifest.
-- Every input file ends in exactly one state; a file's content hash is its identity, so a file
-- that was already processed is never processed again, whatever its name.
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE IF NOT EXISTS meta.load_batch (
    batch_id      bigserial PRIMARY KEY,
    run_id        text,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'staging'
                  CHECK (status IN ('staging', 'staged', 'published', 'failed')),
    message       text
);

CREATE TABLE IF NOT EXISTS meta.file_manifest (
    file_sha256           char(64) PRIMARY KEY,
    file_name             text NOT NULL,
    file_size             bigint NOT NULL,
    bericht_type          text,
    afzender              text,
    bericht_identificatie text,
    state                 text NOT NULL CHECK (state IN ('staged', 'loaded', 'quarantined')),
    reason                text,
    batch_id              bigint REFERENCES meta.load_batch,
    record_count          integer,
    received_at           timestamptz NOT NULL DEFAULT now(),
    archived_as           text,
    CHECK ((state = 'quarantined') = (reason IS NOT NULL))
);
-- TR056: BerichtIdentificatie is unique per message type and sender.
CREATE UNIQUE INDEX IF NOT EXISTS file_manifest_bericht_uq
    ON meta.file_manifest (bericht_type, afzender, bericht_identificatie)
    WHERE state <> 'quarantined';
