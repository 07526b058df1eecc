-- Planning & control per gemeente: budget (begroting) vs realisation vs commitments
-- (verplichtingen) vs forecast, per month/quarter/year and productcategorie, with per-1,000-youth
-- figures against the other gemeenten and CBS. Closed months are frozen (core.pc_afsluiting).
--
-- peildatum: the date the data reaches = the latest DeclaratieDagtekening received.
-- realisatie: TOEGEKEND netto by month of delivery: debit minus credit of the lines with a
--   positive JW325 answer (core.declaratie_regel_feit.status = 'approved'), plus for taakgericht
--   care the lump sum of the month (contract workbook, sheet taakgericht) once the month is
--   delivered. Lines without an answer are in behandeling (a column of their own); rejected lines
--   are never realised; ingediend (everything submitted, incl. rejected) is shown for reference.
-- nog te declareren: the estimate of what is still to be declared for a delivered month
--   (jeugdhulp.forecast writes mart.prognose_nog_te_declareren before the marts refresh).
-- verplichting: value of the care assigned in current toewijzingen in that month
--   (core.toewijzing_verplichting_maand) plus the taakgericht lump sums.
-- prognose: realisatie + in behandeling + nog te declareren for months up to the peildatum;
--   verplichting after it.
-- uitvoeringsvariant: the variant of the flows in a row (declarations: the variant of their
--   product's tariff; toewijzingen: idem; lump sums: taakgericht); 'gemengd' when a gemeente x
--   month x categorie has more than one. The grain stays gemeente x maand x product_categorie (the
--   forecast and the closed months are kept at that grain); taakgericht_bedrag shows the lump-sum
--   part. Generic toewijzingen (no ProductCategorie, Budget only) have product_categorie 'generiek'.

-- Value of the assigned care per current toewijzing and month (the commitments). Per row:
--   soort_toewijzing  specifiek (ProductCode), aspecifiek (ProductCategorie only) or generiek (Budget only);
--   volume            the assigned volume in this month in the toewijzing's Eenheid: per dag x days,
--                     per week x days / 7, per maand x share of the month's days, totaal x share of
--                     the toewijzing's days; outputgericht counts products per period instead: per
--                     maand the full volume in every month the toewijzing touches, per week x the
--                     Sundays in it (IV077), per dag x days, totaal pro rata per day;
--   tarief_bron       how it is valued: contract (the tariff of that year) or geindexeerd (latest
--                     tariff x indexation, core.contract_tarief_jaar): volume converted to the
--                     tariff's eenheid (core.eenheid_omrekening) x tarief; euro (Eenheid 83: the
--                     volume is the amount); budget (Budget pro rata per day); gemiddelde (aspecifiek
--                     without Budget: the region's mean toegekend netto per toewijzing-month in the
--                     categorie, pro rata per day); taakgericht (paid by the lump sum, valued 0 here);
--                     geen (no tariff or mean known) and niet_omrekenbaar (the units do not convert,
--                     or Frequentie unknown): verplichting_bedrag is NULL, never a silent 0.
-- Open-ended toewijzingen run to the end of the year of the peildatum (or of their start).
CREATE OR REPLACE VIEW core.toewijzing_verplichting_maand AS
WITH t AS (
    SELECT a.gemeente, a.toewijzing_nummer, a.aanbieder, a.product_categorie, a.product_code, a.ingangsdatum,
           coalesce(a.einddatum, make_date(extract(year FROM greatest(a.ingangsdatum, p.peildatum))::integer, 12, 31)) AS eind,
           a.volume, a.eenheid, a.frequentie, a.budget,
           CASE WHEN a.product_categorie IS NULL THEN 'generiek'
                WHEN a.product_code IS NULL THEN 'aspecifiek'
                ELSE 'specifiek' END AS soort_toewijzing
    FROM core.toewijzing_actueel a
    CROSS JOIN core.peildatum p
), m AS (
    SELECT t.*, p.maand, p.jaar, p.dagen,
           greatest(t.ingangsdatum, p.maand) AS van,
           least(t.eind, p.maand_einde) AS tot,
           least(t.eind, p.maand_einde) - greatest(t.ingangsdatum, p.maand) + 1 AS dagen_in_maand,
           t.eind - t.ingangsdatum + 1 AS dagen_totaal
    FROM t
    JOIN core.periode p ON p.maand BETWEEN date_trunc('month', t.ingangsdatum) AND t.eind
), categorie_variant AS (   -- an aspecific toewijzing takes its categorie's variant when that is unambiguous
    SELECT product_categorie, jaar, min(uitvoeringsvariant) AS uitvoeringsvariant
    FROM core.contract_tarief_jaar
    GROUP BY product_categorie, jaar
    HAVING count(DISTINCT uitvoeringsvariant) = 1
), gemiddelde AS (          -- mean toegekend netto per toewijzing-month, per categorie
    SELECT product_categorie,
           sum(ingediend_bedrag_saldo)::numeric / count(DISTINCT (gemeente, toewijzing_nummer, maand)) AS bedrag
    FROM core.declaratie_regel_feit
    WHERE status = 'approved'
    GROUP BY product_categorie
), c AS (
    SELECT m.*, ct.tarief, ct.tarief_bron AS contract_bron, o.teller, o.noemer, g.bedrag AS gemiddelde_bedrag,
           coalesce(ct.uitvoeringsvariant, cv.uitvoeringsvariant, 'inspanningsgericht') AS uitvoeringsvariant,
           -- Sundays from van to tot: the first Sunday on or after van, then every 7 days
           greatest(0, floor((m.tot - (m.van + (7 - extract(isodow FROM m.van)::integer) % 7))::numeric / 7) + 1)
               AS zondagen
    FROM m
    LEFT JOIN core.contract_tarief_jaar ct
        ON ct.product_categorie = m.product_categorie AND ct.product_code = m.product_code AND ct.jaar = m.jaar
    LEFT JOIN categorie_variant cv
        ON m.product_code IS NULL AND cv.product_categorie = m.product_categorie AND cv.jaar = m.jaar
    LEFT JOIN core.eenheid_omrekening o ON o.van = m.eenheid AND o.naar = ct.eenheid
    LEFT JOIN gemiddelde g ON m.product_code IS NULL AND g.product_categorie = m.product_categorie
), v AS (
    SELECT c.*,
           CASE WHEN c.uitvoeringsvariant = 'outputgericht' THEN
                    CASE c.frequentie
                        WHEN '1' THEN c.volume * c.dagen_in_maand
                        WHEN '2' THEN c.volume * c.zondagen
                        WHEN '4' THEN c.volume
                        WHEN '6' THEN c.volume * c.dagen_in_maand / c.dagen_totaal::numeric
                    END
                ELSE
                    CASE c.frequentie
                        WHEN '1' THEN c.volume * c.dagen_in_maand
                        WHEN '2' THEN c.volume * c.dagen_in_maand / 7.0
                        WHEN '4' THEN c.volume * c.dagen_in_maand / c.dagen::numeric
                        WHEN '6' THEN c.volume * c.dagen_in_maand / c.dagen_totaal::numeric
                    END
           END AS volume_maand
    FROM c
), b AS (
    SELECT v.*,
           CASE WHEN v.budget IS NOT NULL THEN 'budget'
                WHEN v.volume IS NULL THEN CASE WHEN v.gemiddelde_bedrag IS NOT NULL THEN 'gemiddelde' ELSE 'geen' END
                WHEN v.volume_maand IS NULL THEN 'niet_omrekenbaar'
                WHEN v.eenheid = '83' THEN 'euro'
                WHEN v.uitvoeringsvariant = 'taakgericht' THEN 'taakgericht'
                WHEN v.contract_bron IS NULL THEN 'geen'              -- no tariff for the product in this year
                WHEN v.teller IS NULL THEN 'niet_omrekenbaar'         -- e.g. hours against a tariff per etmaal
                WHEN v.tarief IS NULL THEN 'geen'
                ELSE v.contract_bron
           END AS tarief_bron
    FROM v
)
SELECT b.gemeente, b.toewijzing_nummer, b.aanbieder, b.product_categorie, b.product_code, b.soort_toewijzing,
       b.uitvoeringsvariant, b.maand, b.jaar, b.eenheid,
       b.volume_maand AS volume,
       CASE WHEN b.tarief_bron IN ('contract', 'geindexeerd') THEN b.tarief END AS tarief,
       b.tarief_bron,
       round(CASE b.tarief_bron
           WHEN 'budget'      THEN b.budget * b.dagen_in_maand / b.dagen_totaal::numeric
           WHEN 'gemiddelde'  THEN b.gemiddelde_bedrag * b.dagen_in_maand / b.dagen::numeric
           WHEN 'euro'        THEN b.volume_maand
           WHEN 'taakgericht' THEN 0
           WHEN 'contract'    THEN b.volume_maand * b.tarief * b.teller / b.noemer
           WHEN 'geindexeerd' THEN b.volume_maand * b.tarief * b.teller / b.noemer
       END)::bigint AS verplichting_bedrag
