-- Staging: one row per parsed item exactly as the message said it (after pseudonymisation),
-- written by COPY, tagged with its batch, file and source line. Nothing here is trusted yet.
-- batch_id/file_sha256 carry no foreign keys: every row is written in the transaction that
-- records its file in meta.file_manifest, and the checks would halve the COPY speed.
CREATE SCHEMA IF NOT EXISTS staging;

CREATE TABLE IF NOT EXISTS staging.jw301_toegewezen_product (
    row_id                bigserial PRIMARY KEY,
    batch_id              bigint NOT NULL,
    file_sha256           char(64) NOT NULL,
    bron_regel            integer,
    bericht_identificatie text NOT NULL,
    dagtekening           date NOT NULL,
    gemeente              text NOT NULL,
    aanbieder             text NOT NULL,
    client_pseudoniem     char(64) NOT NULL,
    bsn_elfproef          boolean NOT NULL,
    geboortejaar          smallint,
    geslacht              text,
    postcode4             text,
    toewijzing_nummer     bigint NOT NULL,
    referentie_aanbieder  text,
    product_categorie     text,
    product_code          text,
    toewijzingsdatum      date NOT NULL,
    toewijzingstijd       time NOT NULL,
    ingangsdatum          date NOT NULL,
    einddatum             date,
    reden_wijziging       text,
    volume                bigint,
    eenheid               text,
    frequentie            text,
    budget                bigint
);
CREATE INDEX IF NOT EXISTS jw301_toegewezen_product_batch ON staging.jw301_toegewezen_product (batch_id);

CREATE TABLE IF NOT EXISTS staging.jw323_prestatie (
    row_id                         bigserial PRIMARY KEY,
    batch_id                       bigint NOT NULL,
    file_sha256                    char(64) NOT NULL,
    bron_regel                     integer,
    bericht_identificatie          text NOT NULL,
    dagtekening                    date NOT NULL,
    gemeente                       text NOT NULL,
    aanbieder                      text NOT NULL,
    declaratie_nummer              text NOT NULL,
    declaratie_periode_begindatum  date NOT NULL,
    declaratie_periode_einddatum   date NOT NULL,
    declaratie_dagtekening         date NOT NULL,
    totaal_ingediend_bedrag        bigint NOT NULL,
    client_pseudoniem              char(64) NOT NULL,
    bsn_elfproef                   boolean NOT NULL,
    referentie_nummer              text NOT NULL,
    vorig_referentie_nummer        text,
    toewijzing_nummer              bigint NOT NULL,
    product_categorie              text NOT NULL,
    product_code                   text NOT NULL,
    product_periode_begindatum     date NOT NULL,
    product_periode_einddatum      date NOT NULL,
    geleverd_volume                bigint NOT NULL,
    eenheid                        text NOT NULL,
    product_tarief                 bigint,
    ingediend_bedrag               bigint NOT NULL,
    debet_credit                   char(1) NOT NULL
);
CREATE INDEX IF NOT EXISTS jw323_prestatie_batch ON staging.jw323_prestatie (batch_id);

-- Data quality: rows that failed an expectation, with the rule that broke, kept for replay.
CREATE SCHEMA IF NOT EXISTS dq;
CREATE TABLE IF NOT EXISTS dq.quarantine (
    dataset       text NOT NULL,          -- staging table name
    row_id        bigint NOT NULL,        -- staging row
    batch_id      bigint NOT NULL REFERENCES meta.load_batch,
    file_sha256   char(64) NOT NULL,
    bron_regel    integer,
    regel_codes   text[] NOT NULL,        -- iJw rule codes (and retour codes) that failed
    reden         text NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    replay_batch_id bigint REFERENCES meta.load_batch, -- set when the line was re-audited in that batch
    PRIMARY KEY (dataset, row_id)
);
CREATE TABLE IF NOT EXISTS dq.validation_result (
    batch_id        bigint NOT NULL REFERENCES meta.load_batch,
    dataset         text NOT NULL,
    regel_code      text NOT NULL,
    expectation     text NOT NULL,
    success         boolean NOT NULL,
    rows_checked    bigint NOT NULL,
    rows_failed     bigint NOT NULL,
    data_docs_page  text,                 -- GX Data Docs page of this run, relative to the docs folder
    validated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (batch_id, dataset, regel_code)
);

