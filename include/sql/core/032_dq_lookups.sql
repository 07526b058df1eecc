-- Views the data-quality rules use to look across messages: what is already in core plus what
-- arrives in the same batch and was not quarantined itself (batch_id NULL = core). A rule
-- restricts to its own batch.
-- Every version of an assignment (the current one has the latest toewijzingsdatum +
-- toewijzingstijd) with its Omvang and Budget. Columns are only ever added at the end.
CREATE OR REPLACE VIEW dq.toewijzing_bekend AS
SELECT NULL::bigint AS batch_id, gemeente, toewijzing_nummer, aanbieder, client_pseudoniem,
       product_categorie, product_code, ingangsdatum, einddatum,
       toewijzingsdatum, toewijzingstijd, reden_wijziging, volume, eenheid, frequentie, budget
FROM core.toewijzing
UNION ALL
SELECT batch_id, gemeente, toewijzing_nummer, aanbieder, client_pseudoniem,
       product_categorie, product_code, ingangsdatum, einddatum,
       toewijzingsdatum, toewijzingstijd, reden_wijziging, volume, eenheid, frequentie, budget
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

-- ---------------------------------------------------------------- cross-message rules as functions
-- TR302, TR389, TR321, TR322 and TR369 combine a window over earlier lines with several lookups.
-- Written as one unexpected_rows query, the planner - which right after a COPY believes a batch
-- has a handful of lines - picks nested loops that re-run a whole lookup per line: minutes at
-- 10,000 lines. Each rule is therefore a function of the batch returning the row_ids that break
-- it, planned with hash joins only (enable_nestloop = off: cost linear in the data), and the
-- expectation selects them: SELECT row_id FROM {batch} WHERE row_id IN (SELECT
-- dq.regel_trNNN(min(batch_id)) FROM {batch}). The lookups below are functions of the batch too
-- (core rows plus the batch's own staged rows, by batch_id equality, so the staging index is
-- used however many batches staging holds); they are inlined into the rules.

-- Number of Frequentie units in the period b..e (IV077): per dag = days; per week = ISO weeks the
-- period touches (inspanning) or Sundays in it (output: eenheid 82 stuks, 83 euro); per maand =
-- calendar months it touches; 6 (totaal binnen de geldigheidsduur) = 1. Integer arithmetic on
-- day numbers (1900-01-01 was a Monday): extract() and date_trunc() cost ~5 us a line.
CREATE OR REPLACE FUNCTION dq.omvang_eenheden(b date, e date, frequentie text, eenheid text)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE frequentie
        WHEN '1' THEN e - b + 1
        WHEN '2' THEN CASE WHEN eenheid IN ('82', '83')
                           THEN (e - date '1899-12-31') / 7 - (b - date '1900-01-01') / 7          -- Sundays
                           ELSE (e - date '1900-01-01') / 7 - (b - date '1900-01-01') / 7 + 1 END  -- ISO weeks
        WHEN '4' THEN (date_part('year', e) * 12 + date_part('month', e)
                       - date_part('year', b) * 12 - date_part('month', b))::int + 1
        ELSE 1
    END
$$;

-- Every version of every assignment: core, and this batch's staged rows that were not quarantined.
CREATE OR REPLACE FUNCTION dq.toewijzing_batch(p_batch bigint)
RETURNS TABLE (batch_id bigint, row_id bigint, gemeente text, toewijzing_nummer bigint, toewijzingsdatum date,
               toewijzingstijd time, aanbieder text, client_pseudoniem char(64), product_categorie text,
               product_code text, ingangsdatum date, einddatum date, reden_wijziging text, volume bigint,
               eenheid text, frequentie text, budget bigint)
LANGUAGE sql STABLE AS $$
    SELECT NULL::bigint, NULL::bigint, gemeente, toewijzing_nummer, toewijzingsdatum, toewijzingstijd, aanbieder,
           client_pseudoniem, product_categorie, product_code, ingangsdatum, einddatum, reden_wijziging, volume,
           eenheid, frequentie, budget
    FROM core.toewijzing
    UNION ALL
    SELECT s.batch_id, s.row_id, s.gemeente, s.toewijzing_nummer, s.toewijzingsdatum, s.toewijzingstijd, s.aanbieder,
           s.client_pseudoniem, s.product_categorie, s.product_code, s.ingangsdatum, s.einddatum, s.reden_wijziging,
           s.volume, s.eenheid, s.frequentie, s.budget
    FROM staging.jw301_toegewezen_product s
    WHERE s.batch_id = p_batch
      AND NOT EXISTS (SELECT 1 FROM dq.quarantine q WHERE q.dataset = 'jw301_toegewezen_product' AND q.row_id = s.row_id)