FROM b;

-- Written by jeugdhulp.forecast (Bornhuetter-Ferguson with a care-days a-priori on a day-based
-- declaration-lag triangle) before each refresh.
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
ALTER TABLE mart.prognose_nog_te_declareren
    ADD COLUMN IF NOT EXISTS ontwikkeldagen       integer,
    ADD COLUMN IF NOT EXISTS geleverd_tot         date,
    ADD COLUMN IF NOT EXISTS aandeel_binnen_pct   numeric(7, 1),
    ADD COLUMN IF NOT EXISTS zorgdagen            bigint,
    ADD COLUMN IF NOT EXISTS kosten_per_zorgdag   numeric(14, 2),
    ADD COLUMN IF NOT EXISTS creditering_verwacht boolean;
COMMENT ON TABLE mart.prognose_nog_te_declareren IS
    'Schatting van wat voor geleverde zorg nog gedeclareerd gaat worden (niet afgewezen regels), per gemeente, maand van levering en productcategorie: Bornhuetter-Ferguson met als verwachting de zorgdagen (start- en stopberichten) x kosten per zorgdag uit uitontwikkelde maanden (Cape Cod), ontwikkeling in dagen na het einde van de maand; de maand van de peildatum alleen tot en met de peildatum. Met een marge uit de backtest.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.peildatum IS 'Laatste DeclaratieDagtekening in de data: de stand waarop de schatting is gemaakt.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.gemeente IS 'CBS-gemeentecode (4 cijfers).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.maand IS 'Eerste dag van de maand van levering (ProductPeriode).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.product_categorie IS 'ProductCategorie (JZ020).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.ontwikkelmaanden IS 'Aantal maanden tussen de maand van levering en de maand van de peildatum.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.gedeclareerd_bedrag IS 'Tot de peildatum gedeclareerd (debet min credit, zonder afgewezen regels), in eurocent.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.methode IS 'bornhuetter-ferguson (gedeclareerd + zorgdagen x kosten per zorgdag x deel nog niet binnen), chain-ladder (geen zorgdagen bekend, minstens de helft binnen: gedeclareerd / deel binnen), gemiddelde (geen zorgdagen, minder dan de helft binnen: verwachting uit de drie voorgaande maanden) of geen schatting (eerste maand van de cel zonder zorgdagen).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.ontwikkelfactor IS 'Cumulatieve ontwikkelfactor: eindbedrag gedeeld door het bedrag dat na dit aantal dagen binnen is (regionaal geschat, 100 / aandeel_binnen_pct); leeg als er op dit punt normaal nog niets binnen is.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.nog_te_declareren_bedrag IS 'Geschat nog te declareren bedrag in eurocent (prognose min gedeclareerd); alleen negatief als er per saldo creditering verwacht wordt (creditering_verwacht).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.prognose_bedrag IS 'Geschat eindbedrag in eurocent voor de zorg van deze maand die tot en met geleverd_tot geleverd is.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.prognose_laag_bedrag IS 'Ondergrens in eurocent: prognose + 10e percentiel van de backtestfout (relatief aan wat toen nog openstond, per volledigheidsklasse) x nog te declareren; nooit boven de prognose, smal als bijna alles binnen is.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.prognose_hoog_bedrag IS 'Bovengrens in eurocent: prognose + 90e percentiel van dezelfde backtestfout x nog te declareren; nooit onder de prognose.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.ontwikkeldagen IS 'Dagen tussen het einde van de maand van levering en de peildatum (negatief: de maand loopt nog).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.geleverd_tot IS 'Laatste dag van de maand die meetelt: het einde van de maand, of de peildatum als de maand nog loopt (gedeclareerd en prognose naar rato van de dagen tot dan).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.aandeel_binnen_pct IS 'Geschat percentage van het eindbedrag dat op de peildatum gedeclareerd is (regionaal, ontwikkeling in dagen).';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.zorgdagen IS 'Dagen lopende zorg (start- en stopberichten, core.zorgperiode) in de maand tot en met geleverd_tot: de blootstelling van de verwachting.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.kosten_per_zorgdag IS 'Verwachte kosten per zorgdag in eurocent (Cape Cod: gedeclareerd / (zorgdagen x aandeel binnen) over de laatste uitontwikkelde maanden van de cel, anders van de productcategorie of de regio); leeg als de methode geen bornhuetter-ferguson is.';
