-- Marts for contract management: realisation per provider x product x month against the contract
-- (tariff, budget ceiling), and the provider's declaration behaviour. Month = month of delivery
-- (ProductPeriode) for realisation, month of the declaration (DeclaratieDagtekening) for behaviour.
-- All amounts are integer euro cents; "netto" = debit minus credit, rejected lines excluded.

CREATE MATERIALIZED VIEW IF NOT EXISTS mart.contract_realisatie AS
SELECT
    f.aanbieder,
    a.aanbieder_naam,
    f.maand,
    extract(year FROM f.maand)::smallint                                                     AS jaar,
    f.product_categorie,
    f.product_code,
    f.eenheid,
    count(*) FILTER (WHERE f.debet_credit = 'D')::integer                                     AS aantal_debet_regels,
    coalesce(sum(f.ingediend_bedrag) FILTER (WHERE f.debet_credit = 'D'), 0)::bigint          AS ingediend_bedrag,
    coalesce(sum(f.geleverd_volume) FILTER (WHERE f.debet_credit = 'D'), 0)::bigint           AS ingediend_volume,
    coalesce(sum(f.ingediend_bedrag) FILTER (WHERE f.debet_credit = 'D' AND f.status = 'approved'), 0)::bigint AS toegekend_bedrag,
    coalesce(sum(f.geleverd_volume) FILTER (WHERE f.debet_credit = 'D' AND f.status = 'approved'), 0)::bigint  AS toegekend_volume,
    coalesce(sum(f.ingediend_bedrag) FILTER (WHERE f.debet_credit = 'D' AND f.status = 'rejected'), 0)::bigint AS afgewezen_bedrag,
    coalesce(sum(f.geleverd_volume) FILTER (WHERE f.debet_credit = 'D' AND f.status = 'rejected'), 0)::bigint  AS afgewezen_volume,
    coalesce(sum(f.ingediend_bedrag) FILTER (WHERE f.debet_credit = 'D' AND f.status = 'pending'), 0)::bigint  AS in_behandeling_bedrag,
    coalesce(sum(f.ingediend_bedrag) FILTER (WHERE f.debet_credit = 'C' AND f.status <> 'rejected'), 0)::bigint AS gecrediteerd_bedrag,
    coalesce(sum(f.geleverd_volume) FILTER (WHERE f.debet_credit = 'C' AND f.status <> 'rejected'), 0)::bigint  AS gecrediteerd_volume,
    coalesce(sum(f.ingediend_bedrag_saldo) FILTER (WHERE f.status <> 'rejected'), 0)::bigint  AS netto_bedrag,
    max(f.contract_tarief)::bigint                                                            AS contract_tarief,
    count(*) FILTER (WHERE f.tariefafwijking)::integer                                        AS aantal_tariefafwijkingen,
    coalesce(sum(f.ingediend_bedrag - f.geleverd_volume * f.contract_tarief) FILTER (WHERE f.tariefafwijking), 0)::bigint
                                                                                              AS tariefafwijking_bedrag
FROM core.declaratie_regel_feit f
JOIN core.aanbieder a USING (aanbieder)
GROUP BY f.aanbieder, a.aanbieder_naam, f.maand, f.product_categorie, f.product_code, f.eenheid
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS contract_realisatie_uq
    ON mart.contract_realisatie (aanbieder, maand, product_categorie, product_code, eenheid);

COMMENT ON MATERIALIZED VIEW mart.contract_realisatie IS
    'Contractrealisatie per aanbieder, maand van levering en product: ingediend, toegekend, afgewezen en gecrediteerd (eurocent en volume) volgens JW323/JW325, tegen het contracttarief.';
