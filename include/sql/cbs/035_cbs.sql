-- CBS StatLine open data (DAG cbs_statline, plugins/jeugdhulp/cbs/): youth-care use, indicators,
-- municipal youth-care costs and population, for the 11 gemeenten, the jeugdregio, Overijssel and
-- Nederland. Codes are CBS keys with the v3 space padding stripped ('NL01', 'GM0193',
-- '2023JJ00'); titles live in cbs.code. Suppressed cells are NULL with geheim = true. Money is
-- integer euro cents (CBS publishes thousands of euros: x 100 000).
CREATE SCHEMA IF NOT EXISTS cbs;

-- ------------------------------------------------------------------ conformed dimensions

-- Regions as CBS codes them; gemeente links a GM region to core.gemeente ('GM0193' -> '0193').
CREATE TABLE IF NOT EXISTS cbs.regio (
    regio        text PRIMARY KEY CHECK (regio ~ '^[A-Z]{2}[0-9A-Z]{2,8}$'),
    regio_naam   text NOT NULL,
    regio_soort  text NOT NULL CHECK (regio_soort IN
                     ('gemeente', 'jeugdregio', 'provincie', 'landsdeel', 'corop', 'land', 'overig')),
    gemeente     text REFERENCES core.gemeente,
    CHECK (gemeente IS NULL OR regio = 'GM' || gemeente)
);

-- StatLine periods: 2023JJ00 (year), 2023HJ01 (half-year), 2023KW02 (quarter), 2023MM01 (month).
CREATE TABLE IF NOT EXISTS cbs.periode (
    periode        text PRIMARY KEY CHECK (periode ~ '^[0-9]{4}(JJ|HJ|KW|MM)[0-9]{2}$'),
    periode_soort  text NOT NULL CHECK (periode_soort IN ('jaar', 'halfjaar', 'kwartaal', 'maand')),
    jaar           smallint NOT NULL,
    volgnummer     smallint NOT NULL,
    begindatum     date NOT NULL,
    einddatum      date NOT NULL,
    periode_naam   text NOT NULL,
    CHECK (begindatum <= einddatum)
);

-- ------------------------------------------------------------------ load manifest and metadata

