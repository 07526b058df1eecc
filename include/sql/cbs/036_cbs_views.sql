-- Views on the CBS data that the marts join: population denominators per region x year and
-- youth-care use per 1,000 youths with the national benchmark. Plain views (the data is small).
-- CREATE OR REPLACE (never DROP): marts may depend on these views. Only add columns at the end.

-- Code lists with the warehouse column a dimension is stored in (vorm, leeftijd, regio, periode),
-- so views need not know CBS's dimension keys.
CREATE OR REPLACE VIEW cbs.code_kolom AS
SELECT c.tabel_id, e.kolom, c.dimensie, c.code, c.titel, c.omschrijving, c.status
FROM cbs.code c
JOIN cbs.tabel_eigenschap e ON e.tabel_id = c.tabel_id AND e.sleutel = c.dimensie
WHERE e.kolom IS NOT NULL;

-- Youths per region and year (1 January): 0-17, 18-22 and 0-22 from the single-year ages of
-- 03759ned. The jeugdregio (IJsselland) is derived as the sum of the gemeenten in core.gemeente
-- when CBS has no population row for it.
CREATE OR REPLACE VIEW cbs.bevolking_jeugd AS
WITH per_leeftijd AS (
    SELECT b.regio, b.periode, b.aantal,
           substring(k.titel FROM '^\s*([0-9]+) jaar\s*$')::integer AS jaren
    FROM cbs.bevolking b
    JOIN cbs.code_kolom k ON k.tabel_id = b.tabel_id AND k.kolom = 'leeftijd' AND k.code = b.leeftijd
    WHERE b.maat = 'bevolking_1_januari'
), per_regio AS (
    SELECT regio, periode,
           sum(aantal) FILTER (WHERE jaren BETWEEN 0 AND 17)  AS aantal_0_17,
           sum(aantal) FILTER (WHERE jaren BETWEEN 18 AND 22) AS aantal_18_22,
           count(DISTINCT jaren) FILTER (WHERE jaren BETWEEN 0 AND 22 AND aantal IS NOT NULL) = 23 AS volledig
    FROM per_leeftijd
    GROUP BY regio, periode
), met_jeugdregio AS (
    SELECT regio, periode, aantal_0_17, aantal_18_22, volledig, false AS afgeleid
    FROM per_regio
    UNION ALL
    SELECT j.regio, g.periode, sum(g.aantal_0_17), sum(g.aantal_18_22),
           bool_and(g.volledig) AND count(*) = (SELECT count(*) FROM core.gemeente), true
    FROM cbs.regio j
    JOIN per_regio g ON g.regio IN (SELECT 'GM' || gemeente FROM core.gemeente)
    WHERE j.regio_soort = 'jeugdregio'
      AND NOT EXISTS (SELECT 1 FROM per_regio x WHERE x.regio = j.regio)
    GROUP BY j.regio, g.periode
)
SELECT m.regio, r.regio_naam, r.regio_soort, r.gemeente, p.jaar, m.periode,
       m.aantal_0_17::integer                    AS aantal_0_17,
       m.aantal_18_22::integer                   AS aantal_18_22,
       (m.aantal_0_17 + m.aantal_18_22)::integer AS aantal_0_22,
       m.volledig, m.afgeleid
FROM met_jeugdregio m
JOIN cbs.regio r USING (regio)
JOIN cbs.periode p USING (periode)
WHERE p.periode_soort = 'jaar';

COMMENT ON VIEW cbs.bevolking_jeugd IS
    'Noemers: jongeren per regio en jaar op 1 januari (CBS 03759ned, losse leeftijdsjaren opgeteld). Join op gemeente (4 cijfers) of regio (CBS-code) en jaar.';
