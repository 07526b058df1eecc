-- Contract master data (contractmanagement): contracted providers, tariff per product per year,
-- budget ceiling per provider per year and the municipal budget (begroting) per productcategorie
-- per year. Delivered as an Excel workbook (template include/contract/contract_template.xlsx),
-- validated and loaded by jeugdhulp.contract (DAG contract_master_data).
--
-- Every workbook is a complete snapshot of the master data and becomes a new version
-- (core.contract_versie); the versioned tables keep every version, the *_actueel views show the
-- latest one. A workbook whose SHA-256 is already known is not loaded again. Money is integer
-- euro cents.
CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE IF NOT EXISTS core.contract_versie (
    versie_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_sha256   char(64) NOT NULL UNIQUE,
    bestandsnaam  text NOT NULL,
    geladen_op    timestamptz NOT NULL DEFAULT now(),
    geladen_door  text NOT NULL DEFAULT current_user
);

CREATE TABLE IF NOT EXISTS core.contract_aanbieder (
    versie_id             bigint NOT NULL REFERENCES core.contract_versie ON DELETE CASCADE,
    aanbieder             text NOT NULL CHECK (aanbieder ~ '^[0-9]{8}$'),   -- AGB-code
    aanbieder_naam        text NOT NULL,
    gecontracteerd_vanaf  date NOT NULL,
    gecontracteerd_tot    date,
    PRIMARY KEY (versie_id, aanbieder),
    CHECK (gecontracteerd_tot IS NULL OR gecontracteerd_tot >= gecontracteerd_vanaf)
);

CREATE TABLE IF NOT EXISTS core.contract_tarief (
    versie_id          bigint NOT NULL REFERENCES core.contract_versie ON DELETE CASCADE,
    jaar               smallint NOT NULL,
    product_categorie  text NOT NULL,
    product_code       text NOT NULL,
    eenheid            text NOT NULL,
    tarief             bigint CHECK (tarief >= 0),   -- cents per eenheid; NULL for eenheid 83 (euro) / taakgericht
    uitvoeringsvariant text NOT NULL DEFAULT 'inspanningsgericht'
                       CHECK (uitvoeringsvariant IN ('inspanningsgericht', 'outputgericht', 'taakgericht')),
    PRIMARY KEY (versie_id, jaar, product_categorie, product_code)
);

-- added after the first release: warehouses created before it get the column here
ALTER TABLE core.contract_tarief ADD COLUMN IF NOT EXISTS uitvoeringsvariant text NOT NULL DEFAULT 'inspanningsgericht'
    CHECK (uitvoeringsvariant IN ('inspanningsgericht', 'outputgericht', 'taakgericht'));

-- Tariff indexation per year in promille (32 = 3,2 %): a year without tariffs of its own gets the
-- latest known tariff indexed by each later year's promille (see core.contract_tarief_jaar).
CREATE TABLE IF NOT EXISTS core.contract_indexatie (
    versie_id           bigint NOT NULL REFERENCES core.contract_versie ON DELETE CASCADE,
    jaar                smallint NOT NULL,
    indexatie_promille  integer NOT NULL CHECK (indexatie_promille BETWEEN -500 AND 500),
    PRIMARY KEY (versie_id, jaar)
);

-- Taakgericht care: no toewijzing, no declaration; the gemeente pays the provider a lump sum per month.
CREATE TABLE IF NOT EXISTS core.contract_taakgericht (
    versie_id          bigint NOT NULL REFERENCES core.contract_versie ON DELETE CASCADE,
    jaar               smallint NOT NULL,
    maand              smallint NOT NULL CHECK (maand BETWEEN 1 AND 12),
    gemeente           text NOT NULL REFERENCES core.gemeente,
    aanbieder          text NOT NULL CHECK (aanbieder ~ '^[0-9]{8}$'),
    product_categorie  text NOT NULL,
    bedrag             bigint NOT NULL CHECK (bedrag >= 0),   -- cents
    PRIMARY KEY (versie_id, jaar, maand, gemeente, aanbieder, product_categorie)
);