COMMENT ON COLUMN mart.contract_realisatie.aanbieder IS 'AGB-code van de aanbieder (8 cijfers): JW323 Header/Afzender.';
COMMENT ON COLUMN mart.contract_realisatie.aanbieder_naam IS 'Naam van de aanbieder uit het contractwerkboek; ''AGB <code>'' als de aanbieder niet gecontracteerd is.';
COMMENT ON COLUMN mart.contract_realisatie.maand IS 'Eerste dag van de maand van levering: Prestatie/ProductPeriode/Begindatum.';
COMMENT ON COLUMN mart.contract_realisatie.jaar IS 'Jaar van levering.';
COMMENT ON COLUMN mart.contract_realisatie.product_categorie IS 'Prestatie/ProductCategorie (iJw codelijst JZ020).';
COMMENT ON COLUMN mart.contract_realisatie.product_code IS 'Prestatie/ProductCode (regionale productcode).';
COMMENT ON COLUMN mart.contract_realisatie.eenheid IS 'Prestatie/Eenheid (WJ756) waarin de volumes van deze rij staan; bij 83 (euro''s) is het volume een bedrag in eurocent.';
COMMENT ON COLUMN mart.contract_realisatie.aantal_debet_regels IS 'Aantal ingediende debetregels (Prestaties met DebetCredit D).';
COMMENT ON COLUMN mart.contract_realisatie.ingediend_bedrag IS 'INGEDIEND: som van IngediendBedrag van de debetregels (ook afgewezen en in behandeling), in eurocent.';
COMMENT ON COLUMN mart.contract_realisatie.ingediend_volume IS 'Som van GeleverdVolume van de debetregels, in de eenheid van kolom eenheid.';
COMMENT ON COLUMN mart.contract_realisatie.toegekend_bedrag IS 'TOEGEKEND: ingediend bedrag van debetregels die de gemeente heeft toegekend (JW325), in eurocent.';
COMMENT ON COLUMN mart.contract_realisatie.toegekend_volume IS 'GeleverdVolume van de toegekende debetregels, in de eenheid van kolom eenheid.';
COMMENT ON COLUMN mart.contract_realisatie.afgewezen_bedrag IS 'AFGEWEZEN: ingediend bedrag van debetregels die de gemeente heeft afgewezen (JW325 retourcode), in eurocent.';
COMMENT ON COLUMN mart.contract_realisatie.afgewezen_volume IS 'GeleverdVolume van de afgewezen debetregels, in de eenheid van kolom eenheid.';
COMMENT ON COLUMN mart.contract_realisatie.in_behandeling_bedrag IS 'IN BEHANDELING: ingediend bedrag van debetregels waarop nog geen JW325 is ontvangen, in eurocent.';
COMMENT ON COLUMN mart.contract_realisatie.gecrediteerd_bedrag IS 'GECREDITEERD: som van de niet-afgewezen creditregels (DebetCredit C, VorigReferentieNummer naar de debetregel), positief, in eurocent.';
COMMENT ON COLUMN mart.contract_realisatie.gecrediteerd_volume IS 'GeleverdVolume van de niet-afgewezen creditregels, in de eenheid van kolom eenheid.';
COMMENT ON COLUMN mart.contract_realisatie.netto_bedrag IS 'NETTO NIET AFGEWEZEN: debet min credit van alle niet-afgewezen regels (toegekend plus in behandeling), in eurocent. De P&C-realisatie (alleen toegekend) staat in mart.pc_gemeente_maand.';
COMMENT ON COLUMN mart.contract_realisatie.contract_tarief IS 'Contracttarief in eurocent per eenheid voor dit product en jaar (contractwerkboek); leeg zonder contracttarief of bij eenheid 83 (euro).';
COMMENT ON COLUMN mart.contract_realisatie.aantal_tariefafwijkingen IS 'Aantal debetregels waarvan ProductTarief afwijkt van het contracttarief (het soort afwijking van retourcode 0611).';
COMMENT ON COLUMN mart.contract_realisatie.tariefafwijking_bedrag IS 'Ingediend min GeleverdVolume x contracttarief over de afwijkende regels, in eurocent (positief = duurder dan contract).';