COMMENT ON COLUMN mart.prognose_nog_te_declareren.creditering_verwacht IS 'Waar als er per saldo nog creditering verwacht wordt (nog te declareren negatief).';

CREATE TABLE IF NOT EXISTS mart.prognose_ontwikkelfactor (
    peildatum              date NOT NULL,
    ontwikkelmaanden       smallint PRIMARY KEY,
    factor                 numeric(12, 4),
    cumulatieve_factor     numeric(12, 4),
    aandeel_binnen_pct     numeric(5, 1) NOT NULL,
    aantal_herkomstmaanden integer NOT NULL
);
ALTER TABLE mart.prognose_ontwikkelfactor ADD COLUMN IF NOT EXISTS ontwikkeldagen integer;
COMMENT ON TABLE mart.prognose_ontwikkelfactor IS
    'Declaratievertraging van de regio op de peildatum: welk deel van het eindbedrag van de leveringsmaand k maanden voor de peildatum binnen is (chain-ladder in dagen na het einde van de maand).';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.peildatum IS 'Laatste DeclaratieDagtekening in de data.';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.ontwikkelmaanden IS 'k: maanden tussen de maand van levering en de maand van de peildatum (0 = de maand van de peildatum).';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.factor IS 'Aandeel binnen bij k+1 gedeeld door aandeel binnen bij k (de ontwikkeling van de komende maand); leeg als er bij k nog niets binnen is.';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.cumulatieve_factor IS 'Eindbedrag gedeeld door het bedrag dat op de peildatum binnen is; leeg als er nog niets binnen is.';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.aandeel_binnen_pct IS 'Percentage van het eindbedrag dat op de peildatum gedeclareerd is (100 / cumulatieve factor); voor de lopende maand van het deel tot en met de peildatum.';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.aantal_herkomstmaanden IS 'Aantal oudere leveringsmaanden waarop het aandeel is geschat (hoogstens 12 per ontwikkelstap).';
