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