-- Contract management at the grain it is managed: provider x gemeente x month of delivery x
-- product (x eenheid), from the declaration lines and their JW325 status (core.declaratie_regel_feit).
-- Caseload = unique youths with a toegekend debit line; cost per youth = toegekend netto / caseload
-- (P x Q / Q); share of the regional contract = this gemeente's part of the provider's toegekend
-- netto for the product in the month over all gemeenten, and the part of the provider's annual
-- budget ceiling. Taakgericht lump sums are not declarations: see mart.pc_gemeente_maand.
CREATE MATERIALIZED VIEW IF NOT EXISTS mart.contract_aanbieder_gemeente_maand AS
WITH cel AS (
    SELECT f.aanbieder, f.gemeente, f.maand, f.product_categorie, f.product_code, f.eenheid,
           count(*) FILTER (WHERE f.debet_credit = 'D')                                          AS aantal_debet_regels,
           sum(f.ingediend_bedrag) FILTER (WHERE f.debet_credit = 'D')                           AS ingediend_bedrag,
           sum(f.ingediend_bedrag) FILTER (WHERE f.debet_credit = 'D' AND f.status = 'approved') AS toegekend_bedrag,
           sum(f.ingediend_bedrag) FILTER (WHERE f.debet_credit = 'D' AND f.status = 'rejected') AS afgewezen_bedrag,
           sum(f.ingediend_bedrag) FILTER (WHERE f.debet_credit = 'D' AND f.status = 'pending')  AS in_behandeling_bedrag,
           sum(f.ingediend_bedrag) FILTER (WHERE f.debet_credit = 'C' AND f.status <> 'rejected') AS gecrediteerd_bedrag,
           sum(f.ingediend_bedrag_saldo) FILTER (WHERE f.status = 'approved')                    AS toegekend_netto_bedrag,
           sum(f.geleverd_volume) FILTER (WHERE f.debet_credit = 'D')                            AS ingediend_volume,
           sum(f.geleverd_volume_saldo) FILTER (WHERE f.status = 'approved')                     AS toegekend_netto_volume,
           sum(f.geleverd_volume) FILTER (WHERE f.debet_credit = 'D' AND f.status = 'rejected')  AS afgewezen_volume,
           count(DISTINCT f.client_pseudoniem) FILTER (WHERE f.debet_credit = 'D' AND f.status = 'approved')
                                                                                                 AS aantal_jeugdigen
    FROM core.declaratie_regel_feit f
    GROUP BY f.aanbieder, f.gemeente, f.maand, f.product_categorie, f.product_code, f.eenheid
)
SELECT c.aanbieder,
       a.aanbieder_naam,
       c.gemeente,
       g.gemeente_naam,
       c.maand,
       extract(year FROM c.maand)::smallint                                                 AS jaar,
       extract(quarter FROM c.maand)::smallint                                              AS kwartaal,
       c.product_categorie,
       c.product_code,
       c.eenheid,
       coalesce(ct.uitvoeringsvariant, 'inspanningsgericht')                                AS uitvoeringsvariant,
       c.aantal_debet_regels::integer                                                       AS aantal_debet_regels,
       coalesce(c.ingediend_bedrag, 0)::bigint                                              AS ingediend_bedrag,
       coalesce(c.toegekend_bedrag, 0)::bigint                                              AS toegekend_bedrag,
       coalesce(c.afgewezen_bedrag, 0)::bigint                                              AS afgewezen_bedrag,
       coalesce(c.in_behandeling_bedrag, 0)::bigint                                         AS in_behandeling_bedrag,
       coalesce(c.gecrediteerd_bedrag, 0)::bigint                                           AS gecrediteerd_bedrag,
       coalesce(c.toegekend_netto_bedrag, 0)::bigint                                        AS toegekend_netto_bedrag,
       round(100.0 * coalesce(c.afgewezen_bedrag, 0) / NULLIF(c.ingediend_bedrag, 0), 1)    AS afgewezen_pct,
       coalesce(c.ingediend_volume, 0)::bigint                                              AS ingediend_volume,
       coalesce(c.toegekend_netto_volume, 0)::bigint                                        AS toegekend_netto_volume,
       coalesce(c.afgewezen_volume, 0)::bigint                                              AS afgewezen_volume,
       c.aantal_jeugdigen::integer                                                          AS aantal_jeugdigen,
       round(coalesce(c.toegekend_netto_bedrag, 0) / NULLIF(c.aantal_jeugdigen, 0))::bigint AS kosten_per_jeugdige_bedrag,
       round(100.0 * coalesce(c.toegekend_netto_bedrag, 0)
             / NULLIF(sum(coalesce(c.toegekend_netto_bedrag, 0))
                      OVER (PARTITION BY c.aanbieder, c.maand, c.product_categorie, c.product_code, c.eenheid), 0), 1)
                                                                                            AS aandeel_regio_pct,
       round(100.0 * coalesce(c.toegekend_netto_bedrag, 0) / NULLIF(p.budgetplafond, 0), 2) AS aandeel_plafond_pct