CREATE TABLE IF NOT EXISTS core.contract_plafond (
    versie_id      bigint NOT NULL REFERENCES core.contract_versie ON DELETE CASCADE,
    jaar           smallint NOT NULL,
    aanbieder      text NOT NULL CHECK (aanbieder ~ '^[0-9]{8}$'),
    budgetplafond  bigint NOT NULL CHECK (budgetplafond >= 0),   -- cents
    PRIMARY KEY (versie_id, jaar, aanbieder)
);

CREATE TABLE IF NOT EXISTS core.begroting (
    versie_id          bigint NOT NULL REFERENCES core.contract_versie ON DELETE CASCADE,
    jaar               smallint NOT NULL,
    gemeente           text NOT NULL REFERENCES core.gemeente,
    product_categorie  text NOT NULL,
    begroting          bigint NOT NULL CHECK (begroting >= 0),   -- cents
    PRIMARY KEY (versie_id, jaar, gemeente, product_categorie)
);

-- Converting a volume in the toewijzing's Eenheid (WJ756) into the tariff's eenheid: one 'van' is
-- teller/noemer 'naar'. Only units of the same kind convert: the time units minuut (01), uur (04)
-- and dagdeel (16, defined as 4 uur in WJ756) into each other; etmaal (14), stuks output (82) and
-- stuks inspanning (84) only into themselves. Euro's (83) never needs a tariff (the volume is the
-- amount in cents). A pair that is not here cannot be valued: commitments flag it (never 0).
CREATE TABLE IF NOT EXISTS core.eenheid_omrekening (
    van     text NOT NULL,
    naar    text NOT NULL,
    teller  integer NOT NULL CHECK (teller > 0),
    noemer  integer NOT NULL CHECK (noemer > 0),
    PRIMARY KEY (van, naar)
);
INSERT INTO core.eenheid_omrekening (van, naar, teller, noemer) VALUES
    ('01', '01', 1, 1), ('04', '04', 1, 1), ('14', '14', 1, 1), ('16', '16', 1, 1), ('82', '82', 1, 1),
    ('84', '84', 1, 1),
    ('01', '04', 1, 60), ('04', '01', 60, 1),      -- minute rule IV081: uurtarief x minuten / 60
    ('01', '16', 1, 240), ('16', '01', 240, 1),
    ('04', '16', 1, 4), ('16', '04', 4, 1)
ON CONFLICT (van, naar) DO UPDATE SET teller = EXCLUDED.teller, noemer = EXCLUDED.noemer;
COMMENT ON TABLE core.eenheid_omrekening IS
    'Omrekening van de Eenheid van een toewijzing naar de eenheid van het tarief: 1 van = teller/noemer naar. Ontbrekende paren zijn niet omrekenbaar.';

-- The latest version: the last workbook loaded (each workbook is a complete snapshot).
CREATE OR REPLACE VIEW core.contract_versie_actueel AS
SELECT * FROM core.contract_versie ORDER BY versie_id DESC LIMIT 1;

CREATE OR REPLACE VIEW core.contract_aanbieder_actueel AS
SELECT t.* FROM core.contract_aanbieder t JOIN core.contract_versie_actueel v USING (versie_id);

CREATE OR REPLACE VIEW core.contract_tarief_actueel AS
SELECT t.* FROM core.contract_tarief t JOIN core.contract_versie_actueel v USING (versie_id);

CREATE OR REPLACE VIEW core.contract_plafond_actueel AS
SELECT t.* FROM core.contract_plafond t JOIN core.contract_versie_actueel v USING (versie_id);

CREATE OR REPLACE VIEW core.begroting_actueel AS
SELECT t.* FROM core.begroting t JOIN core.contract_versie_actueel v USING (versie_id);

CREATE OR REPLACE VIEW core.contract_indexatie_actueel AS
SELECT t.* FROM core.contract_indexatie t JOIN core.contract_versie_actueel v USING (versie_id);