COMMENT ON COLUMN cbs.bevolking_jeugd.regio IS 'CBS-regiocode: GMnnnn gemeente, JZnn jeugdregio, PV23 Overijssel, NL01 Nederland.';
COMMENT ON COLUMN cbs.bevolking_jeugd.gemeente IS 'Gemeentecode zoals in core.gemeente (4 cijfers); leeg voor andere regio''s.';
COMMENT ON COLUMN cbs.bevolking_jeugd.jaar IS 'Jaar; de bevolking is die op 1 januari van dit jaar.';
COMMENT ON COLUMN cbs.bevolking_jeugd.aantal_0_17 IS 'Inwoners van 0 tot en met 17 jaar.';
COMMENT ON COLUMN cbs.bevolking_jeugd.aantal_18_22 IS 'Inwoners van 18 tot en met 22 jaar.';
COMMENT ON COLUMN cbs.bevolking_jeugd.aantal_0_22 IS 'Inwoners van 0 tot en met 22 jaar: de doelgroep van de CBS-jeugdzorgtabellen (jongeren tot 23 jaar).';
COMMENT ON COLUMN cbs.bevolking_jeugd.volledig IS 'Waar als alle 23 leeftijdsjaren 0-22 een waarde hebben (voor een afgeleide regio: bij alle gemeenten).';
COMMENT ON COLUMN cbs.bevolking_jeugd.afgeleid IS 'Waar als de regio (jeugdregio) is berekend als som van de gemeenten in core.gemeente.';

-- Youth-care use per 1,000 youths, per region x year x form, with Nederland as benchmark.
CREATE OR REPLACE VIEW cbs.jeugdzorg_per_1000_jongeren AS
WITH gebruik AS (
    SELECT g.tabel_id, g.maat, g.regio, p.jaar, g.periode, g.vorm, k.titel AS vorm_naam, g.aantal, g.geheim
    FROM cbs.jeugdzorg_gebruik g
    JOIN cbs.periode p USING (periode)
    JOIN cbs.code_kolom k ON k.tabel_id = g.tabel_id AND k.kolom = 'vorm' AND k.code = g.vorm
    WHERE p.periode_soort = 'jaar'
), ratio AS (
    SELECT u.*, b.aantal_0_17, b.aantal_0_22,
           round(1000.0 * u.aantal / NULLIF(b.aantal_0_22, 0), 2) AS per_1000_0_22,
           round(1000.0 * u.aantal / NULLIF(b.aantal_0_17, 0), 2) AS per_1000_0_17
    FROM gebruik u
    LEFT JOIN cbs.bevolking_jeugd b ON b.regio = u.regio AND b.jaar = u.jaar
)
SELECT r.tabel_id, r.maat, r.regio, rg.regio_naam, rg.regio_soort, rg.gemeente, r.jaar, r.periode,
       r.vorm, r.vorm_naam, r.aantal, r.geheim, r.aantal_0_17, r.aantal_0_22,
       r.per_1000_0_17, r.per_1000_0_22,
       nl.per_1000_0_22                                            AS nl_per_1000_0_22,
       round(100 * r.per_1000_0_22 / NULLIF(nl.per_1000_0_22, 0), 1) AS index_nl
FROM ratio r
JOIN cbs.regio rg USING (regio)
LEFT JOIN ratio nl ON nl.regio = 'NL01' AND nl.tabel_id = r.tabel_id AND nl.maat = r.maat
                  AND nl.jaar = r.jaar AND nl.vorm = r.vorm;

COMMENT ON VIEW cbs.jeugdzorg_per_1000_jongeren IS
    'Jongeren met jeugdzorg (CBS, woonplaatsbeginsel, incl. PGB en wijkteam) per 1 000 jongeren, per regio, jaar en vorm, met Nederland als benchmark.';
COMMENT ON COLUMN cbs.jeugdzorg_per_1000_jongeren.vorm_naam IS 'Vorm van jeugdzorg zoals StatLine hem noemt (bijv. ''JH 122 Totaal jeugdhulp met verblijf'').';
COMMENT ON COLUMN cbs.jeugdzorg_per_1000_jongeren.aantal IS 'Aantal jongeren (afgerond op 5); leeg als CBS de cel onderdrukt (geheim).';
COMMENT ON COLUMN cbs.jeugdzorg_per_1000_jongeren.per_1000_0_22 IS 'Aantal per 1 000 inwoners van 0-22 jaar op 1 januari van het jaar.';
COMMENT ON COLUMN cbs.jeugdzorg_per_1000_jongeren.per_1000_0_17 IS 'Aantal per 1 000 inwoners van 0-17 jaar (jeugdzorg na 18 jaar telt mee in de teller).';
COMMENT ON COLUMN cbs.jeugdzorg_per_1000_jongeren.nl_per_1000_0_22 IS 'Dezelfde verhouding voor Nederland (NL01): de landelijke benchmark.';
COMMENT ON COLUMN cbs.jeugdzorg_per_1000_jongeren.index_nl IS 'per_1000_0_22 als index van Nederland (100 = landelijk gemiddelde).';