FROM cel c
JOIN core.aanbieder a USING (aanbieder)
JOIN core.gemeente g USING (gemeente)
LEFT JOIN core.contract_tarief_jaar ct
    ON ct.product_categorie = c.product_categorie AND ct.product_code = c.product_code
   AND ct.jaar = extract(year FROM c.maand)
LEFT JOIN core.contract_plafond_actueel p ON p.aanbieder = c.aanbieder AND p.jaar = extract(year FROM c.maand)
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS contract_aanbieder_gemeente_maand_uq
    ON mart.contract_aanbieder_gemeente_maand (aanbieder, gemeente, maand, product_categorie, product_code, eenheid);

COMMENT ON MATERIALIZED VIEW mart.contract_aanbieder_gemeente_maand IS
    'Contractmanagement per aanbieder, gemeente, maand van levering en product: ingediend, toegekend, afgewezen, in behandeling en gecrediteerd (eurocent en volume), unieke jeugdigen, kosten per jeugdige en het aandeel in het regionale contract. Taakgerichte maandbedragen staan in mart.pc_gemeente_maand.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.aanbieder IS 'AGB-code van de aanbieder (8 cijfers): JW323 Header/Afzender.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.aanbieder_naam IS 'Naam van de aanbieder uit het contractwerkboek; ''AGB <code>'' als de aanbieder niet gecontracteerd is.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.gemeente IS 'CBS-gemeentecode (4 cijfers) van de gemeente die de declaratie ontving.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.gemeente_naam IS 'Naam van de gemeente.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.maand IS 'Eerste dag van de maand van levering: Prestatie/ProductPeriode/Begindatum.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.jaar IS 'Jaar van levering.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.kwartaal IS 'Kwartaal van levering (1-4).';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.product_categorie IS 'Prestatie/ProductCategorie (iJw codelijst JZ020).';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.product_code IS 'Prestatie/ProductCode (regionale productcode).';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.eenheid IS 'Prestatie/Eenheid (WJ756) waarin de volumes van deze rij staan; bij 83 (euro''s) is het volume een bedrag in eurocent.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.uitvoeringsvariant IS 'Uitvoeringsvariant van het product volgens het contractwerkboek (inspanningsgericht of outputgericht; zonder tarief: inspanningsgericht).';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.aantal_debet_regels IS 'Aantal ingediende debetregels.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.ingediend_bedrag IS 'INGEDIEND: som van IngediendBedrag van de debetregels (ook afgewezen en in behandeling), in eurocent.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.toegekend_bedrag IS 'TOEGEKEND: IngediendBedrag van de debetregels die de gemeente heeft toegekend (JW325), in eurocent.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.afgewezen_bedrag IS 'AFGEWEZEN: IngediendBedrag van de afgewezen debetregels, in eurocent.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.in_behandeling_bedrag IS 'IN BEHANDELING: IngediendBedrag van de debetregels zonder JW325, in eurocent.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.gecrediteerd_bedrag IS 'GECREDITEERD: som van de niet-afgewezen creditregels (positief), in eurocent.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.toegekend_netto_bedrag IS 'TOEGEKEND NETTO: debet min credit van de toegekende regels, in eurocent (de realisatie).';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.afgewezen_pct IS 'Afgewezen bedrag als percentage van het ingediende bedrag (1 decimaal).';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.ingediend_volume IS 'Som van GeleverdVolume van de debetregels, in de eenheid van kolom eenheid.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.toegekend_netto_volume IS 'GeleverdVolume debet min credit van de toegekende regels, in de eenheid van kolom eenheid.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.afgewezen_volume IS 'GeleverdVolume van de afgewezen debetregels, in de eenheid van kolom eenheid.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.aantal_jeugdigen IS 'Caseload: aantal unieke jeugdigen met een toegekende debetregel.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.kosten_per_jeugdige_bedrag IS 'Toegekend netto gedeeld door het aantal jeugdigen (P x Q / Q), in eurocent; leeg zonder toegekende jeugdigen.';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.aandeel_regio_pct IS 'Aandeel van deze gemeente in het toegekend netto van de aanbieder voor dit product in deze maand over alle gemeenten van de regio, in procenten (1 decimaal).';