-- JW305 StartProduct / JW307 StopProduct: delta records (StatusAanlevering 1 add, 3 delete).
CREATE TABLE IF NOT EXISTS staging.jw305_start_product (
    row_id                  bigserial PRIMARY KEY,
    batch_id                bigint NOT NULL,
    file_sha256             char(64) NOT NULL,
    bron_regel              integer,
    bericht_identificatie   text NOT NULL,
    dagtekening             date NOT NULL,
    gemeente                text NOT NULL,
    aanbieder               text NOT NULL,
    client_pseudoniem       char(64) NOT NULL,
    bsn_elfproef            boolean NOT NULL,
    geboortejaar            smallint,
    geslacht                text,
    toewijzing_nummer       bigint,
    product_categorie       text,
    product_code            text,
    toewijzing_ingangsdatum date,
    begindatum              date NOT NULL,
    status_aanlevering      text NOT NULL
);
CREATE INDEX IF NOT EXISTS jw305_start_product_batch ON staging.jw305_start_product (batch_id);

CREATE TABLE IF NOT EXISTS staging.jw307_stop_product (
    row_id                  bigserial PRIMARY KEY,
    batch_id                bigint NOT NULL,
    file_sha256             char(64) NOT NULL,
    bron_regel              integer,
    bericht_identificatie   text NOT NULL,
    dagtekening             date NOT NULL,
    gemeente                text NOT NULL,
    aanbieder               text NOT NULL,
    client_pseudoniem       char(64) NOT NULL,
    bsn_elfproef            boolean NOT NULL,
    geboortejaar            smallint,
    geslacht                text,
    toewijzing_nummer       bigint,
    product_categorie       text,
    product_code            text,
    toewijzing_ingangsdatum date,
    begindatum              date NOT NULL,
    reden_beeindiging       text NOT NULL,
    einddatum               date NOT NULL,
    status_aanlevering      text NOT NULL
);
CREATE INDEX IF NOT EXISTS jw307_stop_product_batch ON staging.jw307_stop_product (batch_id);

-- JW315 AangevraagdProduct (verzoek om toewijzing). The referrer's name is never stored.
CREATE TABLE IF NOT EXISTS staging.jw315_aangevraagd_product (
    row_id                      bigserial PRIMARY KEY,
    batch_id                    bigint NOT NULL,
    file_sha256                 char(64) NOT NULL,
    bron_regel                  integer,
    bericht_identificatie       text NOT NULL,
    dagtekening                 date NOT NULL,
    gemeente                    text NOT NULL,
    aanbieder                   text NOT NULL,
    client_pseudoniem           char(64) NOT NULL,
    bsn_elfproef                boolean NOT NULL,
    geboortejaar                smallint,
    geslacht                    text,
    referentie_aanbieder        text NOT NULL,
    beschikking_nummer          bigint,
    product_categorie           text,
    product_code                text,
    beschikking_ingangsdatum    date,
    toewijzing_ingangsdatum     date NOT NULL,
    toewijzing_einddatum        date,
    volume                      bigint,
    eenheid                     text,
    frequentie                  text,
    budget                      bigint,
    verwijzer_type              text NOT NULL,
    verwijzer_zorgverlener_code text,
    raamcontract                text
);
CREATE INDEX IF NOT EXISTS jw315_aangevraagd_product_batch ON staging.jw315_aangevraagd_product (batch_id);

-- JW317 Verzoek om wijziging: one row per listed product (ongewijzigd / te_wijzigen / nieuw).
CREATE TABLE IF NOT EXISTS staging.jw317_verzoek_product (
    row_id                  bigserial PRIMARY KEY,
    batch_id                bigint NOT NULL,
    file_sha256             char(64) NOT NULL,
    bron_regel              integer,
    bericht_identificatie   text NOT NULL,
    dagtekening             date NOT NULL,
    gemeente                text NOT NULL,
    aanbieder               text NOT NULL,
    client_pseudoniem       char(64) NOT NULL,
    bsn_elfproef            boolean NOT NULL,
    referentie_aanbieder    text NOT NULL,
    reden_verzoek           text NOT NULL,
    soort_product           text NOT NULL,
    toewijzing_nummer       bigint,
    product_categorie       text,
    product_code            text,
    gewenste_ingangsdatum   date,
    einddatum               date,
    volume                  bigint,
    eenheid                 text,
    frequentie              text,
    budget                  bigint
);
CREATE INDEX IF NOT EXISTS jw317_verzoek_product_batch ON staging.jw317_verzoek_product (batch_id);

-- JW319 Antwoord on a VOT/VOW (no client data in this message).
CREATE TABLE IF NOT EXISTS staging.jw319_antwoord (
    row_id                      bigserial PRIMARY KEY,
    batch_id                    bigint NOT NULL,
    file_sha256                 char(64) NOT NULL,
    bron_regel                  integer,
    bericht_identificatie       text NOT NULL,
    dagtekening                 date NOT NULL,
    gemeente                    text NOT NULL,
    aanbieder                   text NOT NULL,
    referentie_aanbieder        text NOT NULL,
    verzoek_antwoord            text NOT NULL,
    reden_afwijzing_verzoek     text,
    woonplaatsbeginsel_gemeente text
);
CREATE INDEX IF NOT EXISTS jw319_antwoord_batch ON staging.jw319_antwoord (batch_id);

