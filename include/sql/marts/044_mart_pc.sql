-- Planning & control per gemeente: budget (begroting) vs realisation vs commitments
-- (verplichtingen) vs forecast, per month/quarter/year and productcategorie, with per-1,000-youth
-- figures against the other gemeenten and CBS. Closed months are frozen (core.pc_afsluiting).
--
-- peildatum: the date the data reaches = the latest DeclaratieDagtekening received.
-- realisatie: declared debit minus credit by month of delivery, rejected lines excluded.
-- nog te declareren: the chain-ladder estimate of what is still to be declared for a delivered
--   month (jeugdhulp.forecast writes mart.prognose_nog_te_declareren before the marts refresh).
-- verplichting: value of the care assigned in current toewijzingen in that month (volume per
--   frequentie pro rata per day x contract tariff, or the toewijzing's Budget pro rata).
-- prognose: realisatie + nog te declareren for months up to the peildatum; verplichting after it.

-- Value of the assigned care per current toewijzing and month (the commitments).
CREATE OR REPLACE VIEW core.toewijzing_verplichting_maand AS
WITH t AS (
    SELECT a.gemeente, a.toewijzing_nummer, a.aanbieder, a.product_categorie, a.product_code, a.ingangsdatum,
           coalesce(a.einddatum, make_date(extract(year FROM greatest(a.ingangsdatum, p.peildatum))::integer, 12, 31)) AS eind,
           a.volume, a.eenheid, a.frequentie, a.budget
    FROM core.toewijzing_actueel a
    CROSS JOIN core.peildatum p
    WHERE a.product_categorie IS NOT NULL
), m AS (
    SELECT t.*, p.maand, p.jaar, p.dagen,
           least(t.eind, p.maand_einde) - greatest(t.ingangsdatum, p.maand) + 1 AS dagen_in_maand,
           t.eind - t.ingangsdatum + 1 AS dagen_totaal
    FROM t
    JOIN core.periode p ON p.maand BETWEEN date_trunc('month', t.ingangsdatum) AND t.eind
), v AS (
    SELECT m.*,
           CASE m.frequentie
               WHEN '1' THEN m.volume * m.dagen_in_maand
               WHEN '2' THEN m.volume * m.dagen_in_maand / 7.0
               WHEN '4' THEN m.volume * m.dagen_in_maand / m.dagen::numeric
               WHEN '6' THEN m.volume * m.dagen_in_maand / m.dagen_totaal::numeric
           END AS volume_maand
    FROM m
)
SELECT v.gemeente, v.toewijzing_nummer, v.aanbieder, v.product_categorie, v.product_code, v.maand, v.jaar,
       v.volume_maand AS volume,
       round(CASE
           WHEN v.volume IS NULL THEN v.budget * v.dagen_in_maand / v.dagen_totaal::numeric
           ELSE v.volume_maand * CASE WHEN v.eenheid = '83' THEN 1
                                      WHEN v.eenheid = '01' AND ct.eenheid = '04' THEN ct.tarief / 60.0
                                      ELSE ct.tarief END
       END)::bigint AS verplichting_bedrag
FROM v
LEFT JOIN core.contract_tarief_actueel ct
    ON ct.jaar = v.jaar AND ct.product_categorie = v.product_categorie AND ct.product_code = v.product_code;

-- Written by jeugdhulp.forecast (chain-ladder on the declaration-lag triangle) before each refresh.
CREATE TABLE IF NOT EXISTS mart.prognose_nog_te_declareren (
    peildatum                 date NOT NULL,
    gemeente                  text NOT NULL,
    maand                     date NOT NULL,
    product_categorie         text NOT NULL,
    ontwikkelmaanden          smallint NOT NULL,
    gedeclareerd_bedrag       bigint NOT NULL,
    methode                   text NOT NULL,
    ontwikkelfactor           numeric(12, 4),
    nog_te_declareren_bedrag  bigint NOT NULL,
    prognose_bedrag           bigint NOT NULL,
    prognose_laag_bedrag      bigint NOT NULL,
    prognose_hoog_bedrag      bigint NOT NULL,
    PRIMARY KEY (gemeente, maand, product_categorie)
);
COMMENT ON TABLE mart.prognose_nog_te_declareren IS
    'Schatting van wat voor een geleverde maand nog gedeclareerd gaat worden (late declaraties), per gemeente, maand van levering en productcategorie: chain-ladder op de driehoek van declaratievertraging, met een marge uit de backtest.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.peildatum IS 'Laatste DeclaratieDagtekening in de data: de stand waarop de schatting is gemaakt.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.gemeente IS 'CBS-gemeentecode (4 cijfers).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.maand IS 'Eerste dag van de maand van levering (ProductPeriode).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.product_categorie IS 'ProductCategorie (JZ020).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.ontwikkelmaanden IS 'Aantal maanden tussen de maand van levering en de maand van de peildatum.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.gedeclareerd_bedrag IS 'Tot de peildatum gedeclareerd (debet min credit, zonder afgewezen regels), in eurocent.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.methode IS 'chain-ladder (gedeclareerd x ontwikkelfactor), bornhuetter-ferguson (verwachting uit de drie voorgaande maanden, voor maanden waarvan nog minder dan de helft binnen is) of geen schatting (eerste maand van de cel, nog niets binnen).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.ontwikkelfactor IS 'Cumulatieve ontwikkelfactor: verwacht eindbedrag gedeeld door het bedrag dat na dit aantal ontwikkelmaanden binnen is (regionaal geschat); leeg als er na zo weinig maanden normaal nog niets binnen is.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.nog_te_declareren_bedrag IS 'Geschat nog te declareren bedrag in eurocent (prognose min gedeclareerd).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.prognose_bedrag IS 'Geschat eindbedrag voor deze maand in eurocent.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.prognose_laag_bedrag IS 'Ondergrens van het eindbedrag in eurocent: 10e percentiel van de relatieve fout in de backtest bij dit aantal ontwikkelmaanden.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.prognose_hoog_bedrag IS 'Bovengrens van het eindbedrag in eurocent: 90e percentiel van de relatieve fout in de backtest.';

CREATE TABLE IF NOT EXISTS mart.prognose_ontwikkelfactor (
    peildatum              date NOT NULL,
    ontwikkelmaanden       smallint PRIMARY KEY,
    factor                 numeric(12, 4),
    cumulatieve_factor     numeric(12, 4),
    aandeel_binnen_pct     numeric(5, 1) NOT NULL,
    aantal_herkomstmaanden integer NOT NULL
);
COMMENT ON TABLE mart.prognose_ontwikkelfactor IS
    'Declaratievertraging van de regio: welk deel van het eindbedrag van een leveringsmaand na k maanden gedeclareerd is (chain-ladder ontwikkelfactoren).';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.peildatum IS 'Laatste DeclaratieDagtekening in de data.';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.ontwikkelmaanden IS 'k: maanden na de maand van levering (0 = dezelfde maand).';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.factor IS 'Gedeclareerd na k+1 maanden gedeeld door gedeclareerd na k maanden, gewogen over de leveringsmaanden; leeg als er na k maanden nog niets binnen is.';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.cumulatieve_factor IS 'Product van de factoren vanaf k: eindbedrag gedeeld door het bedrag na k maanden.';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.aandeel_binnen_pct IS 'Percentage van het eindbedrag dat na k maanden gedeclareerd is (100 / cumulatieve factor).';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.aantal_herkomstmaanden IS 'Aantal leveringsmaanden waarop de factor is geschat.';

CREATE TABLE IF NOT EXISTS mart.prognose_backtest (
    peildatum          date NOT NULL,
    gemeente           text NOT NULL,
    maand              date NOT NULL,
    ontwikkelmaanden   smallint NOT NULL,
    geschat_bedrag     bigint NOT NULL,
    werkelijk_bedrag   bigint NOT NULL,
    fout_pct           numeric(8, 2),
    PRIMARY KEY (peildatum, gemeente, maand)
);
COMMENT ON TABLE mart.prognose_backtest IS
    'Backtest van de prognose: voor elke historische peildatum de schatting van het eindbedrag per gemeente en leveringsmaand, naast wat er later werkelijk gedeclareerd is.';
COMMENT ON COLUMN mart.prognose_backtest.peildatum IS 'Historische peildatum (laatste dag van een maand): alleen declaraties tot en met die dag zijn gebruikt.';
COMMENT ON COLUMN mart.prognose_backtest.gemeente IS 'CBS-gemeentecode (4 cijfers).';
COMMENT ON COLUMN mart.prognose_backtest.maand IS 'Eerste dag van de maand van levering.';
COMMENT ON COLUMN mart.prognose_backtest.ontwikkelmaanden IS 'Maanden tussen de leveringsmaand en de historische peildatum.';
COMMENT ON COLUMN mart.prognose_backtest.geschat_bedrag IS 'Toen geschat eindbedrag in eurocent.';
COMMENT ON COLUMN mart.prognose_backtest.werkelijk_bedrag IS 'Nu bekend bedrag in eurocent (alleen leveringsmaanden die inmiddels uitontwikkeld zijn).';
COMMENT ON COLUMN mart.prognose_backtest.fout_pct IS '(geschat - werkelijk) / werkelijk x 100.';

CREATE MATERIALIZED VIEW IF NOT EXISTS mart.pc_gemeente_maand AS
WITH realisatie AS (
    SELECT gemeente, product_categorie, maand,
           sum(ingediend_bedrag_saldo) FILTER (WHERE status <> 'rejected') AS realisatie_bedrag,
           count(DISTINCT client_pseudoniem) FILTER (WHERE status <> 'rejected' AND debet_credit = 'D') AS aantal_jeugdigen
    FROM core.declaratie_regel_feit
    GROUP BY gemeente, product_categorie, maand
), verplichting AS (
    SELECT gemeente, product_categorie, maand, sum(verplichting_bedrag) AS verplichting_bedrag
    FROM core.toewijzing_verplichting_maand
    GROUP BY gemeente, product_categorie, maand
), begroting AS (
    SELECT gemeente, product_categorie, jaar, begroting FROM core.begroting_actueel
), jaren AS (
    SELECT gemeente, product_categorie, extract(year FROM maand)::smallint AS jaar FROM realisatie
    UNION SELECT gemeente, product_categorie, extract(year FROM maand)::smallint FROM verplichting
    UNION SELECT gemeente, product_categorie, jaar FROM begroting
)
SELECT j.gemeente,
       g.gemeente_naam,
       p.maand,
       p.jaar,
       p.kwartaal,
       j.product_categorie,
       -- a twelfth of the annual budget; December takes the rounding rest, so months add up to the year
       (coalesce(b.begroting / 12 + CASE WHEN p.maand_nummer = 12 THEN b.begroting % 12 ELSE 0 END, 0))::bigint AS begroting_bedrag,
       coalesce(r.realisatie_bedrag, 0)::bigint                                      AS realisatie_bedrag,
       coalesce(f.nog_te_declareren_bedrag, 0)::bigint                               AS nog_te_declareren_bedrag,
       coalesce(v.verplichting_bedrag, 0)::bigint                                    AS verplichting_bedrag,
       (CASE WHEN p.maand <= date_trunc('month', pd.peildatum)
             THEN coalesce(r.realisatie_bedrag, 0) + coalesce(f.nog_te_declareren_bedrag, 0)
             ELSE coalesce(v.verplichting_bedrag, 0) END)::bigint                    AS prognose_bedrag,
       coalesce(r.aantal_jeugdigen, 0)::integer                                      AS aantal_jeugdigen,
       p.maand <= date_trunc('month', pd.peildatum)                                  AS geleverd,
       pd.peildatum
FROM jaren j
JOIN core.gemeente g USING (gemeente)
JOIN core.periode p ON p.jaar = j.jaar
CROSS JOIN core.peildatum pd
LEFT JOIN begroting b ON b.gemeente = j.gemeente AND b.product_categorie = j.product_categorie AND b.jaar = j.jaar
LEFT JOIN realisatie r ON r.gemeente = j.gemeente AND r.product_categorie = j.product_categorie AND r.maand = p.maand
LEFT JOIN verplichting v ON v.gemeente = j.gemeente AND v.product_categorie = j.product_categorie AND v.maand = p.maand
LEFT JOIN mart.prognose_nog_te_declareren f
    ON f.gemeente = j.gemeente AND f.product_categorie = j.product_categorie AND f.maand = p.maand
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS pc_gemeente_maand_uq ON mart.pc_gemeente_maand (gemeente, maand, product_categorie);

COMMENT ON MATERIALIZED VIEW mart.pc_gemeente_maand IS
    'Planning & control per gemeente, maand en productcategorie: begroting, realisatie (gedeclareerd, zonder afgewezen regels), nog te declareren (prognose late declaraties), verplichtingen uit toewijzingen en prognose. Voorlopig: voor afgesloten maanden zie mart.pc_gemeente_maand_vastgesteld.';
COMMENT ON COLUMN mart.pc_gemeente_maand.gemeente IS 'CBS-gemeentecode (4 cijfers).';
COMMENT ON COLUMN mart.pc_gemeente_maand.gemeente_naam IS 'Naam van de gemeente.';
COMMENT ON COLUMN mart.pc_gemeente_maand.maand IS 'Eerste dag van de maand (van levering voor de realisatie).';
COMMENT ON COLUMN mart.pc_gemeente_maand.jaar IS 'Begrotingsjaar.';
COMMENT ON COLUMN mart.pc_gemeente_maand.kwartaal IS 'Kwartaal (1-4), voor de bestuursrapportage per kwartaal.';
COMMENT ON COLUMN mart.pc_gemeente_maand.product_categorie IS 'ProductCategorie (JZ020); de begroting is per productcategorie (contractwerkboek).';
COMMENT ON COLUMN mart.pc_gemeente_maand.begroting_bedrag IS 'Een twaalfde van de jaarbegroting in eurocent (december krijgt de afrondingsrest).';
COMMENT ON COLUMN mart.pc_gemeente_maand.realisatie_bedrag IS 'Gedeclareerd in eurocent voor zorg geleverd in deze maand: debet min credit, afgewezen regels niet meegeteld.';
COMMENT ON COLUMN mart.pc_gemeente_maand.nog_te_declareren_bedrag IS 'Geschat nog te declareren bedrag in eurocent (late declaraties, chain-ladder; mart.prognose_nog_te_declareren); negatief als per saldo nog creditering verwacht wordt.';
COMMENT ON COLUMN mart.pc_gemeente_maand.verplichting_bedrag IS 'Waarde in eurocent van de zorg die in actuele toewijzingen voor deze maand is toegewezen (volume x contracttarief of Budget, naar rato per dag).';
COMMENT ON COLUMN mart.pc_gemeente_maand.prognose_bedrag IS 'Verwachte kosten in eurocent: realisatie + nog te declareren tot en met de maand van de peildatum, daarna de verplichting.';
COMMENT ON COLUMN mart.pc_gemeente_maand.aantal_jeugdigen IS 'Aantal unieke jeugdigen met een niet-afgewezen debetregel voor deze maand en productcategorie.';
COMMENT ON COLUMN mart.pc_gemeente_maand.geleverd IS 'Waar als de maand niet na de maand van de peildatum ligt (realisatie), onwaar voor toekomstige maanden (verplichting).';
COMMENT ON COLUMN mart.pc_gemeente_maand.peildatum IS 'Stand van de data: de laatste DeclaratieDagtekening.';

-- Year figures per gemeente with per-1,000-youth comparisons (other gemeenten, CBS Nederland).
CREATE MATERIALIZED VIEW IF NOT EXISTS mart.pc_gemeente_jaar AS
WITH jaar AS (
    SELECT gemeente, gemeente_naam, jaar,
           sum(begroting_bedrag) AS begroting_bedrag, sum(realisatie_bedrag) AS realisatie_bedrag,
           sum(nog_te_declareren_bedrag) AS nog_te_declareren_bedrag,
           sum(verplichting_bedrag) FILTER (WHERE NOT geleverd) AS verplichting_rest_jaar_bedrag,
           sum(prognose_bedrag) AS prognose_bedrag
    FROM mart.pc_gemeente_maand
    GROUP BY gemeente, gemeente_naam, jaar
), jeugdigen AS (
    SELECT gemeente, extract(year FROM maand)::smallint AS jaar, count(DISTINCT client_pseudoniem) AS aantal_jeugdigen
    FROM core.declaratie_regel_feit
    WHERE status <> 'rejected' AND debet_credit = 'D'
    GROUP BY gemeente, extract(year FROM maand)
), met_bevolking AS (
    SELECT j.*, coalesce(jg.aantal_jeugdigen, 0) AS aantal_jeugdigen, b.aantal_0_17, b.jaar AS bevolking_jaar
    FROM jaar j
    LEFT JOIN jeugdigen jg USING (gemeente, jaar)
    LEFT JOIN LATERAL (
        SELECT x.aantal_0_17, x.jaar FROM cbs.bevolking_jeugd x
        WHERE x.gemeente = j.gemeente AND x.aantal_0_17 > 0
        ORDER BY x.jaar > j.jaar, abs(x.jaar - j.jaar)   -- this year, else the nearest earlier one
        LIMIT 1
    ) b ON true
), cbs_nl AS (
    SELECT jaar, per_1000_0_22 FROM cbs.jeugdzorg_per_1000_jongeren
    WHERE regio = 'NL01' AND vorm_naam ILIKE '%totaal jeugdzorg in natura%' AND per_1000_0_22 IS NOT NULL
), cbs_gm AS (
    SELECT gemeente, jaar, per_1000_0_22 FROM cbs.jeugdzorg_per_1000_jongeren
    WHERE gemeente IS NOT NULL AND vorm_naam ILIKE '%totaal jeugdzorg in natura%' AND per_1000_0_22 IS NOT NULL
)
SELECT m.gemeente,
       m.gemeente_naam,
       m.jaar::smallint                                                                  AS jaar,
       m.begroting_bedrag::bigint                                                        AS begroting_bedrag,
       m.realisatie_bedrag::bigint                                                       AS realisatie_bedrag,
       m.nog_te_declareren_bedrag::bigint                                                AS nog_te_declareren_bedrag,
       coalesce(m.verplichting_rest_jaar_bedrag, 0)::bigint                              AS verplichting_rest_jaar_bedrag,
       m.prognose_bedrag::bigint                                                         AS prognose_bedrag,
       (m.prognose_bedrag - m.begroting_bedrag)::bigint                                  AS prognose_min_begroting_bedrag,
       round(100.0 * m.prognose_bedrag / NULLIF(m.begroting_bedrag, 0), 1)               AS prognose_begroting_pct,
       m.aantal_jeugdigen::integer                                                       AS aantal_jeugdigen,
       m.aantal_0_17::integer                                                            AS inwoners_0_17,
       m.bevolking_jaar::smallint                                                        AS bevolking_jaar,
       round(1000.0 * m.aantal_jeugdigen / NULLIF(m.aantal_0_17, 0), 1)                  AS jeugdigen_per_1000,
       round(1000.0 * sum(m.aantal_jeugdigen) OVER w / NULLIF(sum(m.aantal_0_17) OVER w, 0), 1) AS regio_jeugdigen_per_1000,
       round(m.prognose_bedrag / NULLIF(m.aantal_0_17, 0))::bigint                       AS prognose_per_inwoner_0_17_bedrag,
       round(sum(m.prognose_bedrag) OVER w / NULLIF(sum(m.aantal_0_17) OVER w, 0))::bigint AS regio_prognose_per_inwoner_0_17_bedrag,
       (SELECT c.per_1000_0_22 FROM cbs_gm c WHERE c.gemeente = m.gemeente AND c.jaar <= m.jaar
        ORDER BY c.jaar DESC LIMIT 1)                                                    AS cbs_gemeente_per_1000_0_22,
       (SELECT c.per_1000_0_22 FROM cbs_nl c WHERE c.jaar <= m.jaar ORDER BY c.jaar DESC LIMIT 1) AS cbs_nederland_per_1000_0_22
FROM met_bevolking m
WINDOW w AS (PARTITION BY m.jaar)
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS pc_gemeente_jaar_uq ON mart.pc_gemeente_jaar (gemeente, jaar);

COMMENT ON MATERIALIZED VIEW mart.pc_gemeente_jaar IS
    'Planning & control per gemeente en jaar: begroting, realisatie, nog te declareren, resterende verplichtingen en prognose jaareinde, per 1 000 jongeren van 0-17 jaar naast de regio en CBS.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.gemeente IS 'CBS-gemeentecode (4 cijfers).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.gemeente_naam IS 'Naam van de gemeente.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.jaar IS 'Begrotingsjaar.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.begroting_bedrag IS 'Jaarbegroting jeugdhulp (alle productcategorieën) in eurocent.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.realisatie_bedrag IS 'Gedeclareerd tot de peildatum in eurocent (debet min credit, zonder afgewezen regels).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.nog_te_declareren_bedrag IS 'Geschat nog te declareren voor al geleverde maanden, in eurocent (chain-ladder).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.verplichting_rest_jaar_bedrag IS 'Verplichtingen uit actuele toewijzingen voor de maanden na de peildatum, in eurocent.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.prognose_bedrag IS 'Prognose jaareinde in eurocent: realisatie + nog te declareren + resterende verplichtingen.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.prognose_min_begroting_bedrag IS 'Prognose min begroting in eurocent (positief = overschrijding).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.prognose_begroting_pct IS 'Prognose als percentage van de begroting.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.aantal_jeugdigen IS 'Aantal unieke jeugdigen met een niet-afgewezen declaratie in het jaar.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.inwoners_0_17 IS 'Inwoners van 0-17 jaar op 1 januari (CBS 03759ned; het dichtstbijzijnde eerdere jaar als het jaar zelf ontbreekt).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.bevolking_jaar IS 'Het CBS-jaar waarvan inwoners_0_17 komt.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.jeugdigen_per_1000 IS 'Jeugdigen in zorg (iJw-declaraties) per 1 000 inwoners van 0-17 jaar.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.regio_jeugdigen_per_1000 IS 'Hetzelfde voor alle gemeenten samen (de regio), ter vergelijking.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.prognose_per_inwoner_0_17_bedrag IS 'Prognose jaareinde per inwoner van 0-17 jaar, in eurocent.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.regio_prognose_per_inwoner_0_17_bedrag IS 'Hetzelfde voor de regio, in eurocent.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.cbs_gemeente_per_1000_0_22 IS 'CBS: jongeren met jeugdzorg in natura per 1 000 jongeren van 0-22 jaar in deze gemeente (laatste beschikbare jaar tot en met dit jaar; woonplaatsbeginsel).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.cbs_nederland_per_1000_0_22 IS 'CBS: hetzelfde voor Nederland, de landelijke benchmark.';

-- Closed months frozen, open months provisional; a later correction shows as a difference.
CREATE OR REPLACE VIEW mart.pc_gemeente_maand_vastgesteld AS
SELECT m.gemeente, m.gemeente_naam, m.maand, m.jaar, m.kwartaal, m.product_categorie,
       CASE WHEN a.maand IS NULL THEN 'voorlopig' ELSE 'afgesloten' END               AS status,
       a.gesloten_op,
       coalesce(c.begroting_bedrag, m.begroting_bedrag)                               AS begroting_bedrag,
       coalesce(c.realisatie_bedrag, CASE WHEN a.maand IS NULL THEN m.realisatie_bedrag ELSE 0 END)               AS realisatie_bedrag,
       coalesce(c.nog_te_declareren_bedrag, CASE WHEN a.maand IS NULL THEN m.nog_te_declareren_bedrag ELSE 0 END) AS nog_te_declareren_bedrag,
       coalesce(c.verplichting_bedrag, CASE WHEN a.maand IS NULL THEN m.verplichting_bedrag ELSE 0 END)           AS verplichting_bedrag,
       coalesce(c.aantal_jeugdigen, CASE WHEN a.maand IS NULL THEN m.aantal_jeugdigen ELSE 0 END)                 AS aantal_jeugdigen,
       CASE WHEN a.maand IS NULL THEN 0 ELSE m.realisatie_bedrag - coalesce(c.realisatie_bedrag, 0) END::bigint  AS correctie_na_afsluiting_bedrag
FROM mart.pc_gemeente_maand m
LEFT JOIN core.pc_afsluiting a ON a.maand = m.maand
LEFT JOIN core.pc_afsluiting_cijfer c
    ON c.maand = m.maand AND c.gemeente = m.gemeente AND c.product_categorie = m.product_categorie;

COMMENT ON VIEW mart.pc_gemeente_maand_vastgesteld IS
    'Als mart.pc_gemeente_maand, maar voor afgesloten maanden de cijfers zoals ze bij het afsluiten waren; wat er daarna nog binnenkwam staat apart als correctie. Basis voor de P&C-rapportages.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.gemeente IS 'CBS-gemeentecode (4 cijfers).';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.gemeente_naam IS 'Naam van de gemeente.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.maand IS 'Eerste dag van de maand.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.jaar IS 'Begrotingsjaar.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.kwartaal IS 'Kwartaal (1-4).';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.product_categorie IS 'ProductCategorie (JZ020).';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.status IS 'afgesloten (cijfers bevroren, core.pc_afsluiting) of voorlopig.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.gesloten_op IS 'Moment van afsluiten; leeg als de maand voorlopig is.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.begroting_bedrag IS 'Begroting voor de maand in eurocent (bij afsluiten vastgelegd).';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.realisatie_bedrag IS 'Realisatie in eurocent: bij afsluiten vastgelegd, anders actueel.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.nog_te_declareren_bedrag IS 'Nog te declareren in eurocent: bij afsluiten vastgelegd, anders actueel.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.verplichting_bedrag IS 'Verplichting in eurocent: bij afsluiten vastgelegd, anders actueel.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.aantal_jeugdigen IS 'Aantal unieke jeugdigen: bij afsluiten vastgelegd, anders actueel.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.correctie_na_afsluiting_bedrag IS 'Actuele realisatie min de vastgelegde realisatie in eurocent: correcties (late declaraties, credits, afwijzingen) na het afsluiten.';