COMMENT ON COLUMN mart.prognose_ontwikkelfactor.ontwikkeldagen IS 'Dagen tussen het einde van de maand van levering en de peildatum (negatief: de maand loopt nog).';

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
ALTER TABLE mart.prognose_backtest
    ADD COLUMN IF NOT EXISTS gedeclareerd_bedrag bigint,
    ADD COLUMN IF NOT EXISTS aandeel_binnen_pct  numeric(7, 1),
    ADD COLUMN IF NOT EXISTS methode             text;
COMMENT ON TABLE mart.prognose_backtest IS
    'Backtest van de prognose: voor elke historische peildatum de schatting van het eindbedrag per gemeente en leveringsmaand, naast wat er later werkelijk gedeclareerd is.';
COMMENT ON COLUMN mart.prognose_backtest.peildatum IS 'Historische peildatum (dezelfde dag van de maand als de huidige peildatum): alleen declaraties en zorg tot en met die dag zijn gebruikt.';
COMMENT ON COLUMN mart.prognose_backtest.gemeente IS 'CBS-gemeentecode (4 cijfers).';
COMMENT ON COLUMN mart.prognose_backtest.maand IS 'Eerste dag van de maand van levering.';
COMMENT ON COLUMN mart.prognose_backtest.ontwikkelmaanden IS 'Maanden tussen de leveringsmaand en de historische peildatum.';
COMMENT ON COLUMN mart.prognose_backtest.geschat_bedrag IS 'Toen geschat eindbedrag in eurocent.';
COMMENT ON COLUMN mart.prognose_backtest.werkelijk_bedrag IS 'Nu bekend bedrag in eurocent voor de zorg tot en met de historische peildatum (alleen leveringsmaanden die inmiddels uitontwikkeld zijn).';
COMMENT ON COLUMN mart.prognose_backtest.fout_pct IS '(geschat - werkelijk) / werkelijk x 100.';
COMMENT ON COLUMN mart.prognose_backtest.gedeclareerd_bedrag IS 'Op de historische peildatum gedeclareerd, in eurocent.';
COMMENT ON COLUMN mart.prognose_backtest.aandeel_binnen_pct IS 'Gedeclareerd als percentage van het toen geschatte bedrag: de volledigheidsklasse van de marge.';
COMMENT ON COLUMN mart.prognose_backtest.methode IS 'Methode van de schatting (bornhuetter-ferguson, chain-ladder, gemiddelde, geen schatting of gemengd over de productcategorieën).';

