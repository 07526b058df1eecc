-- Views the data-quality rules use to look across messages: what is already in core plus what
-- arrives in the same batch and was not quarantined itself (batch_id NULL = core). A rule
-- restricts to its own batch.
CREATE OR REPLACE VIEW dq.toewijzing_bekend AS
SELECT NULL::bigint AS batch_id, gemeente, toewijzing_nummer, aanbieder, client_pseudoniem,
       product_categorie, product_code, ingangsdatum, einddatum
FROM core.toewijzing
UNION ALL
SELECT batch_id, gemeente, toewijzing_nummer, aanbieder, client_pseudoniem,
       product_categorie, product_code, ingangsdatum, einddatum
FROM staging.jw301_toegewezen_product s
WHERE NOT EXISTS (SELECT 1 FROM dq.quarantine q WHERE q.dataset = 'jw301_toegewezen_product' AND q.row_id = s.row_id);

CREATE OR REPLACE VIEW dq.declaratie_regel_bekend AS
SELECT NULL::bigint AS batch_id, aanbieder, referentie_nummer, vorig_referentie_nummer, debet_credit
FROM core.declaratie_regel
UNION ALL
SELECT batch_id, aanbieder, referentie_nummer, vorig_referentie_nummer, debet_credit
FROM staging.jw323_prestatie;
CREATE INDEX IF NOT EXISTS declaratie_regel_vorig
    ON core.declaratie_regel (aanbieder, vorig_referentie_nummer) WHERE vorig_referentie_nummer IS NOT NULL;

-- Every staged line of every message type, for per-provider data-quality figures.
CREATE OR REPLACE VIEW dq.staged_row AS
          SELECT 'jw301_toegewezen_product' AS dataset, row_id, batch_id, aanbieder, dagtekening FROM staging.jw301_toegewezen_product
UNION ALL SELECT 'jw305_start_product', row_id, batch_id, aanbieder, dagtekening FROM staging.jw305_start_product
UNION ALL SELECT 'jw307_stop_product', row_id, batch_id, aanbieder, dagtekening FROM staging.jw307_stop_product
UNION ALL SELECT 'jw315_aangevraagd_product', row_id, batch_id, aanbieder, dagtekening FROM staging.jw315_aangevraagd_product
UNION ALL SELECT 'jw317_verzoek_product', row_id, batch_id, aanbieder, dagtekening FROM staging.jw317_verzoek_product
UNION ALL SELECT 'jw319_antwoord', row_id, batch_id, aanbieder, dagtekening FROM staging.jw319_antwoord
UNION ALL SELECT 'jw323_prestatie', row_id, batch_id, aanbieder, dagtekening FROM staging.jw323_prestatie
UNION ALL SELECT 'jw325_declaratie_antwoord', row_id, batch_id, aanbieder, dagtekening FROM staging.jw325_declaratie_antwoord
UNION ALL SELECT 'jw325_prestatie', row_id, batch_id, aanbieder, dagtekening FROM staging.jw325_prestatie;

-- Validation results per batch, dataset, rule and provider (failing lines; the passing count is
-- rows_checked in dq.validation_result minus these).
CREATE OR REPLACE VIEW dq.validation_result_aanbieder AS
SELECT q.batch_id, q.dataset, split_part(code, '/', 1) AS regel_code, r.aanbieder, count(*) AS rows_failed
FROM dq.quarantine q
CROSS JOIN LATERAL unnest(q.regel_codes) AS code
JOIN dq.staged_row r ON r.dataset = q.dataset AND r.row_id = q.row_id
GROUP BY q.batch_id, q.dataset, split_part(code, '/', 1), r.aanbieder;

-- Credits that count for TR390 (a debit is credited at most once): a credit the gemeente
-- rejected in its JW325 (listed, or the whole declaration rejected) never happened, so the
-- provider may send a new one. Core credits are judged by core answers, the batch's own
-- credits by the answers in the same batch.
CREATE OR REPLACE VIEW dq.credit_bekend AS
SELECT NULL::bigint AS batch_id, r.aanbieder, r.referentie_nummer, r.vorig_referentie_nummer
FROM core.declaratie_regel r
JOIN core.declaratie d USING (aanbieder, declaratie_nummer)
WHERE r.debet_credit = 'C'
  AND NOT EXISTS (
      SELECT 1 FROM core.declaratie_antwoord a
      WHERE a.aanbieder = d.aanbieder AND a.gemeente = d.gemeente
        AND a.declaratie_identificatie = d.bericht_identificatie
        AND a.declaratie_identificatie_dagtekening = d.dagtekening
        AND (a.header_retour_codes <> ARRAY['0200'] OR a.antwoord_retour_codes IS NULL
             OR NOT (a.antwoord_retour_codes = ARRAY['8001'] OR a.antwoord_retour_codes = ARRAY['0200'])
             OR EXISTS (SELECT 1 FROM core.declaratie_antwoord_regel ar
                        WHERE ar.gemeente = a.gemeente AND ar.bericht_identificatie = a.bericht_identificatie
                          AND ar.aanbieder = r.aanbieder AND ar.referentie_nummer = r.referentie_nummer)))
UNION ALL
SELECT p.batch_id, p.aanbieder, p.referentie_nummer, p.vorig_referentie_nummer
FROM staging.jw323_prestatie p
WHERE p.debet_credit = 'C'
  AND NOT EXISTS (
      SELECT 1 FROM staging.jw325_declaratie_antwoord a
      WHERE a.batch_id = p.batch_id AND a.aanbieder = p.aanbieder AND a.gemeente = p.gemeente
        AND a.declaratie_identificatie = p.bericht_identificatie
        AND a.declaratie_identificatie_dagtekening = p.dagtekening
        AND (a.header_retour_codes <> ARRAY['0200'] OR a.antwoord_retour_codes IS NULL
             OR NOT (a.antwoord_retour_codes = ARRAY['8001'] OR a.antwoord_retour_codes = ARRAY['0200'])
             OR EXISTS (SELECT 1 FROM staging.jw325_prestatie ap
                        WHERE ap.batch_id = a.batch_id AND ap.file_sha256 = a.file_sha256
                          AND ap.aanbieder = p.aanbieder AND ap.referentie_nummer = p.referentie_nummer)));
CREATE INDEX IF NOT EXISTS jw325_declaratie_antwoord_decl
    ON staging.jw325_declaratie_antwoord (aanbieder, declaratie_identificatie);
CREATE INDEX IF NOT EXISTS jw325_prestatie_file ON staging.jw325_prestatie (file_sha256, referentie_nummer);
