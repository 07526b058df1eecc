-- Core for start/stop zorg, verzoeken and declaratie-antwoorden. Same conventions as 030:
-- iJw keys, lineage columns, no personal data beyond the client pseudonym.

-- JW305/JW307 are delta records: every received record is kept (…_mutatie); the current
-- state per logical key is the latest record (by Dagtekening, then arrival) when that record
-- adds (StatusAanlevering 1) rather than deletes (3).
CREATE TABLE IF NOT EXISTS core.zorg_start_mutatie (
    aanbieder               text NOT NULL,
    bericht_identificatie   text NOT NULL,
    bron_regel              integer NOT NULL,
    dagtekening             date NOT NULL,
    gemeente                text NOT NULL REFERENCES core.gemeente,
    client_pseudoniem       char(64) NOT NULL REFERENCES core.client,
    toewijzing_nummer       bigint,
    product_categorie       text,
    product_code            text,
    toewijzing_ingangsdatum date,
    begindatum              date NOT NULL,
    status_aanlevering      text NOT NULL CHECK (status_aanlevering IN ('1', '3')),
    file_sha256             char(64) NOT NULL,
    batch_id                bigint NOT NULL,
    PRIMARY KEY (aanbieder, bericht_identificatie, bron_regel)
);

CREATE TABLE IF NOT EXISTS core.zorg_stop_mutatie (
    aanbieder               text NOT NULL,
    bericht_identificatie   text NOT NULL,
    bron_regel              integer NOT NULL,
    dagtekening             date NOT NULL,
    gemeente                text NOT NULL REFERENCES core.gemeente,
    client_pseudoniem       char(64) NOT NULL REFERENCES core.client,
    toewijzing_nummer       bigint,
    product_categorie       text,
    product_code            text,
    toewijzing_ingangsdatum date,
    begindatum              date NOT NULL,
    reden_beeindiging       text NOT NULL,
    einddatum               date NOT NULL,
    status_aanlevering      text NOT NULL CHECK (status_aanlevering IN ('1', '3')),
    file_sha256             char(64) NOT NULL,
    batch_id                bigint NOT NULL,
    PRIMARY KEY (aanbieder, bericht_identificatie, bron_regel)
);

-- Current starts: key Bsn + ToewijzingNummer + Product + Begindatum (IV008).
CREATE OR REPLACE VIEW core.zorg_start AS
SELECT aanbieder, gemeente, client_pseudoniem, toewijzing_nummer, product_categorie, product_code,
       toewijzing_ingangsdatum, begindatum, bericht_identificatie, dagtekening
FROM (
    SELECT DISTINCT ON (aanbieder, client_pseudoniem, toewijzing_nummer, product_categorie, product_code, begindatum) *
    FROM core.zorg_start_mutatie
    ORDER BY aanbieder, client_pseudoniem, toewijzing_nummer, product_categorie, product_code, begindatum,
             dagtekening DESC, batch_id DESC, bron_regel DESC
) latest
WHERE status_aanlevering = '1';

-- Current stops: key of the start + RedenBeeindiging (new in 3.2).
CREATE OR REPLACE VIEW core.zorg_stop AS
SELECT aanbieder, gemeente, client_pseudoniem, toewijzing_nummer, product_categorie, product_code,
       toewijzing_ingangsdatum, begindatum, reden_beeindiging, einddatum, bericht_identificatie, dagtekening
FROM (
    SELECT DISTINCT ON (aanbieder, client_pseudoniem, toewijzing_nummer, product_categorie, product_code, begindatum, reden_beeindiging) *
    FROM core.zorg_stop_mutatie
    ORDER BY aanbieder, client_pseudoniem, toewijzing_nummer, product_categorie, product_code, begindatum, reden_beeindiging,
             dagtekening DESC, batch_id DESC, bron_regel DESC
) latest
WHERE status_aanlevering = '1';

-- JW315 verzoek om toewijzing: key (aanbieder, referentie_aanbieder) (TR347).
CREATE TABLE IF NOT EXISTS core.verzoek_om_toewijzing (
    aanbieder                   text NOT NULL,
    referentie_aanbieder        text NOT NULL,
    gemeente                    text NOT NULL REFERENCES core.gemeente,
    client_pseudoniem           char(64) NOT NULL REFERENCES core.client,
    bericht_identificatie       text NOT NULL,
    dagtekening                 date NOT NULL,
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
    raamcontract                text,
    file_sha256                 char(64) NOT NULL,
    batch_id                    bigint NOT NULL,
    PRIMARY KEY (aanbieder, referentie_aanbieder)
);

-- JW317 verzoek om wijziging: one row per listed product.
CREATE TABLE IF NOT EXISTS core.verzoek_om_wijziging (
    aanbieder               text NOT NULL,
    referentie_aanbieder    text NOT NULL,
    bron_regel              integer NOT NULL,
    gemeente                text NOT NULL REFERENCES core.gemeente,
    client_pseudoniem       char(64) NOT NULL REFERENCES core.client,
    bericht_identificatie   text NOT NULL,
    dagtekening             date NOT NULL,
    reden_verzoek           text NOT NULL,
    soort_product           text NOT NULL CHECK (soort_product IN ('ongewijzigd', 'te_wijzigen', 'nieuw')),
    toewijzing_nummer       bigint,
    product_categorie       text,
    product_code            text,
    gewenste_ingangsdatum   date,
    einddatum               date,
    volume                  bigint,
    eenheid                 text,
    frequentie              text,
    budget                  bigint,
    file_sha256             char(64) NOT NULL,
    batch_id                bigint NOT NULL,
    PRIMARY KEY (aanbieder, referentie_aanbieder, bron_regel)
);