CREATE MATERIALIZED VIEW IF NOT EXISTS mart.pc_gemeente_maand AS
WITH regel AS (
    SELECT f.gemeente, f.product_categorie, f.maand, f.status, f.debet_credit, f.client_pseudoniem,
           f.ingediend_bedrag_saldo, coalesce(ct.uitvoeringsvariant, 'inspanningsgericht') AS uitvoeringsvariant
    FROM core.declaratie_regel_feit f
    LEFT JOIN core.contract_tarief_jaar ct
        ON ct.product_categorie = f.product_categorie AND ct.product_code = f.product_code
       AND ct.jaar = extract(year FROM f.maand)
), realisatie AS (
    SELECT gemeente, product_categorie, maand,
           sum(ingediend_bedrag_saldo) FILTER (WHERE status = 'approved') AS toegekend_bedrag,
           sum(ingediend_bedrag_saldo) FILTER (WHERE status = 'pending')  AS in_behandeling_bedrag,
           sum(ingediend_bedrag_saldo)                                     AS ingediend_bedrag,
           count(DISTINCT client_pseudoniem) FILTER (WHERE status <> 'rejected' AND debet_credit = 'D') AS aantal_jeugdigen
    FROM regel
    GROUP BY gemeente, product_categorie, maand
), tv AS (
    SELECT gemeente, coalesce(product_categorie, 'generiek') AS product_categorie, maand, uitvoeringsvariant,
           tarief_bron, verplichting_bedrag
    FROM core.toewijzing_verplichting_maand
), verplichting AS (
    SELECT gemeente, product_categorie, maand,
           sum(verplichting_bedrag)                                         AS verplichting_bedrag,
           sum(verplichting_bedrag) FILTER (WHERE tarief_bron = 'geindexeerd') AS geindexeerd_bedrag,
           count(*) FILTER (WHERE verplichting_bedrag IS NULL)              AS zonder_waarde
    FROM tv
    GROUP BY gemeente, product_categorie, maand
), taak AS (
    SELECT gemeente, product_categorie, periode_maand AS maand, sum(bedrag) AS bedrag
    FROM core.contract_taakgericht_actueel
    GROUP BY gemeente, product_categorie, periode_maand
), variant AS (
    SELECT gemeente, product_categorie, maand,
           CASE WHEN count(DISTINCT uitvoeringsvariant) = 1 THEN min(uitvoeringsvariant) ELSE 'gemengd' END
               AS uitvoeringsvariant
    FROM (SELECT gemeente, product_categorie, maand, uitvoeringsvariant FROM regel
          UNION ALL SELECT gemeente, product_categorie, maand, uitvoeringsvariant FROM tv
          UNION ALL SELECT gemeente, product_categorie, maand, 'taakgericht' FROM taak) x
    GROUP BY gemeente, product_categorie, maand
), categorie_variant AS (   -- rows without any flow: the variant of the categorie's tariffs when unambiguous
    SELECT product_categorie, jaar, min(uitvoeringsvariant) AS uitvoeringsvariant
    FROM core.contract_tarief_jaar
    GROUP BY product_categorie, jaar
    HAVING count(DISTINCT uitvoeringsvariant) = 1
), begroting AS (
    SELECT gemeente, product_categorie, jaar, begroting FROM core.begroting_actueel
), jaren AS (
    SELECT gemeente, product_categorie, extract(year FROM maand)::smallint AS jaar FROM realisatie
    UNION SELECT gemeente, product_categorie, extract(year FROM maand)::smallint FROM verplichting
    UNION SELECT gemeente, product_categorie, extract(year FROM maand)::smallint FROM taak
    UNION SELECT gemeente, product_categorie, extract(year FROM maand)::smallint FROM mart.prognose_nog_te_declareren
    UNION SELECT gemeente, product_categorie, jaar FROM begroting
), cel AS (
    SELECT j.gemeente, g.gemeente_naam, p.maand, p.jaar, p.kwartaal, p.maand_nummer, j.product_categorie,
           p.maand <= date_trunc('month', pd.peildatum) AS geleverd, pd.peildatum
    FROM jaren j
    JOIN core.gemeente g USING (gemeente)
    JOIN core.periode p ON p.jaar = j.jaar
    CROSS JOIN core.peildatum pd
)
SELECT c.gemeente,
       c.gemeente_naam,
       c.maand,
       c.jaar,
       c.kwartaal,
       c.product_categorie,
       coalesce(va.uitvoeringsvariant, cv.uitvoeringsvariant, 'inspanningsgericht')  AS uitvoeringsvariant,
       -- a twelfth of the annual budget; December takes the rounding rest, so months add up to the year
       (coalesce(b.begroting / 12 + CASE WHEN c.maand_nummer = 12 THEN b.begroting % 12 ELSE 0 END, 0))::bigint AS begroting_bedrag,
       (coalesce(r.toegekend_bedrag, 0) + CASE WHEN c.geleverd THEN coalesce(tk.bedrag, 0) ELSE 0 END)::bigint
                                                                                     AS realisatie_bedrag,
       coalesce(r.in_behandeling_bedrag, 0)::bigint                                  AS in_behandeling_bedrag,
       coalesce(r.ingediend_bedrag, 0)::bigint                                       AS ingediend_bedrag,
       coalesce(tk.bedrag, 0)::bigint                                                AS taakgericht_bedrag,
       coalesce(f.nog_te_declareren_bedrag, 0)::bigint                               AS nog_te_declareren_bedrag,
       (coalesce(v.verplichting_bedrag, 0) + coalesce(tk.bedrag, 0))::bigint         AS verplichting_bedrag,
       coalesce(v.geindexeerd_bedrag, 0)::bigint                                     AS verplichting_geindexeerd_bedrag,
       coalesce(v.zonder_waarde, 0)::integer                                         AS aantal_verplichting_zonder_waarde,
       (CASE WHEN c.geleverd
             THEN coalesce(r.toegekend_bedrag, 0) + coalesce(tk.bedrag, 0) + coalesce(r.in_behandeling_bedrag, 0)
                  + coalesce(f.nog_te_declareren_bedrag, 0)
             ELSE coalesce(v.verplichting_bedrag, 0) + coalesce(tk.bedrag, 0) END)::bigint AS prognose_bedrag,
       coalesce(r.aantal_jeugdigen, 0)::integer                                      AS aantal_jeugdigen,
       c.geleverd,
       c.peildatum
