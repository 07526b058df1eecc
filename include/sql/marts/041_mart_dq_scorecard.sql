-- Mart: data-quality scorecard per aanbieder x month of receipt x message type, for contract
-- managers. A line re-audited after a fix (replay) counts once, in its latest state.
CREATE MATERIALIZED VIEW IF NOT EXISTS mart.dq_scorecard_aanbieder_maand AS
WITH regel AS (
    SELECT r.aanbieder, date_trunc('month', r.dagtekening)::date AS maand, r.dataset, r.row_id,
           q.regel_codes
    FROM dq.staged_row r
    LEFT JOIN dq.quarantine q ON q.dataset = r.dataset AND q.row_id = r.row_id
    WHERE q.replay_batch_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM meta.load_batch b WHERE b.batch_id = r.batch_id AND b.status = 'failed')
),
top AS (
    SELECT DISTINCT ON (aanbieder, maand, dataset) aanbieder, maand, dataset,
           split_part(code, '/', 1) AS meest_geschonden_regel
    FROM regel CROSS JOIN LATERAL unnest(regel_codes) AS code
    GROUP BY aanbieder, maand, dataset, split_part(code, '/', 1)
    ORDER BY aanbieder, maand, dataset, count(*) DESC, split_part(code, '/', 1)
)
SELECT regel.aanbieder, regel.maand, regel.dataset,
       count(*)::integer                                           AS aantal_regels,
       count(regel.regel_codes)::integer                           AS aantal_afgekeurd,
       round(100.0 * count(regel.regel_codes) / count(*), 2)       AS percentage_afgekeurd,
       round(100.0 - 100.0 * count(regel.regel_codes) / count(*), 2) AS dq_score,
       top.meest_geschonden_regel
FROM regel
LEFT JOIN top USING (aanbieder, maand, dataset)
GROUP BY regel.aanbieder, regel.maand, regel.dataset, top.meest_geschonden_regel
WITH NO DATA;

CREATE UNIQUE INDEX IF NOT EXISTS dq_scorecard_aanbieder_maand_uq
    ON mart.dq_scorecard_aanbieder_maand (aanbieder, maand, dataset);

COMMENT ON MATERIALIZED VIEW mart.dq_scorecard_aanbieder_maand IS
    'Datakwaliteit per aanbieder, maand van ontvangst en berichtsoort: hoeveel regels de iJw-controles (Great Expectations) niet doorstonden. Regels uit een afgekeurde batch tellen niet mee; na een herbeoordeling telt de laatste uitkomst.';
COMMENT ON COLUMN mart.dq_scorecard_aanbieder_maand.aanbieder IS 'AGB-code van de aanbieder (8 cijfers).';
COMMENT ON COLUMN mart.dq_scorecard_aanbieder_maand.maand IS 'Eerste dag van de maand van de Dagtekening van het bericht.';
COMMENT ON COLUMN mart.dq_scorecard_aanbieder_maand.dataset IS 'Berichtsoort en onderdeel, bv. jw323_prestatie (declaratieregels) of jw301_toegewezen_product.';
COMMENT ON COLUMN mart.dq_scorecard_aanbieder_maand.aantal_regels IS 'Aantal ontvangen regels.';
COMMENT ON COLUMN mart.dq_scorecard_aanbieder_maand.aantal_afgekeurd IS 'Aantal regels in quarantaine (minstens een iJw-regel geschonden).';
COMMENT ON COLUMN mart.dq_scorecard_aanbieder_maand.percentage_afgekeurd IS 'Aantal afgekeurd als percentage van aantal regels (2 decimalen).';
COMMENT ON COLUMN mart.dq_scorecard_aanbieder_maand.dq_score IS 'Datakwaliteitsscore: 100 min percentage afgekeurd.';
COMMENT ON COLUMN mart.dq_scorecard_aanbieder_maand.meest_geschonden_regel IS 'iJw-regelcode die in deze cel het vaakst geschonden werd (leeg als alles goed was).';