-- JW325 Declaratie-antwoord: one row per message, and the (rejected) lines it lists.
CREATE TABLE IF NOT EXISTS staging.jw325_declaratie_antwoord (
    row_id                               bigserial PRIMARY KEY,
    batch_id                             bigint NOT NULL,
    file_sha256                          char(64) NOT NULL,
    bron_regel                           integer,
    bericht_identificatie                text NOT NULL,
    dagtekening                          date NOT NULL,
    gemeente                             text NOT NULL,
    aanbieder                            text NOT NULL,
    declaratie_identificatie             text NOT NULL,
    declaratie_identificatie_dagtekening date NOT NULL,
    header_retour_codes                  text[] NOT NULL,
    declaratie_nummer                    text,
    totaal_ingediend_bedrag              bigint,
    totaal_toegekend_bedrag              bigint,
    antwoord_retour_codes                text[]
);
CREATE INDEX IF NOT EXISTS jw325_declaratie_antwoord_batch ON staging.jw325_declaratie_antwoord (batch_id);

CREATE TABLE IF NOT EXISTS staging.jw325_prestatie (
    row_id                       bigserial PRIMARY KEY,
    batch_id                     bigint NOT NULL,
    file_sha256                  char(64) NOT NULL,
    bron_regel                   integer,
    bericht_identificatie        text NOT NULL,
    dagtekening                  date NOT NULL,
    gemeente                     text NOT NULL,
    aanbieder                    text NOT NULL,
    declaratie_identificatie     text NOT NULL,
    declaratie_nummer            text,
    client_pseudoniem            char(64) NOT NULL,
    bsn_elfproef                 boolean NOT NULL,
    client_retour_codes          text[],
    referentie_nummer            text NOT NULL,
    vorig_referentie_nummer      text,
    toewijzing_nummer            bigint NOT NULL,
    product_categorie            text NOT NULL,
    product_code                 text NOT NULL,
    product_periode_begindatum   date NOT NULL,
    product_periode_einddatum    date NOT NULL,
    geleverd_volume              bigint NOT NULL,
    eenheid                      text NOT NULL,
    product_tarief               bigint,
    ingediend_bedrag             bigint NOT NULL,
    debet_credit                 char(1) NOT NULL,
    retour_codes                 text[] NOT NULL
);
CREATE INDEX IF NOT EXISTS jw325_prestatie_batch ON staging.jw325_prestatie (batch_id);

-- Lookups for cross-message rules (declaration line -> assignment, credit -> debit).
CREATE INDEX IF NOT EXISTS jw301_toegewezen_product_nummer
    ON staging.jw301_toegewezen_product (gemeente, toewijzing_nummer);
CREATE INDEX IF NOT EXISTS jw323_prestatie_referentie
    ON staging.jw323_prestatie (aanbieder, referentie_nummer);
CREATE INDEX IF NOT EXISTS jw323_prestatie_vorig
    ON staging.jw323_prestatie (aanbieder, vorig_referentie_nummer) WHERE vorig_referentie_nummer IS NOT NULL;

-- Upgrades of warehouses created by an earlier version.
ALTER TABLE dq.quarantine ADD COLUMN IF NOT EXISTS replay_batch_id bigint REFERENCES meta.load_batch;
ALTER TABLE dq.validation_result ADD COLUMN IF NOT EXISTS data_docs_page text;
-- what the rule means in one line (the expectation's meta.omschrijving), next to its code
ALTER TABLE dq.validation_result ADD COLUMN IF NOT EXISTS omschrijving text;
COMMENT ON COLUMN dq.validation_result.omschrijving IS 'Betekenis van de regel in één zin (meta.omschrijving van de expectation)';
-- The gemeente of a quarantined line is that of its file (the message header names it); NULL =
-- region-wide / unknown. Filled on insert from the manifest, whoever quarantines the line.
ALTER TABLE dq.quarantine ADD COLUMN IF NOT EXISTS gemeente text;
CREATE OR REPLACE FUNCTION dq.quarantine_gemeente() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.gemeente IS NULL THEN
        NEW.gemeente := (SELECT m.gemeente FROM meta.file_manifest m WHERE m.file_sha256 = NEW.file_sha256);
    END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER quarantine_gemeente BEFORE INSERT ON dq.quarantine
    FOR EACH ROW EXECUTE FUNCTION dq.quarantine_gemeente();
COMMENT ON COLUMN dq.quarantine.gemeente IS
    'Gemeente uit de header van het bericht van deze regel; NULL = regiobreed of onbekend';
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
             WHERE contype = 'f' AND connamespace = 'staging'::regnamespace
               AND confrelid IN ('meta.load_batch'::regclass, 'meta.file_manifest'::regclass)
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
    END LOOP;
END $$;