FROM cel c
LEFT JOIN begroting b ON b.gemeente = c.gemeente AND b.product_categorie = c.product_categorie AND b.jaar = c.jaar
LEFT JOIN realisatie r ON r.gemeente = c.gemeente AND r.product_categorie = c.product_categorie AND r.maand = c.maand
LEFT JOIN verplichting v ON v.gemeente = c.gemeente AND v.product_categorie = c.product_categorie AND v.maand = c.maand
LEFT JOIN taak tk ON tk.gemeente = c.gemeente AND tk.product_categorie = c.product_categorie AND tk.maand = c.maand
LEFT JOIN variant va ON va.gemeente = c.gemeente AND va.product_categorie = c.product_categorie AND va.maand = c.maand
LEFT JOIN categorie_variant cv ON cv.product_categorie = c.product_categorie AND cv.jaar = c.jaar
LEFT JOIN mart.prognose_nog_te_declareren f
    ON f.gemeente = c.gemeente AND f.product_categorie = c.product_categorie AND f.maand = c.maand
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS pc_gemeente_maand_uq ON mart.pc_gemeente_maand (gemeente, maand, product_categorie);

COMMENT ON MATERIALIZED VIEW mart.pc_gemeente_maand IS
    'Planning & control per gemeente, maand en productcategorie: begroting, realisatie (toegekend netto), in behandeling, ingediend, nog te declareren (prognose late declaraties), verplichtingen uit toewijzingen en taakgerichte maandbedragen, en prognose, met de uitvoeringsvariant. Voorlopig: voor afgesloten maanden zie mart.pc_gemeente_maand_vastgesteld.';
COMMENT ON COLUMN mart.pc_gemeente_maand.gemeente IS 'CBS-gemeentecode (4 cijfers).';
COMMENT ON COLUMN mart.pc_gemeente_maand.gemeente_naam IS 'Naam van de gemeente.';
COMMENT ON COLUMN mart.pc_gemeente_maand.maand IS 'Eerste dag van de maand (van levering voor de realisatie).';
COMMENT ON COLUMN mart.pc_gemeente_maand.jaar IS 'Begrotingsjaar.';
COMMENT ON COLUMN mart.pc_gemeente_maand.kwartaal IS 'Kwartaal (1-4), voor de bestuursrapportage per kwartaal.';
COMMENT ON COLUMN mart.pc_gemeente_maand.product_categorie IS 'ProductCategorie (JZ020); de begroting is per productcategorie (contractwerkboek). ''generiek'' = generieke toewijzingen (alleen een Budget, geen categorie).';
COMMENT ON COLUMN mart.pc_gemeente_maand.uitvoeringsvariant IS 'Uitvoeringsvariant van de bedragen in deze rij: inspanningsgericht (volume x tarief), outputgericht (product per periode x tarief) of taakgericht (vast maandbedrag, geen declaraties), volgens het contractwerkboek; gemengd als in deze rij meer dan één variant voorkomt.';
COMMENT ON COLUMN mart.pc_gemeente_maand.begroting_bedrag IS 'Een twaalfde van de jaarbegroting in eurocent (december krijgt de afrondingsrest).';
COMMENT ON COLUMN mart.pc_gemeente_maand.realisatie_bedrag IS 'Realisatie = TOEGEKEND in eurocent voor zorg geleverd in deze maand: debet min credit van de regels die de gemeente met een JW325 heeft toegekend, plus voor taakgerichte zorg het vaste maandbedrag (als de maand geleverd is). Niet beantwoorde regels: in_behandeling_bedrag; afgewezen regels tellen nooit mee.';
COMMENT ON COLUMN mart.pc_gemeente_maand.in_behandeling_bedrag IS 'IN BEHANDELING in eurocent: debet min credit van de regels voor deze maand waarop nog geen JW325 is ontvangen.';
COMMENT ON COLUMN mart.pc_gemeente_maand.ingediend_bedrag IS 'INGEDIEND in eurocent, ter referentie: debet min credit van alle ingediende regels voor deze maand, ook afgewezen en in behandeling.';
COMMENT ON COLUMN mart.pc_gemeente_maand.taakgericht_bedrag IS 'Vast maandbedrag in eurocent voor taakgerichte zorg (contractwerkboek, tabblad taakgericht); zit in realisatie (geleverde maanden), verplichting en prognose.';
COMMENT ON COLUMN mart.pc_gemeente_maand.nog_te_declareren_bedrag IS 'NOG TE DECLAREREN in eurocent: geschat bedrag dat voor deze maand nog ingediend gaat worden (late declaraties; mart.prognose_nog_te_declareren); negatief als per saldo nog creditering verwacht wordt.';
COMMENT ON COLUMN mart.pc_gemeente_maand.verplichting_bedrag IS 'VERPLICHTING in eurocent: waarde van de zorg in actuele toewijzingen voor deze maand (core.toewijzing_verplichting_maand: volume x contracttarief of geïndexeerd tarief, Budget of gemiddelde, naar rato per dag) plus het taakgerichte maandbedrag.';
COMMENT ON COLUMN mart.pc_gemeente_maand.verplichting_geindexeerd_bedrag IS 'Deel van verplichting_bedrag in eurocent dat gewaardeerd is met een geïndexeerd tarief (geen contracttarief voor dit jaar: laatst bekende tarief x indexatie).';
COMMENT ON COLUMN mart.pc_gemeente_maand.aantal_verplichting_zonder_waarde IS 'Aantal toewijzing-maanden dat niet gewaardeerd kon worden (geen tarief of gemiddelde bekend, of eenheden niet om te rekenen; core.toewijzing_verplichting_maand.tarief_bron): de verplichting is dan te laag.';
COMMENT ON COLUMN mart.pc_gemeente_maand.prognose_bedrag IS 'PROGNOSE in eurocent: realisatie (toegekend) + in behandeling + nog te declareren tot en met de maand van de peildatum, daarna de verplichting.';
COMMENT ON COLUMN mart.pc_gemeente_maand.aantal_jeugdigen IS 'Aantal unieke jeugdigen met een niet-afgewezen debetregel (toegekend of in behandeling) voor deze maand en productcategorie.';
COMMENT ON COLUMN mart.pc_gemeente_maand.geleverd IS 'Waar als de maand niet na de maand van de peildatum ligt (realisatie), onwaar voor toekomstige maanden (verplichting).';
COMMENT ON COLUMN mart.pc_gemeente_maand.peildatum IS 'Stand van de data: de laatste DeclaratieDagtekening.';