COMMENT ON COLUMN mart.contract_aanbieder_gemeente_maand.aandeel_plafond_pct IS 'Toegekend netto als percentage van het budgetplafond van de aanbieder voor het jaar (2 decimalen); leeg zonder plafond.';

-- Budget ceiling per provider per year against the realisation.
CREATE MATERIALIZED VIEW IF NOT EXISTS mart.contract_plafond_aanbieder_jaar AS
WITH realisatie AS (
    SELECT aanbieder, jaar, sum(netto_bedrag) AS netto_bedrag, sum(in_behandeling_bedrag) AS in_behandeling_bedrag
    FROM mart.contract_realisatie
    GROUP BY aanbieder, jaar
), cellen AS (
    SELECT aanbieder, jaar FROM realisatie
    UNION
    SELECT aanbieder, jaar FROM core.contract_plafond_actueel
)
SELECT c.aanbieder,
       a.aanbieder_naam,
       c.jaar::smallint                                         AS jaar,
       p.budgetplafond::bigint                                  AS budgetplafond,
       coalesce(r.netto_bedrag, 0)::bigint                      AS netto_bedrag,
       coalesce(r.in_behandeling_bedrag, 0)::bigint             AS in_behandeling_bedrag,
       (p.budgetplafond - coalesce(r.netto_bedrag, 0))::bigint  AS resterend_plafond,
       round(100.0 * coalesce(r.netto_bedrag, 0) / NULLIF(p.budgetplafond, 0), 1) AS benutting_pct
FROM cellen c
JOIN core.aanbieder a USING (aanbieder)
LEFT JOIN core.contract_plafond_actueel p USING (aanbieder, jaar)
LEFT JOIN realisatie r USING (aanbieder, jaar)
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS contract_plafond_aanbieder_jaar_uq
    ON mart.contract_plafond_aanbieder_jaar (aanbieder, jaar);

COMMENT ON MATERIALIZED VIEW mart.contract_plafond_aanbieder_jaar IS
    'Benutting van het budgetplafond per aanbieder per jaar: netto realisatie (debet min credit, zonder afgewezen regels) tegen het plafond uit het contractwerkboek.';
COMMENT ON COLUMN mart.contract_plafond_aanbieder_jaar.aanbieder IS 'AGB-code van de aanbieder (8 cijfers).';
COMMENT ON COLUMN mart.contract_plafond_aanbieder_jaar.aanbieder_naam IS 'Naam van de aanbieder uit het contractwerkboek.';
COMMENT ON COLUMN mart.contract_plafond_aanbieder_jaar.jaar IS 'Jaar van levering.';
COMMENT ON COLUMN mart.contract_plafond_aanbieder_jaar.budgetplafond IS 'Budgetplafond in eurocent uit het contractwerkboek; leeg als er geen plafond is afgesproken.';
COMMENT ON COLUMN mart.contract_plafond_aanbieder_jaar.netto_bedrag IS 'NETTO NIET AFGEWEZEN in eurocent: toegekend plus in behandeling, debet min credit (mart.contract_realisatie.netto_bedrag opgeteld over het jaar).';
COMMENT ON COLUMN mart.contract_plafond_aanbieder_jaar.in_behandeling_bedrag IS 'IN BEHANDELING: deel van netto_bedrag waarop nog geen JW325 is ontvangen, in eurocent.';
COMMENT ON COLUMN mart.contract_plafond_aanbieder_jaar.resterend_plafond IS 'Budgetplafond min netto_bedrag, in eurocent (negatief = plafond overschreden).';
COMMENT ON COLUMN mart.contract_plafond_aanbieder_jaar.benutting_pct IS 'netto_bedrag als percentage van het budgetplafond (1 decimaal).';

