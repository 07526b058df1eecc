-- Core: the trusted, deduplicated warehouse model. Only rows that passed validation arrive
-- here (write-audit-publish). Keys follow the iJw standard; every row keeps its lineage
-- (file_sha256, bericht_identificatie, batch_id). No BSN, name, address or contact data.
CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE IF NOT EXISTS core.gemeente (
    gemeente       text PRIMARY KEY CHECK (gemeente ~ '^[0-9]{4}$'),
    gemeente_naam  text NOT NULL,
    cbs_code       text GENERATED ALWAYS AS ('GM' || gemeente) STORED
);

CREATE TABLE IF NOT EXISTS core.client (
    client_pseudoniem  char(64) PRIMARY KEY,   -- HMAC-SHA256 of the BSN, keyed
    bsn_elfproef       boolean NOT NULL,
    geboortejaar       smallint,
    geslacht           text,
    postcode4          text,
    bijgewerkt_op      timestamptz NOT NULL DEFAULT now()
);

-- JW301 ToegewezenProduct: every version of an assignment. Identity (gemeente,
-- toewijzing_nummer); version = (toewijzingsdatum, toewijzingstijd). A re-sent unchanged
-- assignment is the same version and is not stored twice.
CREATE TABLE IF NOT EXISTS core.toewijzing (
    gemeente              text NOT NULL REFERENCES core.gemeente,
    toewijzing_nummer     bigint NOT NULL,
    toewijzingsdatum      date NOT NULL,
    toewijzingstijd       time NOT NULL,
    aanbieder             text NOT NULL,
    client_pseudoniem     char(64) NOT NULL REFERENCES core.client,
    referentie_aanbieder  text,
    product_categorie     text,
    product_code          text,
    ingangsdatum          date NOT NULL,
    einddatum             date,
    reden_wijziging       text,
    volume                bigint,
    eenheid               text,
    frequentie            text,
    budget                bigint,
    bericht_identificatie text NOT NULL,
    file_sha256           char(64) NOT NULL,
    batch_id              bigint NOT NULL,
    PRIMARY KEY (gemeente, toewijzing_nummer, toewijzingsdatum, toewijzingstijd)
);

-- The current version of each assignment (latest Toewijzingsdatum+Toewijzingstijd, IV013);
-- RedenWijziging 13 with Einddatum = Ingangsdatum means it never existed (CS335). An open-ended
-- assignment (Einddatum NULL) or one without RedenWijziging is current: the test is IS NOT TRUE,
-- because NOT (NULL) would drop it.
CREATE OR REPLACE VIEW core.toewijzing_actueel AS
SELECT *
FROM (
    SELECT DISTINCT ON (gemeente, toewijzing_nummer) *
    FROM core.toewijzing
    ORDER BY gemeente, toewijzing_nummer, toewijzingsdatum DESC, toewijzingstijd DESC
) t
WHERE (reden_wijziging = '13' AND einddatum = ingangsdatum) IS NOT TRUE;

-- JW323 Declaratie (message level). Identity (aanbieder, declaratie_nummer).
CREATE TABLE IF NOT EXISTS core.declaratie (
    aanbieder                      text NOT NULL,
    declaratie_nummer              text NOT NULL,
    gemeente                       text NOT NULL REFERENCES core.gemeente,
    declaratie_periode_begindatum  date NOT NULL,
    declaratie_periode_einddatum   date NOT NULL,
    declaratie_dagtekening         date NOT NULL,
    totaal_ingediend_bedrag        bigint NOT NULL,   -- signed cents (D +, C -)
    bericht_identificatie          text NOT NULL,
    dagtekening                    date NOT NULL,
    file_sha256                    char(64) NOT NULL,
    batch_id                       bigint NOT NULL,
    PRIMARY KEY (aanbieder, declaratie_nummer)
);

-- JW323 Prestatie: one declaration line. Identity (aanbieder, referentie_nummer), unique forever
-- (OP283). Amounts are integer euro cents; the sign lives in debet_credit.
CREATE TABLE IF NOT EXISTS core.declaratie_regel (
    aanbieder                   text NOT NULL,
    referentie_nummer           text NOT NULL,
    declaratie_nummer           text NOT NULL,
    gemeente                    text NOT NULL REFERENCES core.gemeente,
    client_pseudoniem           char(64) NOT NULL REFERENCES core.client,
    vorig_referentie_nummer     text,
    toewijzing_nummer           bigint NOT NULL,
    product_categorie           text NOT NULL,
    product_code                text NOT NULL,
    product_periode_begindatum  date NOT NULL,
    product_periode_einddatum   date NOT NULL,
    geleverd_volume             bigint NOT NULL,
    eenheid                     text NOT NULL,
    product_tarief              bigint,
    ingediend_bedrag            bigint NOT NULL,
    debet_credit                char(1) NOT NULL CHECK (debet_credit IN ('D', 'C')),
    ingediend_bedrag_saldo      bigint GENERATED ALWAYS AS
                                (CASE debet_credit WHEN 'D' THEN ingediend_bedrag ELSE -ingediend_bedrag END) STORED,
    bron_regel                  integer,
    file_sha256                 char(64) NOT NULL,
    batch_id                    bigint NOT NULL,
    PRIMARY KEY (aanbieder, referentie_nummer),
    FOREIGN KEY (aanbieder, declaratie_nummer) REFERENCES core.declaratie
);
CREATE INDEX IF NOT EXISTS declaratie_regel_periode
    ON core.declaratie_regel (gemeente, product_periode_begindatum);