-- Year figures per gemeente with per-1,000-youth comparisons (other gemeenten, CBS Nederland).
CREATE MATERIALIZED VIEW IF NOT EXISTS mart.pc_gemeente_jaar AS
WITH jaar AS (
    SELECT gemeente, gemeente_naam, jaar,
           sum(begroting_bedrag) AS begroting_bedrag, sum(realisatie_bedrag) AS realisatie_bedrag,
           sum(in_behandeling_bedrag) AS in_behandeling_bedrag, sum(ingediend_bedrag) AS ingediend_bedrag,
           sum(taakgericht_bedrag) AS taakgericht_bedrag,
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
       m.in_behandeling_bedrag::bigint                                                   AS in_behandeling_bedrag,
       m.ingediend_bedrag::bigint                                                        AS ingediend_bedrag,
       m.taakgericht_bedrag::bigint                                                      AS taakgericht_bedrag,
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
       round(m.realisatie_bedrag / NULLIF(m.aantal_0_17, 0))::bigint                     AS realisatie_per_inwoner_0_17_bedrag,
       round(sum(m.realisatie_bedrag) OVER w / NULLIF(sum(m.aantal_0_17) OVER w, 0))::bigint AS regio_realisatie_per_inwoner_0_17_bedrag,
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
    'Planning & control per gemeente en jaar: begroting, realisatie (toegekend), in behandeling, ingediend, nog te declareren, resterende verplichtingen en prognose jaareinde, per 1 000 jongeren van 0-17 jaar naast de regio en CBS.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.gemeente IS 'CBS-gemeentecode (4 cijfers).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.gemeente_naam IS 'Naam van de gemeente.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.jaar IS 'Begrotingsjaar.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.begroting_bedrag IS 'Jaarbegroting jeugdhulp (alle productcategorieën) in eurocent.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.realisatie_bedrag IS 'Realisatie = TOEGEKEND tot de peildatum in eurocent: debet min credit van de door de gemeente toegekende regels (JW325) plus taakgerichte maandbedragen van geleverde maanden.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.in_behandeling_bedrag IS 'IN BEHANDELING in eurocent: debet min credit van de regels zonder JW325.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.ingediend_bedrag IS 'INGEDIEND in eurocent, ter referentie: debet min credit van alle ingediende regels (ook afgewezen).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.taakgericht_bedrag IS 'Vaste maandbedragen voor taakgerichte zorg over het hele jaar, in eurocent (contractwerkboek).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.nog_te_declareren_bedrag IS 'NOG TE DECLAREREN in eurocent: geschat nog in te dienen bedrag voor al geleverde maanden.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.verplichting_rest_jaar_bedrag IS 'VERPLICHTING in eurocent uit actuele toewijzingen en taakgerichte maandbedragen voor de maanden na de peildatum.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.prognose_bedrag IS 'PROGNOSE jaareinde in eurocent: realisatie (toegekend) + in behandeling + nog te declareren + resterende verplichtingen.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.prognose_min_begroting_bedrag IS 'Prognose min begroting in eurocent (positief = overschrijding).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.prognose_begroting_pct IS 'Prognose als percentage van de begroting.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.aantal_jeugdigen IS 'Aantal unieke jeugdigen met een niet-afgewezen declaratie in het jaar.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.inwoners_0_17 IS 'Inwoners van 0-17 jaar op 1 januari (CBS 03759ned; het dichtstbijzijnde eerdere jaar als het jaar zelf ontbreekt).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.bevolking_jaar IS 'Het CBS-jaar waarvan inwoners_0_17 komt.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.jeugdigen_per_1000 IS 'Jeugdigen in zorg (iJw-declaraties) per 1 000 inwoners van 0-17 jaar.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.regio_jeugdigen_per_1000 IS 'Hetzelfde voor alle gemeenten samen (de regio), ter vergelijking.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.realisatie_per_inwoner_0_17_bedrag IS 'Realisatie (TOEGEKEND) per inwoner van 0-17 jaar, in eurocent.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.regio_realisatie_per_inwoner_0_17_bedrag IS 'Hetzelfde voor de regio (toegekend), in eurocent.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.prognose_per_inwoner_0_17_bedrag IS 'PROGNOSE jaareinde per inwoner van 0-17 jaar, in eurocent.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.regio_prognose_per_inwoner_0_17_bedrag IS 'Hetzelfde voor de regio (prognose), in eurocent.';
COMMENT ON COLUMN mart.pc_gemeente_jaar.cbs_gemeente_per_1000_0_22 IS 'CBS: jongeren met jeugdzorg in natura per 1 000 jongeren van 0-22 jaar in deze gemeente (laatste beschikbare jaar tot en met dit jaar; woonplaatsbeginsel).';
COMMENT ON COLUMN mart.pc_gemeente_jaar.cbs_nederland_per_1000_0_22 IS 'CBS: hetzelfde voor Nederland, de landelijke benchmark.';

-- Closed months frozen, open months provisional; a later correction shows as a difference.
CREATE OR REPLACE VIEW mart.pc_gemeente_maand_vastgesteld AS
SELECT m.gemeente, m.gemeente_naam, m.maand, m.jaar, m.kwartaal, m.product_categorie, m.uitvoeringsvariant,
       CASE WHEN a.maand IS NULL THEN 'voorlopig' ELSE 'afgesloten' END               AS status,
       a.gesloten_op,
       coalesce(c.begroting_bedrag, m.begroting_bedrag)                               AS begroting_bedrag,
       coalesce(c.realisatie_bedrag, CASE WHEN a.maand IS NULL THEN m.realisatie_bedrag ELSE 0 END)               AS realisatie_bedrag,
       coalesce(c.in_behandeling_bedrag, CASE WHEN a.maand IS NULL THEN m.in_behandeling_bedrag ELSE 0 END)       AS in_behandeling_bedrag,
       coalesce(c.ingediend_bedrag, CASE WHEN a.maand IS NULL THEN m.ingediend_bedrag ELSE 0 END)                 AS ingediend_bedrag,
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
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.product_categorie IS 'ProductCategorie (JZ020); ''generiek'' = generieke toewijzingen.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.uitvoeringsvariant IS 'Uitvoeringsvariant van de bedragen in deze rij (inspanningsgericht, outputgericht, taakgericht of gemengd), zie mart.pc_gemeente_maand.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.status IS 'afgesloten (cijfers bevroren, core.pc_afsluiting) of voorlopig.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.gesloten_op IS 'Moment van afsluiten; leeg als de maand voorlopig is.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.begroting_bedrag IS 'Begroting voor de maand in eurocent (bij afsluiten vastgelegd).';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.realisatie_bedrag IS 'Realisatie = TOEGEKEND in eurocent (plus taakgerichte maandbedragen): bij afsluiten vastgelegd, anders actueel.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.in_behandeling_bedrag IS 'IN BEHANDELING in eurocent (ingediend, nog geen JW325): bij afsluiten vastgelegd, anders actueel.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.ingediend_bedrag IS 'INGEDIEND in eurocent (alle regels, ook afgewezen), ter referentie: bij afsluiten vastgelegd, anders actueel.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.nog_te_declareren_bedrag IS 'NOG TE DECLAREREN in eurocent (schatting): bij afsluiten vastgelegd, anders actueel.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.verplichting_bedrag IS 'VERPLICHTING in eurocent: bij afsluiten vastgelegd, anders actueel.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.aantal_jeugdigen IS 'Aantal unieke jeugdigen: bij afsluiten vastgelegd, anders actueel.';
COMMENT ON COLUMN mart.pc_gemeente_maand_vastgesteld.correctie_na_afsluiting_bedrag IS 'Actuele realisatie (toegekend) min de vastgelegde realisatie in eurocent: correcties (late toekenningen, credits, afwijzingen) na het afsluiten.';