-- Declaration behaviour per provider x month of declaration.
CREATE MATERIALIZED VIEW IF NOT EXISTS mart.declaratiegedrag_aanbieder_maand AS
WITH regel AS (
    SELECT f.*, (f.declaratie_maand > f.maand + interval '1 month') AS laat
    FROM core.declaratie_regel_feit f
), top AS (
    SELECT DISTINCT ON (aanbieder, declaratie_maand) aanbieder, declaratie_maand, code AS meest_voorkomende_retourcode
    FROM regel CROSS JOIN LATERAL unnest(retour_codes) AS code
    WHERE status = 'rejected'
    GROUP BY aanbieder, declaratie_maand, code
    ORDER BY aanbieder, declaratie_maand, count(*) DESC, code
)
SELECT
    r.aanbieder,
    a.aanbieder_naam,
    r.declaratie_maand                                                                AS maand,
    count(*)::integer                                                                 AS aantal_regels,
    count(*) FILTER (WHERE r.debet_credit = 'D')::integer                             AS aantal_debet_regels,
    count(*) FILTER (WHERE r.debet_credit = 'C')::integer                             AS aantal_credit_regels,
    round(100.0 * count(*) FILTER (WHERE r.debet_credit = 'C')
          / NULLIF(count(*) FILTER (WHERE r.debet_credit = 'D'), 0), 2)               AS credit_aandeel_pct,
    coalesce(sum(r.ingediend_bedrag) FILTER (WHERE r.debet_credit = 'C'), 0)::bigint  AS gecrediteerd_bedrag,
    count(*) FILTER (WHERE r.status = 'rejected')::integer                            AS aantal_afgewezen,
    round(100.0 * count(*) FILTER (WHERE r.status = 'rejected')
          / NULLIF(count(*) FILTER (WHERE r.status <> 'pending'), 0), 2)              AS afgewezen_aandeel_pct,
    coalesce(sum(r.ingediend_bedrag) FILTER (WHERE r.status = 'rejected'), 0)::bigint AS afgewezen_bedrag,
    top.meest_voorkomende_retourcode,
    count(*) FILTER (WHERE r.status = 'pending')::integer                             AS aantal_in_behandeling,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY r.vertraging_dagen)::integer          AS vertraging_mediaan_dagen,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY r.vertraging_dagen)::integer          AS vertraging_p90_dagen,
    max(r.vertraging_dagen)::integer                                                  AS vertraging_max_dagen,
    count(*) FILTER (WHERE r.laat)::integer                                           AS aantal_laat,
    round(100.0 * count(*) FILTER (WHERE r.laat) / count(*), 2)                       AS laat_aandeel_pct,
    dq.dq_score
FROM regel r
JOIN core.aanbieder a USING (aanbieder)
LEFT JOIN top USING (aanbieder, declaratie_maand)
LEFT JOIN mart.dq_scorecard_aanbieder_maand dq
    ON dq.aanbieder = r.aanbieder AND dq.maand = r.declaratie_maand AND dq.dataset = 'jw323_prestatie'
GROUP BY r.aanbieder, a.aanbieder_naam, r.declaratie_maand, top.meest_voorkomende_retourcode, dq.dq_score
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS declaratiegedrag_aanbieder_maand_uq
    ON mart.declaratiegedrag_aanbieder_maand (aanbieder, maand);

COMMENT ON MATERIALIZED VIEW mart.declaratiegedrag_aanbieder_maand IS
    'Declaratiegedrag per aanbieder en maand van indiening (DeclaratieDagtekening): afwijzingen, creditering, vertraging tussen levering en declaratie en de datakwaliteitsscore.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.aanbieder IS 'AGB-code van de aanbieder (8 cijfers).';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.aanbieder_naam IS 'Naam van de aanbieder uit het contractwerkboek.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.maand IS 'Eerste dag van de maand van de DeclaratieDagtekening (JW323).';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.aantal_regels IS 'Aantal ingediende regels (Prestaties), debet en credit.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.aantal_debet_regels IS 'Aantal debetregels.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.aantal_credit_regels IS 'Aantal creditregels (correcties op eerder gedeclareerde regels).';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.credit_aandeel_pct IS 'Creditregels als percentage van de debetregels in dezelfde maand.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.gecrediteerd_bedrag IS 'Som van de creditregels (positief), in eurocent.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.aantal_afgewezen IS 'Aantal regels die de gemeente heeft afgewezen (JW325).';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.afgewezen_aandeel_pct IS 'Afgewezen regels als percentage van de beoordeelde regels (met JW325).';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.afgewezen_bedrag IS 'IngediendBedrag van de afgewezen regels, in eurocent.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.meest_voorkomende_retourcode IS 'De retourcode (WJ001, zie core.retourcode) die het vaakst een afwijzing gaf; leeg zonder afwijzingen. Alle codes: mart.afwijzing_retourcode_aanbieder_maand.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.aantal_in_behandeling IS 'Aantal regels waarop nog geen JW325 is ontvangen.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.vertraging_mediaan_dagen IS 'Mediaan van het aantal dagen tussen einde ProductPeriode en DeclaratieDagtekening.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.vertraging_p90_dagen IS '90e percentiel van de declaratievertraging in dagen.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.vertraging_max_dagen IS 'Langste declaratievertraging in dagen.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.aantal_laat IS 'Aantal late declaraties: ingediend na de maand die volgt op de maand van levering.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.laat_aandeel_pct IS 'Late declaraties als percentage van alle regels.';