$$;

-- The current version (latest Toewijzingsdatum + Toewijzingstijd) of every assignment the batch's
-- debit lines declare against.
CREATE OR REPLACE FUNCTION dq.toewijzing_actueel_batch(p_batch bigint)
RETURNS TABLE (gemeente text, toewijzing_nummer bigint, aanbieder text, ingangsdatum date, einddatum date,
               volume bigint, eenheid text, frequentie text, budget bigint)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (t.gemeente, t.toewijzing_nummer) t.gemeente, t.toewijzing_nummer, t.aanbieder,
           t.ingangsdatum, t.einddatum, t.volume, t.eenheid, t.frequentie, t.budget
    FROM dq.toewijzing_batch(p_batch) t
    WHERE (t.gemeente, t.toewijzing_nummer) IN (
        SELECT p.gemeente, p.toewijzing_nummer FROM staging.jw323_prestatie p
        WHERE p.batch_id = p_batch AND p.debet_credit = 'D')
    ORDER BY t.gemeente, t.toewijzing_nummer, t.toewijzingsdatum DESC, t.toewijzingstijd DESC
$$;

-- Every declaration line: core, and this batch's staged lines.
CREATE OR REPLACE FUNCTION dq.declaratie_regel_batch(p_batch bigint)
RETURNS TABLE (batch_id bigint, aanbieder text, referentie_nummer text, vorig_referentie_nummer text, debet_credit char(1),
               gemeente text, toewijzing_nummer bigint, product_categorie text, product_code text,
               product_periode_begindatum date, product_periode_einddatum date, geleverd_volume bigint, eenheid text,
               ingediend_bedrag bigint)
LANGUAGE sql STABLE AS $$
    SELECT NULL::bigint, aanbieder, referentie_nummer, vorig_referentie_nummer, debet_credit, gemeente,
           toewijzing_nummer, product_categorie, product_code, product_periode_begindatum, product_periode_einddatum,
           geleverd_volume, eenheid, ingediend_bedrag
    FROM core.declaratie_regel
    UNION ALL
    SELECT batch_id, aanbieder, referentie_nummer, vorig_referentie_nummer, debet_credit, gemeente,
           toewijzing_nummer, product_categorie, product_code, product_periode_begindatum, product_periode_einddatum,
           geleverd_volume, eenheid, ingediend_bedrag
    FROM staging.jw323_prestatie
    WHERE batch_id = p_batch
$$;

-- Declaration lines (aanbieder, referentie_nummer) a JW325 rejected, as known when auditing the
-- batch: listed in a JW325, or in a declaration the JW325 rejected as a whole (Header other than
-- 0200, or DeclaratieAntwoord other than 8001/0200). Answers in core and in the batch, on lines
-- in core and in the batch: files arrive in any order (OP080). A rejected line never happened:
-- it does not block a new debit for its product period (TR389), counts against neither Omvang
-- nor Budget (TR322, TR369) and a rejected credit credits nothing.
CREATE OR REPLACE FUNCTION dq.afgewezen_batch(p_batch bigint)
RETURNS TABLE (aanbieder text, referentie_nummer text)
LANGUAGE sql STABLE AS $$
    SELECT aanbieder, referentie_nummer FROM core.declaratie_antwoord_regel
    UNION ALL
    SELECT aanbieder, referentie_nummer FROM staging.jw325_prestatie WHERE batch_id = p_batch
    UNION ALL
    SELECT r.aanbieder, r.referentie_nummer
    FROM (SELECT d.aanbieder, d.gemeente, d.bericht_identificatie, d.dagtekening, r.referentie_nummer
          FROM core.declaratie d JOIN core.declaratie_regel r USING (aanbieder, declaratie_nummer)
          UNION ALL
          SELECT p.aanbieder, p.gemeente, p.bericht_identificatie, p.dagtekening, p.referentie_nummer
          FROM staging.jw323_prestatie p WHERE p.batch_id = p_batch) r
    WHERE (r.aanbieder, r.gemeente, r.bericht_identificatie, r.dagtekening) IN (  -- a handful: hashed
        SELECT a.aanbieder, a.gemeente, a.declaratie_identificatie, a.declaratie_identificatie_dagtekening
        FROM core.declaratie_antwoord a
        WHERE a.header_retour_codes <> ARRAY['0200'] OR a.antwoord_retour_codes IS NULL
           OR NOT (a.antwoord_retour_codes = ARRAY['8001'] OR a.antwoord_retour_codes = ARRAY['0200'])
        UNION ALL
        SELECT a.aanbieder, a.gemeente, a.declaratie_identificatie, a.declaratie_identificatie_dagtekening
        FROM staging.jw325_declaratie_antwoord a
        WHERE a.batch_id = p_batch
          AND (a.header_retour_codes <> ARRAY['0200'] OR a.antwoord_retour_codes IS NULL
               OR NOT (a.antwoord_retour_codes = ARRAY['8001'] OR a.antwoord_retour_codes = ARRAY['0200'])))
