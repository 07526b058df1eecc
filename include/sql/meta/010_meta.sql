-- Run bookkeeping: load batches and the SHA-256 file manifest.
-- Every input file ends in exactly one state; a file's content hash is its identity, so a file
-- that was already processed is never processed again, whatever its name.
CREATE SCHEMA IF NOT EXISTS meta;

-- A batch is open (staging -> staged -> validated) until it is published or failed; there is at
-- most one open batch that new files join: a rerun after a crash continues it.
CREATE TABLE IF NOT EXISTS meta.load_batch (
    batch_id      bigserial PRIMARY KEY,
    run_id        text,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'staging'
                  CONSTRAINT load_batch_status_v2
                  CHECK (status IN ('staging', 'staged', 'validated', 'published', 'failed')),
    message       text
);

CREATE TABLE IF NOT EXISTS meta.file_manifest (
    file_sha256           char(64) PRIMARY KEY,  -- content hash; for a refused/skipped entry a hash of its name and inode
    file_name             text NOT NULL,
    file_size             bigint NOT NULL,
    bericht_type          text,
    afzender              text,
    bericht_identificatie text,
    state                 text NOT NULL CONSTRAINT file_manifest_state_v2
                          CHECK (state IN ('staged', 'loaded', 'quarantined', 'refused', 'skipped')),
    reason                text,
    batch_id              bigint REFERENCES meta.load_batch,
    record_count          integer,
    received_at           timestamptz NOT NULL DEFAULT now(),
    archived_as           text,
    CONSTRAINT file_manifest_reason_v2 CHECK ((state IN ('quarantined', 'refused', 'skipped')) = (reason IS NOT NULL))
);
-- TR056: BerichtIdentificatie is unique per message type and sender.
CREATE UNIQUE INDEX IF NOT EXISTS file_manifest_bericht_uq
    ON meta.file_manifest (bericht_type, afzender, bericht_identificatie)
    WHERE state <> 'quarantined';

-- Upgrades of warehouses created by an earlier version.
ALTER TABLE meta.file_manifest
    ADD COLUMN IF NOT EXISTS gemeente text,         -- the gemeente the message header names (NULL: unknown)
    ADD COLUMN IF NOT EXISTS move_from text,        -- set while the file still has to move to archived_as
    ADD COLUMN IF NOT EXISTS purged_at timestamptz; -- the stored original was removed (retention)
CREATE INDEX IF NOT EXISTS file_manifest_pending_move ON meta.file_manifest (received_at) WHERE move_from IS NOT NULL;
CREATE INDEX IF NOT EXISTS file_manifest_batch ON meta.file_manifest (batch_id);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'meta.file_manifest'::regclass
                   AND conname = 'file_manifest_state_v2') THEN
        ALTER TABLE meta.file_manifest
            DROP CONSTRAINT IF EXISTS file_manifest_state_check,
            DROP CONSTRAINT IF EXISTS file_manifest_check,
            ADD CONSTRAINT file_manifest_state_v2
                CHECK (state IN ('staged', 'loaded', 'quarantined', 'refused', 'skipped')),
            ADD CONSTRAINT file_manifest_reason_v2
                CHECK ((state IN ('quarantined', 'refused', 'skipped')) = (reason IS NOT NULL));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'meta.load_batch'::regclass
                   AND conname = 'load_batch_status_v2') THEN
        ALTER TABLE meta.load_batch
            DROP CONSTRAINT IF EXISTS load_batch_status_check,
            ADD CONSTRAINT load_batch_status_v2
                CHECK (status IN ('staging', 'staged', 'validated', 'published', 'failed'));
    END IF;
END $$;
COMMENT ON COLUMN meta.file_manifest.gemeente IS
    'Gemeente die de berichtheader noemt (afzender of ontvanger); NULL = onbekend of regiobreed';