CREATE OR REPLACE VIEW core.contract_taakgericht_actueel AS
SELECT t.versie_id, t.jaar, t.maand, make_date(t.jaar, t.maand, 1) AS periode_maand, t.gemeente, t.aanbieder,
       t.product_categorie, t.bedrag
FROM core.contract_taakgericht t JOIN core.contract_versie_actueel v USING (versie_id);

-- The tariff that applies per product and year, for every year from the product's first tariff
-- to the end of the month dimension: the workbook's own tariff of that year (tarief_bron
-- 'contract'), else the latest earlier tariff indexed once per missing year by that year's
-- indexatie_promille (no row = 0), rounded to whole cents per year ('geindexeerd'); eenheid and
-- uitvoeringsvariant come from the tariff it is derived from. A year before the first tariff has
-- no row. The one place the rule lives: commitments, realisation and DQ select from here.
CREATE OR REPLACE VIEW core.contract_tarief_jaar AS
WITH RECURSIVE laatste AS (
    SELECT 2040 AS jaar   -- the last year of the month dimension core.periode (037, created after this file)
), r AS (
    (SELECT DISTINCT ON (t.product_categorie, t.product_code)
            t.product_categorie, t.product_code, t.jaar, t.eenheid, t.tarief, t.uitvoeringsvariant,
            'contract'::text AS tarief_bron, t.jaar AS tarief_jaar
     FROM core.contract_tarief_actueel t
     ORDER BY t.product_categorie, t.product_code, t.jaar)
    UNION ALL
    SELECT r.product_categorie, r.product_code, (r.jaar + 1)::smallint,
           coalesce(c.eenheid, r.eenheid),
           CASE WHEN c.jaar IS NOT NULL THEN c.tarief
                ELSE round(r.tarief * (1000 + coalesce(i.indexatie_promille, 0)) / 1000.0)::bigint END,
           coalesce(c.uitvoeringsvariant, r.uitvoeringsvariant),
           CASE WHEN c.jaar IS NOT NULL THEN 'contract' ELSE 'geindexeerd' END,
           CASE WHEN c.jaar IS NOT NULL THEN c.jaar ELSE r.tarief_jaar END
    FROM r
    CROSS JOIN laatste l
    LEFT JOIN core.contract_tarief_actueel c
        ON c.product_categorie = r.product_categorie AND c.product_code = r.product_code AND c.jaar = r.jaar + 1
    LEFT JOIN core.contract_indexatie_actueel i ON i.jaar = r.jaar + 1
    WHERE r.jaar < l.jaar
)
SELECT product_categorie, product_code, jaar, eenheid, tarief, uitvoeringsvariant, tarief_bron, tarief_jaar FROM r;

COMMENT ON TABLE core.contract_versie IS
    'Eén rij per geladen contractwerkboek (stamgegevens contractmanagement); de hoogste versie_id is actueel.';
COMMENT ON TABLE core.contract_aanbieder IS 'Gecontracteerde aanbieders per versie van het contractwerkboek.';
COMMENT ON TABLE core.contract_tarief IS 'Contracttarief in eurocent per eenheid, per jaar en product, per versie.';
COMMENT ON TABLE core.contract_plafond IS 'Budgetplafond in eurocent per aanbieder per jaar, per versie.';
COMMENT ON TABLE core.contract_indexatie IS 'Indexatie van de tarieven in promille per jaar, per versie: geldt voor jaren zonder eigen tarief.';
COMMENT ON TABLE core.contract_taakgericht IS 'Vast maandbedrag in eurocent per gemeente, aanbieder en productcategorie voor taakgerichte zorg, per versie.';
COMMENT ON VIEW core.contract_tarief_jaar IS
    'Geldend tarief per product en jaar: het contracttarief van dat jaar (tarief_bron contract) of het laatst bekende tarief, per ontbrekend jaar geïndexeerd en op hele centen afgerond (geindexeerd).';
COMMENT ON TABLE core.begroting IS 'Gemeentelijke begroting in eurocent per jaar, gemeente en productcategorie, per versie.';