$$;

-- The open debits (core and this batch) of the assignments the batch's debit lines declare
-- against: not rejected, and not credited by a credit (core or this batch) that was not rejected.
CREATE OR REPLACE FUNCTION dq.debet_open_batch(p_batch bigint)
RETURNS TABLE (batch_id bigint, aanbieder text, referentie_nummer text, gemeente text, toewijzing_nummer bigint,
               product_categorie text, product_code text, product_periode_begindatum date,
               product_periode_einddatum date, geleverd_volume bigint, eenheid text, ingediend_bedrag bigint)
LANGUAGE sql STABLE AS $$
    WITH afgewezen AS MATERIALIZED (SELECT * FROM dq.afgewezen_batch(p_batch))
    SELECT o.batch_id, o.aanbieder, o.referentie_nummer, o.gemeente, o.toewijzing_nummer, o.product_categorie,
           o.product_code, o.product_periode_begindatum, o.product_periode_einddatum, o.geleverd_volume,
           o.eenheid, o.ingediend_bedrag
    FROM dq.declaratie_regel_batch(p_batch) o
    WHERE o.debet_credit = 'D'
      AND (o.gemeente, o.toewijzing_nummer) IN (
          SELECT p.gemeente, p.toewijzing_nummer FROM staging.jw323_prestatie p
          WHERE p.batch_id = p_batch AND p.debet_credit = 'D')
      AND NOT EXISTS (SELECT 1 FROM afgewezen x
                      WHERE x.aanbieder = o.aanbieder AND x.referentie_nummer = o.referentie_nummer)
      AND NOT EXISTS (SELECT 1 FROM dq.declaratie_regel_batch(p_batch) c
                      WHERE c.debet_credit = 'C' AND c.aanbieder = o.aanbieder AND c.vorig_referentie_nummer = o.referentie_nummer
                        AND NOT EXISTS (SELECT 1 FROM afgewezen x
                                        WHERE x.aanbieder = c.aanbieder AND x.referentie_nummer = c.referentie_nummer))
$$;

-- TR389 (retour 9389): at most one open debit per (ToewijzingNummer, ProductCategorie,
-- ProductCode, ProductPeriode) of a provider. Every open debit of the batch that shares its key
-- with another open debit (earlier or in the batch) breaks it. Only keys declared more than once
-- at all (open or not: a cheap hash aggregate) are looked at closely.
CREATE OR REPLACE FUNCTION dq.regel_tr389(p_batch bigint)
RETURNS SETOF bigint LANGUAGE sql STABLE SET enable_nestloop = off AS $$
    SELECT p.row_id FROM staging.jw323_prestatie p
    WHERE p.batch_id = p_batch AND p.debet_credit = 'D'
      AND (p.aanbieder, p.referentie_nummer) IN (
          SELECT d.aanbieder, d.referentie_nummer FROM (
              SELECT o.aanbieder, o.referentie_nummer, o.batch_id,
                     count(*) OVER (PARTITION BY o.aanbieder, o.gemeente, o.toewijzing_nummer, o.product_categorie,
                                    o.product_code, o.product_periode_begindatum, o.product_periode_einddatum) AS n
              FROM dq.debet_open_batch(p_batch) o
              WHERE (o.aanbieder, o.gemeente, o.toewijzing_nummer, o.product_categorie, o.product_code,
                     o.product_periode_begindatum, o.product_periode_einddatum) IN (
                  SELECT b.aanbieder, b.gemeente, b.toewijzing_nummer, b.product_categorie, b.product_code,
                         b.product_periode_begindatum, b.product_periode_einddatum
                  FROM dq.declaratie_regel_batch(p_batch) b
                  WHERE b.debet_credit = 'D'
                    AND (b.gemeente, b.toewijzing_nummer) IN (
                        SELECT x.gemeente, x.toewijzing_nummer FROM staging.jw323_prestatie x
                        WHERE x.batch_id = p_batch AND x.debet_credit = 'D')
                  GROUP BY b.aanbieder, b.gemeente, b.toewijzing_nummer, b.product_categorie, b.product_code,
                           b.product_periode_begindatum, b.product_periode_einddatum
                  HAVING count(*) > 1)) d
          WHERE d.n > 1 AND d.batch_id IS NOT NULL)