-- JW319 antwoord on a VOT/VOW (afgewezen = 1, in onderzoek = 2).
CREATE TABLE IF NOT EXISTS core.verzoek_antwoord (
    gemeente                    text NOT NULL REFERENCES core.gemeente,
    bericht_identificatie       text NOT NULL,
    aanbieder                   text NOT NULL,
    referentie_aanbieder        text NOT NULL,
    dagtekening                 date NOT NULL,
    verzoek_antwoord            text NOT NULL,
    reden_afwijzing_verzoek     text,
    woonplaatsbeginsel_gemeente text,
    file_sha256                 char(64) NOT NULL,
    batch_id                    bigint NOT NULL,
    PRIMARY KEY (gemeente, bericht_identificatie)
);

-- JW325: the gemeente's verdict on one JW323 (message level) …
CREATE TABLE IF NOT EXISTS core.declaratie_antwoord (
    gemeente                             text NOT NULL REFERENCES core.gemeente,
    bericht_identificatie                text NOT NULL,
    aanbieder                            text NOT NULL,
    dagtekening                          date NOT NULL,
    declaratie_identificatie             text NOT NULL,   -- BerichtIdentificatie of the JW323
    declaratie_identificatie_dagtekening date NOT NULL,
    header_retour_codes                  text[] NOT NULL,
    declaratie_nummer                    text,
    totaal_ingediend_bedrag              bigint,          -- signed cents
    totaal_toegekend_bedrag              bigint,          -- signed cents
    antwoord_retour_codes                text[],
    file_sha256                          char(64) NOT NULL,
    batch_id                             bigint NOT NULL,
    PRIMARY KEY (gemeente, bericht_identificatie)
);
CREATE INDEX IF NOT EXISTS declaratie_antwoord_decl
    ON core.declaratie_antwoord (aanbieder, declaratie_identificatie, declaratie_identificatie_dagtekening);

-- … and the lines it lists: only rejected ones (OP303/OP304).
CREATE TABLE IF NOT EXISTS core.declaratie_antwoord_regel (
    gemeente                text NOT NULL,
    bericht_identificatie   text NOT NULL,
    aanbieder               text NOT NULL,
    referentie_nummer       text NOT NULL,
    client_pseudoniem       char(64) NOT NULL REFERENCES core.client,
    client_retour_codes     text[],
    retour_codes            text[] NOT NULL,
    ingediend_bedrag        bigint NOT NULL,
    debet_credit            char(1) NOT NULL,
    file_sha256             char(64) NOT NULL,
    batch_id                bigint NOT NULL,
    PRIMARY KEY (gemeente, bericht_identificatie, aanbieder, referentie_nummer),
    FOREIGN KEY (gemeente, bericht_identificatie) REFERENCES core.declaratie_antwoord
);

-- Status of every declaration line, derived as in IJW.md section 5: pending without a JW325;
-- rejected when the header or the DeclaratieAntwoord carries a rejecting code or the line is
-- listed; approved otherwise. The latest JW325 for a JW323 counts.
CREATE OR REPLACE VIEW core.declaratie_regel_status AS
SELECT
    r.aanbieder,
    r.referentie_nummer,
    r.gemeente,
    r.declaratie_nummer,
    a.bericht_identificatie AS antwoord_bericht_identificatie,
    CASE
        WHEN a.bericht_identificatie IS NULL THEN 'pending'
        WHEN a.header_retour_codes <> ARRAY['0200'] THEN 'rejected'
        WHEN a.antwoord_retour_codes IS NULL
             OR NOT (a.antwoord_retour_codes = ARRAY['8001'] OR a.antwoord_retour_codes = ARRAY['0200']) THEN 'rejected'
        WHEN ar.referentie_nummer IS NOT NULL THEN 'rejected'
        ELSE 'approved'
    END AS status,
    CASE
        WHEN a.bericht_identificatie IS NULL THEN NULL
        WHEN a.header_retour_codes <> ARRAY['0200'] THEN a.header_retour_codes
        WHEN a.antwoord_retour_codes IS NULL
             OR NOT (a.antwoord_retour_codes = ARRAY['8001'] OR a.antwoord_retour_codes = ARRAY['0200']) THEN a.antwoord_retour_codes
        ELSE ar.retour_codes
    END AS retour_codes
FROM core.declaratie_regel r
JOIN core.declaratie d USING (aanbieder, declaratie_nummer)
LEFT JOIN LATERAL (
    SELECT *
    FROM core.declaratie_antwoord x
    WHERE x.aanbieder = d.aanbieder AND x.gemeente = d.gemeente
      AND x.declaratie_identificatie = d.bericht_identificatie
      AND x.declaratie_identificatie_dagtekening = d.dagtekening
    ORDER BY x.dagtekening DESC, x.bericht_identificatie DESC
    LIMIT 1
) a ON true
LEFT JOIN core.declaratie_antwoord_regel ar
    ON ar.gemeente = a.gemeente AND ar.bericht_identificatie = a.bericht_identificatie
   AND ar.aanbieder = r.aanbieder AND ar.referentie_nummer = r.referentie_nummer;
