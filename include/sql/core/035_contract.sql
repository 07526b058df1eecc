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
    tarief             bigint CHECK (tarief >= 0),   -- cents per eenheid; NULL for eenheid 83 (euro)
    PRIMARY KEY (versie_id, jaar, product_categorie, product_code)
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

COMMENT ON TABLE core.contract_versie IS
    'Eén rij per geladen contractwerkboek (stamgegevens contractmanagement); de hoogste versie_id is actueel.';
COMMENT ON TABLE core.contract_aanbieder IS 'Gecontracteerde aanbieders per versie van het contractwerkboek.';
COMMENT ON TABLE core.contract_tarief IS 'Contracttarief in eurocent per eenheid, per jaar en product, per versie.';
COMMENT ON TABLE core.contract_plafond IS 'Budgetplafond in eurocent per aanbieder per jaar, per versie.';
COMMENT ON TABLE core.begroting IS 'Gemeentelijke begroting in eurocent per jaar, gemeente en productcategorie, per versie.';