$$;

-- TR321 (retour 9321): a debit's GeleverdVolume fits the current Omvang of its assignment in the
-- ProductPeriode (Frequentie 1/2/4; minutes declared against hours count x 60). Lines in another
-- unit than the assignment's (TR384) and assignments of another provider (TR338) are not judged.
CREATE OR REPLACE FUNCTION dq.regel_tr321(p_batch bigint)
RETURNS SETOF bigint LANGUAGE sql STABLE SET enable_nestloop = off AS $$
    SELECT p.row_id
    FROM staging.jw323_prestatie p, dq.toewijzing_actueel_batch(p_batch) t
    WHERE p.batch_id = p_batch AND p.debet_credit = 'D'
      AND t.gemeente = p.gemeente AND t.toewijzing_nummer = p.toewijzing_nummer AND t.aanbieder = p.aanbieder
      AND t.frequentie IN ('1', '2', '4')
      AND (t.eenheid = p.eenheid OR (t.eenheid = '04' AND p.eenheid = '01'))
      AND p.geleverd_volume > t.volume * CASE WHEN t.eenheid <> p.eenheid THEN 60 ELSE 1 END
          * dq.omvang_eenheden(p.product_periode_begindatum, p.product_periode_einddatum, t.frequentie, t.eenheid)
$$;

-- TR322 (retour 9322): the open debits of an assignment, summed in ProductPeriode order, stay
-- within its Omvang over the validity up to each line's ProductPeriode (Frequentie 6: the total
-- Volume). The lines of the batch whose running sum exceeds it break the rule.
CREATE OR REPLACE FUNCTION dq.regel_tr322(p_batch bigint)
RETURNS SETOF bigint LANGUAGE sql STABLE SET enable_nestloop = off AS $$
    SELECT p.row_id FROM staging.jw323_prestatie p
    WHERE p.batch_id = p_batch AND p.debet_credit = 'D'
      AND (p.aanbieder, p.referentie_nummer) IN (
          SELECT s.aanbieder, s.referentie_nummer FROM (
              SELECT o.aanbieder, o.referentie_nummer, o.batch_id, t.volume, t.eenheid, t.frequentie,
                     least(t.ingangsdatum, o.product_periode_begindatum) AS begin,
                     least(t.einddatum, o.product_periode_einddatum) AS eind,
                     sum(o.geleverd_volume * CASE WHEN t.eenheid = '04' AND o.eenheid = '04' THEN 60 ELSE 1 END)
                         OVER (PARTITION BY o.gemeente, o.toewijzing_nummer
                               ORDER BY o.product_periode_begindatum, o.product_periode_einddatum,
                                        o.batch_id NULLS FIRST, o.referentie_nummer
                               ROWS UNBOUNDED PRECEDING) AS cumulatief
              FROM dq.debet_open_batch(p_batch) o, dq.toewijzing_actueel_batch(p_batch) t
              WHERE t.gemeente = o.gemeente AND t.toewijzing_nummer = o.toewijzing_nummer
                AND t.aanbieder = o.aanbieder AND t.volume IS NOT NULL
                AND (t.eenheid = o.eenheid OR (t.eenheid = '04' AND o.eenheid = '01'))) s
          WHERE s.batch_id IS NOT NULL
            AND s.cumulatief > s.volume * CASE WHEN s.eenheid = '04' THEN 60 ELSE 1 END
                               * dq.omvang_eenheden(s.begin, s.eind, s.frequentie, s.eenheid))