COMMENT ON COLUMN mart.declaratiegedrag_aanbieder_maand.dq_score IS 'Datakwaliteitsscore van de JW323-regels van deze aanbieder in deze maand (mart.dq_scorecard_aanbieder_maand; 100 = geen regel in quarantaine).';

-- Rejections per provider x month of declaration x retour code.
CREATE MATERIALIZED VIEW IF NOT EXISTS mart.afwijzing_retourcode_aanbieder_maand AS
WITH beoordeeld AS (
    SELECT aanbieder, declaratie_maand, count(*) AS aantal_beoordeeld
    FROM core.declaratie_regel_feit
    WHERE status <> 'pending'
    GROUP BY aanbieder, declaratie_maand
)
SELECT f.aanbieder,
       f.declaratie_maand                                               AS maand,
       code                                                             AS retour_code,
       rc.omschrijving                                                  AS retour_code_omschrijving,
       count(*)::integer                                                AS aantal_regels,
       sum(f.ingediend_bedrag)::bigint                                  AS afgewezen_bedrag,
       round(100.0 * count(*) / max(b.aantal_beoordeeld), 2)            AS aandeel_pct
FROM core.declaratie_regel_feit f
CROSS JOIN LATERAL unnest(f.retour_codes) AS code
JOIN beoordeeld b USING (aanbieder, declaratie_maand)
LEFT JOIN core.retourcode rc ON rc.retour_code = code
WHERE f.status = 'rejected'
GROUP BY f.aanbieder, f.declaratie_maand, code, rc.omschrijving
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS afwijzing_retourcode_aanbieder_maand_uq
    ON mart.afwijzing_retourcode_aanbieder_maand (aanbieder, maand, retour_code);

COMMENT ON MATERIALIZED VIEW mart.afwijzing_retourcode_aanbieder_maand IS
    'Afgewezen declaratieregels per aanbieder, maand van indiening en retourcode (JW325). Een regel met twee retourcodes telt bij beide.';
COMMENT ON COLUMN mart.afwijzing_retourcode_aanbieder_maand.aanbieder IS 'AGB-code van de aanbieder (8 cijfers).';
COMMENT ON COLUMN mart.afwijzing_retourcode_aanbieder_maand.maand IS 'Eerste dag van de maand van de DeclaratieDagtekening (JW323).';
COMMENT ON COLUMN mart.afwijzing_retourcode_aanbieder_maand.retour_code IS 'Retourcode (iJw codelijst WJ001) op de regel, het DeclaratieAntwoord of de Header van de JW325.';
COMMENT ON COLUMN mart.afwijzing_retourcode_aanbieder_maand.retour_code_omschrijving IS 'Omschrijving van de retourcode volgens WJ001.';
COMMENT ON COLUMN mart.afwijzing_retourcode_aanbieder_maand.aantal_regels IS 'Aantal afgewezen regels met deze retourcode.';
COMMENT ON COLUMN mart.afwijzing_retourcode_aanbieder_maand.afgewezen_bedrag IS 'IngediendBedrag van die regels, in eurocent.';
COMMENT ON COLUMN mart.afwijzing_retourcode_aanbieder_maand.aandeel_pct IS 'Aantal regels als percentage van alle beoordeelde regels van de aanbieder in die maand.';