-- One row per attempt to load a table. A table whose Modified date and configuration are those
-- of its latest 'loaded' row is skipped, so a rerun changes nothing.
CREATE TABLE IF NOT EXISTS cbs.tabel_load (
    load_id        bigserial PRIMARY KEY,
    tabel_id       text NOT NULL,
    api            text NOT NULL CHECK (api IN ('v3', 'v4')),
    bron_url       text NOT NULL,
    modified       text NOT NULL,
    config_sha256  char(64) NOT NULL,
    status         text NOT NULL DEFAULT 'staging'
                   CHECK (status IN ('staging', 'loaded', 'rejected', 'failed')),
    rijen          integer,
    selectie       jsonb,
    dq_resultaat   jsonb,
    reden          text,
    run_id         text,
    gestart_op     timestamptz NOT NULL DEFAULT now(),
    klaar_op       timestamptz,
    gemeld_op      timestamptz,
    CHECK ((status IN ('rejected', 'failed')) = (reden IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS tabel_load_laatste ON cbs.tabel_load (tabel_id, load_id DESC) WHERE status = 'loaded';

-- The table as CBS describes it at the last successful load (TableInfos v3 / Properties v4).
CREATE TABLE IF NOT EXISTS cbs.tabel (
    tabel_id       text PRIMARY KEY,
    api            text NOT NULL CHECK (api IN ('v3', 'v4')),
    titel          text NOT NULL,
    modified       text NOT NULL,
    eigenschappen  jsonb NOT NULL,
    load_id        bigint NOT NULL REFERENCES cbs.tabel_load
);

-- DataProperties (v3) or Dimensions + MeasureCodes (v4). kolom: the warehouse column a stored
-- dimension lands in (vorm, leeftijd, regio, periode); maat: our name of a loaded measure.
CREATE TABLE IF NOT EXISTS cbs.tabel_eigenschap (
    tabel_id   text NOT NULL REFERENCES cbs.tabel ON DELETE CASCADE,
    positie    integer NOT NULL,
    sleutel    text,
    soort      text NOT NULL,
    titel      text,
    eenheid    text,
    decimalen  integer,
    kolom      text,
    maat       text,
    ruw        jsonb NOT NULL,
    PRIMARY KEY (tabel_id, positie)
);

-- Dimension code lists: code stripped, code_ruw as CBS sends it (padded in v3).
CREATE TABLE IF NOT EXISTS cbs.code (
    tabel_id      text NOT NULL REFERENCES cbs.tabel ON DELETE CASCADE,
    dimensie      text NOT NULL,
    code          text NOT NULL,
    code_ruw      text NOT NULL,
    titel         text NOT NULL,
    omschrijving  text,
    groep         text,
    status        text,
    positie       integer NOT NULL,
    PRIMARY KEY (tabel_id, dimensie, code)
);

-- ------------------------------------------------------------------ facts (one row per StatLine cell)

CREATE TABLE IF NOT EXISTS cbs.jeugdzorg_gebruik (
    tabel_id          text NOT NULL REFERENCES cbs.tabel,
    maat              text NOT NULL,
    regio             text NOT NULL REFERENCES cbs.regio,
    periode           text NOT NULL REFERENCES cbs.periode,
    vorm              text NOT NULL,
    aantal            integer CHECK (aantal >= 0),
    geheim            boolean NOT NULL,
    waarde_attribuut  text,
    load_id           bigint NOT NULL REFERENCES cbs.tabel_load,
    CHECK (geheim = (aantal IS NULL)),
    PRIMARY KEY (tabel_id, maat, regio, periode, vorm)
);

CREATE TABLE IF NOT EXISTS cbs.jeugdzorg_indicator (
    tabel_id          text NOT NULL REFERENCES cbs.tabel,
    maat              text NOT NULL,
    regio             text NOT NULL REFERENCES cbs.regio,
    periode           text NOT NULL REFERENCES cbs.periode,
    waarde            numeric,
    geheim            boolean NOT NULL,
    waarde_attribuut  text,
    load_id           bigint NOT NULL REFERENCES cbs.tabel_load,
    CHECK (geheim = (waarde IS NULL)),
    PRIMARY KEY (tabel_id, maat, regio, periode)
);

CREATE TABLE IF NOT EXISTS cbs.jeugdzorg_kosten (
    tabel_id          text NOT NULL REFERENCES cbs.tabel,
    maat              text NOT NULL,
    regio             text NOT NULL REFERENCES cbs.regio,
    periode           text NOT NULL REFERENCES cbs.periode,
    vorm              text NOT NULL,
    bedrag_cent       bigint,
    geheim            boolean NOT NULL,
    waarde_attribuut  text,
    load_id           bigint NOT NULL REFERENCES cbs.tabel_load,
    CHECK (geheim = (bedrag_cent IS NULL)),
    PRIMARY KEY (tabel_id, maat, regio, periode, vorm)
);

CREATE TABLE IF NOT EXISTS cbs.bevolking (
    tabel_id          text NOT NULL REFERENCES cbs.tabel,
    maat              text NOT NULL,
    regio             text NOT NULL REFERENCES cbs.regio,
    periode           text NOT NULL REFERENCES cbs.periode,
    leeftijd          text NOT NULL,
    aantal            integer CHECK (aantal >= 0),
    geheim            boolean NOT NULL,
    waarde_attribuut  text,
    load_id           bigint NOT NULL REFERENCES cbs.tabel_load,
    CHECK (geheim = (aantal IS NULL)),
    PRIMARY KEY (tabel_id, maat, regio, periode, leeftijd)
);

-- ------------------------------------------------------------------ staging (write-audit-publish)
-- Same columns as the facts plus row_id and batch_id (= load_id) and without constraints: the GX suites
-- include/expectations/cbs_<table>.json audit a load here before it replaces the published rows.

CREATE UNLOGGED TABLE IF NOT EXISTS cbs.stg_jeugdzorg_gebruik (
    row_id bigint GENERATED ALWAYS AS IDENTITY, batch_id bigint NOT NULL, tabel_id text, maat text, regio text, periode text, vorm text,
    aantal bigint, geheim boolean, waarde_attribuut text
);
CREATE UNLOGGED TABLE IF NOT EXISTS cbs.stg_jeugdzorg_indicator (
    row_id bigint GENERATED ALWAYS AS IDENTITY, batch_id bigint NOT NULL, tabel_id text, maat text, regio text, periode text,
    waarde numeric, geheim boolean, waarde_attribuut text
);
CREATE UNLOGGED TABLE IF NOT EXISTS cbs.stg_jeugdzorg_kosten (
    row_id bigint GENERATED ALWAYS AS IDENTITY, batch_id bigint NOT NULL, tabel_id text, maat text, regio text, periode text, vorm text,
    bedrag_cent bigint, geheim boolean, waarde_attribuut text
);
CREATE UNLOGGED TABLE IF NOT EXISTS cbs.stg_bevolking (
    row_id bigint GENERATED ALWAYS AS IDENTITY, batch_id bigint NOT NULL, tabel_id text, maat text, regio text, periode text, leeftijd text,
    aantal bigint, geheim boolean, waarde_attribuut text
);
CREATE INDEX IF NOT EXISTS stg_jeugdzorg_gebruik_batch ON cbs.stg_jeugdzorg_gebruik (batch_id);
CREATE INDEX IF NOT EXISTS stg_jeugdzorg_indicator_batch ON cbs.stg_jeugdzorg_indicator (batch_id);
CREATE INDEX IF NOT EXISTS stg_jeugdzorg_kosten_batch ON cbs.stg_jeugdzorg_kosten (batch_id);
CREATE INDEX IF NOT EXISTS stg_bevolking_batch ON cbs.stg_bevolking (batch_id);

COMMENT ON SCHEMA cbs IS 'CBS StatLine open data (jeugdzorg, kosten, bevolking), geladen door DAG cbs_statline.';
COMMENT ON TABLE cbs.regio IS 'Geconformeerde regiodimensie: CBS-regiocode (GM/JZ/PV/NL…), naam, soort; gemeente koppelt aan core.gemeente.';
COMMENT ON TABLE cbs.periode IS 'Geconformeerde periodedimensie: StatLine-periodecode (2023JJ00, 2023HJ01, …) met jaar, soort en begin-/einddatum.';
COMMENT ON TABLE cbs.tabel_load IS 'Manifest van tabelladingen: een tabel met ongewijzigde Modified-datum en configuratie wordt overgeslagen.';
COMMENT ON TABLE cbs.jeugdzorg_gebruik IS 'Jongeren met jeugdzorg (84135NED 2015-2020, 85100NED 2021-) per regio, periode en vorm; aantallen afgerond op 5, geheim = onderdrukte cel.';
COMMENT ON TABLE cbs.jeugdzorg_indicator IS 'Indicatoren jeugdzorg in natura (85098NED), percentages.';
COMMENT ON TABLE cbs.jeugdzorg_kosten IS 'Gemeentelijke kosten jeugdzorg (83454NED) in eurocent (CBS: x 1 000 euro).';
COMMENT ON TABLE cbs.bevolking IS 'Bevolking op 1 januari (03759ned) per regio, jaar en leeftijd (losse jaren 0-22).';
COMMENT ON COLUMN cbs.jeugdzorg_kosten.bedrag_cent IS 'Bedrag in eurocent: CBS-waarde in 1 000 euro x 100 000.';