$$;

-- TR369 (retour 9369): with a Budget on the assignment, the open debits' IngediendBedrag, summed
-- in ProductPeriode order, stays within it (for eenheid 83 the amount is the GeleverdVolume the
-- rule text names). The lines of the batch whose running sum exceeds the Budget break it.
CREATE OR REPLACE FUNCTION dq.regel_tr369(p_batch bigint)
RETURNS SETOF bigint LANGUAGE sql STABLE SET enable_nestloop = off AS $$
    SELECT p.row_id FROM staging.jw323_prestatie p
    WHERE p.batch_id = p_batch AND p.debet_credit = 'D'
      AND (p.aanbieder, p.referentie_nummer) IN (
          SELECT s.aanbieder, s.referentie_nummer FROM (
              SELECT o.aanbieder, o.referentie_nummer, o.batch_id, t.budget,
                     sum(o.ingediend_bedrag)
                         OVER (PARTITION BY o.gemeente, o.toewijzing_nummer
                               ORDER BY o.product_periode_begindatum, o.product_periode_einddatum,
                                        o.batch_id NULLS FIRST, o.referentie_nummer
                               ROWS UNBOUNDED PRECEDING) AS cumulatief
              FROM dq.debet_open_batch(p_batch) o, dq.toewijzing_actueel_batch(p_batch) t
              WHERE t.gemeente = o.gemeente AND t.toewijzing_nummer = o.toewijzing_nummer
                AND t.aanbieder = o.aanbieder AND t.budget IS NOT NULL) s
          WHERE s.batch_id IS NOT NULL AND s.cumulatief > s.budget)
$$;

-- TR302 (retour 0001): no stacking. Per client and provider, the current versions (core or this
-- batch) of two different assignments that are not deleted (RedenWijziging 13 with Einddatum =
-- Ingangsdatum) do not overlap in time for the same product: same category and code; the same
-- category when one has no code (aspecific); any product when one has none (generic). Every
-- staged row of a current version that overlaps another breaks it (older versions are judged
-- by their successor).
CREATE OR REPLACE FUNCTION dq.regel_tr302(p_batch bigint)
RETURNS SETOF bigint LANGUAGE sql STABLE SET enable_nestloop = off AS $$
    WITH actueel AS (
        SELECT * FROM (
            SELECT v.batch_id, v.gemeente, v.toewijzing_nummer, v.toewijzingsdatum, v.toewijzingstijd, v.aanbieder,
                   v.client_pseudoniem, v.product_categorie, v.product_code, v.ingangsdatum, v.einddatum,
                   v.reden_wijziging,
                   rank() OVER (PARTITION BY v.gemeente, v.toewijzing_nummer
                                ORDER BY v.toewijzingsdatum DESC, v.toewijzingstijd DESC) AS versie
            FROM dq.toewijzing_batch(p_batch) v
            WHERE (v.client_pseudoniem, v.aanbieder) IN (
                  SELECT s.client_pseudoniem, s.aanbieder FROM staging.jw301_toegewezen_product s WHERE s.batch_id = p_batch)
        ) x
        WHERE versie = 1 AND (reden_wijziging = '13' AND einddatum = ingangsdatum) IS NOT TRUE
    )
    SELECT s.row_id FROM staging.jw301_toegewezen_product s
    WHERE s.batch_id = p_batch
      AND (s.gemeente, s.toewijzing_nummer, s.toewijzingsdatum, s.toewijzingstijd) IN (
          SELECT a.gemeente, a.toewijzing_nummer, a.toewijzingsdatum, a.toewijzingstijd
          FROM actueel a, actueel b
          WHERE a.batch_id IS NOT NULL AND b.client_pseudoniem = a.client_pseudoniem AND b.aanbieder = a.aanbieder
            AND (b.gemeente, b.toewijzing_nummer) <> (a.gemeente, a.toewijzing_nummer)
            AND b.ingangsdatum <= coalesce(a.einddatum, 'infinity') AND a.ingangsdatum <= coalesce(b.einddatum, 'infinity')
            AND (a.product_categorie IS NULL OR b.product_categorie IS NULL
                 OR (a.product_categorie = b.product_categorie
                     AND (a.product_code IS NULL OR b.product_code IS NULL OR a.product_code = b.product_code))))
$$;
