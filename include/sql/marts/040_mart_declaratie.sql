-- Mart: declared amount per gemeente x month of delivery x productcategorie.
-- A materialized view: refreshed by the marts_refresh DAG, read by finance staff and Excel.
CREATE SCHEMA IF NOT EXISTS mart;

CREATE MATERIALIZED VIEW IF NOT EXISTS mart.declaratie_gemeente_maand AS
SELECT
    r.gemeente,
    g.gemeente_naam,
    date_trunc('month', r.product_periode_begindatum)::date AS maand,
    r.product_categorie,
    sum(r.ingediend_bedrag_saldo)::bigint                   AS ingediend_bedrag,
    count(*) FILTER (WHERE r.debet_credit = 'D')::integer   AS aantal_debet_regels,
    count(*) FILTER (WHERE r.debet_credit = 'C')::integer   AS aantal_credit_regels,
    count(DISTINCT r.client_pseudoniem)::integer            AS aantal_clienten
FROM core.declaratie_regel r
JOIN core.gemeente g USING (gemeente)
GROUP BY r.gemeente, g.gemeente_naam, date_trunc('month', r.product_periode_begindatum), r.product_categorie
WITH NO DATA;

CREATE UNIQUE INDEX IF NOT EXISTS declaratie_gemeente_maand_uq
    ON mart.declaratie_gemeente_maand (gemeente, maand, product_categorie);

COMMENT ON MATERIALIZED VIEW mart.declaratie_gemeente_maand IS
    'Gedeclareerd bedrag (iJw JW323) per gemeente, maand van levering (ProductPeriode) en productcategorie; creditregels zijn verrekend. Alleen gevalideerde regels.';
COMMENT ON COLUMN mart.declaratie_gemeente_maand.gemeente IS
    'CBS-gemeentecode (4 cijfers, zonder GM) van de verantwoordelijke gemeente: JW323 Header/Ontvanger.';
COMMENT ON COLUMN mart.declaratie_gemeente_maand.gemeente_naam IS
    'Naam van de gemeente.';
COMMENT ON COLUMN mart.declaratie_gemeente_maand.maand IS
    'Eerste dag van de maand waarin de zorg is geleverd: JW323 Prestatie/ProductPeriode/Begindatum, afgekapt op maand.';
COMMENT ON COLUMN mart.declaratie_gemeente_maand.product_categorie IS
    'Productcategorie (iJw codelijst JZ020): JW323 Prestatie/ProductCategorie.';
COMMENT ON COLUMN mart.declaratie_gemeente_maand.ingediend_bedrag IS
    'Saldo ingediend bedrag in eurocent: som van Prestatie/IngediendBedrag/Bedrag, debet positief en credit negatief.';
COMMENT ON COLUMN mart.declaratie_gemeente_maand.aantal_debet_regels IS
    'Aantal declaratieregels (Prestaties) met DebetCredit = D.';
COMMENT ON COLUMN mart.declaratie_gemeente_maand.aantal_credit_regels IS
    'Aantal creditregels (Prestaties met DebetCredit = C) die een eerdere debetregel terugdraaien.';
COMMENT ON COLUMN mart.declaratie_gemeente_maand.aantal_clienten IS
    'Aantal unieke jeugdigen (pseudoniem) met minstens één declaratieregel in deze cel.';
