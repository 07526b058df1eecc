-- Core, dimensional: the conformed dimensions and facts every mart joins. Dimensions are small
-- tables or views over the message tables; facts are views that put the iJw semantics (current
-- version, start/stop pairing, JW325 status) in one place so no mart re-derives them.
--
--   dimensions: core.gemeente (030), core.aanbieder, core.product, core.productcategorie,
--               core.client (030: pseudonym, birth year, gender), core.periode (months)
--   facts:      core.toewijzing_versie, core.zorgperiode, core.verzoek, core.declaratie_regel_feit
--
-- CREATE OR REPLACE only (never DROP): marts depend on these views. Only add columns at the end.

-- JZ020 product categories (public iJw code list; a copy of jeugdhulp.reference.PRODUCT_CATEGORIEEN,
-- kept equal by a test).
CREATE TABLE IF NOT EXISTS core.productcategorie (
    product_categorie  text PRIMARY KEY CHECK (product_categorie ~ '^[0-9]{2}$'),
    omschrijving       text NOT NULL,
    -- the CBS-style grouping the P&C reports use
    hoofdgroep         text NOT NULL
);
INSERT INTO core.productcategorie (product_categorie, omschrijving, hoofdgroep) VALUES
    ('31', '(2015) Zonder verblijf: uitgevoerd door wijk- of buurtteam', 'jeugdhulp zonder verblijf'),
    ('32', '(2015) Zonder verblijf: ambulante jeugdhulp op locatie van de aanbieder', 'jeugdhulp zonder verblijf'),
    ('33', '(2015) Zonder verblijf: daghulp op locatie van de aanbieder', 'jeugdhulp zonder verblijf'),
    ('34', '(2015) Zonder verblijf: jeugdhulp in het netwerk van de jeugdige', 'jeugdhulp zonder verblijf'),
    ('35', '(2015) Met verblijf: pleegzorg', 'jeugdhulp met verblijf'),
    ('36', '(2015) Met verblijf: gezinsgericht', 'jeugdhulp met verblijf'),
    ('37', '(2015) Met verblijf: gesloten plaatsing', 'jeugdhulp met verblijf'),
    ('38', '(2015) Met verblijf: overig residentieel', 'jeugdhulp met verblijf'),
    ('40', 'Persoonlijke verzorging', 'jeugdhulp zonder verblijf'),
    ('41', 'Dagbehandeling', 'jeugdhulp zonder verblijf'),
    ('42', 'Vervoerdiensten', 'overig'),
    ('43', 'Jeugdhulp verblijf (incl. behandeling)', 'jeugdhulp met verblijf'),
    ('44', 'Jeugdhulp verblijf (excl. behandeling)', 'jeugdhulp met verblijf'),
    ('45', 'Jeugdhulp ambulant', 'jeugdhulp zonder verblijf'),
    ('46', 'Jeugdhulp crisis', 'jeugdhulp zonder verblijf'),
    ('47', 'Jeugdreclassering', 'jeugdreclassering'),
    ('48', 'Jeugdbescherming', 'jeugdbescherming'),
    ('49', 'Activiteiten in het preventief justitieel kader', 'jeugdbescherming'),
    ('50', 'Maatwerkarrangementen jeugd', 'jeugdhulp zonder verblijf'),
    ('51', 'Generalistische basis-ggz', 'jeugdhulp zonder verblijf'),
    ('52', 'Specialistische ggz', 'jeugdhulp zonder verblijf'),
    ('53', 'Kindergeneeskunde', 'jeugdhulp zonder verblijf'),
    ('54', 'Jeugd-ggz', 'jeugdhulp zonder verblijf'),
    ('55', 'Landelijk ingekochte zorg', 'overig')
ON CONFLICT (product_categorie) DO UPDATE
    SET omschrijving = EXCLUDED.omschrijving, hoofdgroep = EXCLUDED.hoofdgroep;

-- JZ588 reden beëindiging with the group the steering information uses ("effects" proxy).
CREATE TABLE IF NOT EXISTS core.reden_beeindiging (
    reden_beeindiging  text PRIMARY KEY,
    omschrijving       text NOT NULL,
    reden_groep        text NOT NULL CHECK (reden_groep IN ('volgens plan', 'voortijdig', 'tijdelijk', 'overig'))
);
INSERT INTO core.reden_beeindiging VALUES
    ('02', 'Overlijden', 'overig'),
    ('20', 'Levering is tijdelijk beëindigd', 'tijdelijk'),
    ('31', 'Levering is volgens plan beëindigd', 'volgens plan'),
    ('32', 'Voortijdig afgesloten, door cliënt', 'voortijdig'),
    ('33', 'Voortijdig afgesloten, door aanbieder', 'voortijdig'),
    ('34', 'Voortijdig afgesloten, in overleg', 'voortijdig'),
    ('35', 'Voortijdig afgesloten, externe oorzaak', 'voortijdig'),
    ('36', 'Geïnitieerd door de gemeente', 'overig'),
    ('37', 'In verband met wijzigingsverzoek', 'overig'),
    ('38', 'Overstap naar andere aanbieder', 'overig'),
    ('39', 'Uitstroom naar ander domein', 'overig')
ON CONFLICT (reden_beeindiging) DO UPDATE
    SET omschrijving = EXCLUDED.omschrijving, reden_groep = EXCLUDED.reden_groep;

-- Month dimension 2015-2040: the grain of every time series in the marts.
CREATE TABLE IF NOT EXISTS core.periode (
    maand          date PRIMARY KEY CHECK (extract(day FROM maand) = 1),
    jaar           smallint NOT NULL,
    kwartaal       smallint NOT NULL,
    maand_nummer   smallint NOT NULL,
    maand_naam     text NOT NULL,
    kwartaal_label text NOT NULL,
    maand_einde    date NOT NULL,
    dagen          smallint NOT NULL
);
INSERT INTO core.periode
SELECT m::date, extract(year FROM m), extract(quarter FROM m), extract(month FROM m),
       (ARRAY['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september',
              'oktober', 'november', 'december'])[extract(month FROM m)],
       extract(year FROM m) || '-K' || extract(quarter FROM m),
       (m + interval '1 month - 1 day')::date,
       extract(day FROM m + interval '1 month - 1 day')
FROM generate_series(date '2015-01-01', date '2040-12-01', interval '1 month') m
ON CONFLICT (maand) DO NOTHING;

-- Providers: every AGB code seen in any message or in the contract workbook.
CREATE OR REPLACE VIEW core.aanbieder AS
SELECT a.aanbieder,
       coalesce(c.aanbieder_naam, 'AGB ' || a.aanbieder) AS aanbieder_naam,
       c.aanbieder IS NOT NULL                           AS gecontracteerd,
       c.gecontracteerd_vanaf,
       c.gecontracteerd_tot
FROM (
    SELECT aanbieder FROM core.toewijzing
    UNION SELECT aanbieder FROM core.declaratie
    UNION SELECT aanbieder FROM core.verzoek_om_toewijzing
    UNION SELECT aanbieder FROM core.contract_aanbieder_actueel
) a
LEFT JOIN core.contract_aanbieder_actueel c USING (aanbieder);

-- Products: every (categorie, code) assigned, declared or contracted.
CREATE OR REPLACE VIEW core.product AS
SELECT p.product_categorie, p.product_code, pc.omschrijving AS product_categorie_omschrijving, pc.hoofdgroep
FROM (
    SELECT product_categorie, product_code FROM core.toewijzing WHERE product_categorie IS NOT NULL
    UNION SELECT product_categorie, product_code FROM core.declaratie_regel
    UNION SELECT product_categorie, product_code FROM core.contract_tarief
) p
LEFT JOIN core.productcategorie pc USING (product_categorie);

-- The date the data reaches: the latest DeclaratieDagtekening received (today when there is none).
CREATE OR REPLACE VIEW core.peildatum AS
SELECT coalesce(max(declaratie_dagtekening), current_date) AS peildatum FROM core.declaratie;

-- Fact: every version of every toewijzing, with the flags the marts filter on.
CREATE OR REPLACE VIEW core.toewijzing_versie AS
SELECT t.*,
       (t.toewijzingsdatum, t.toewijzingstijd) IS NOT DISTINCT FROM (a.toewijzingsdatum, a.toewijzingstijd) AS is_actueel,
       a.toewijzingsdatum IS NULL                                                       AS vervallen,
       first_value(t.toewijzingsdatum) OVER w                                           AS eerste_toewijzingsdatum
FROM core.toewijzing t
LEFT JOIN core.toewijzing_actueel a USING (gemeente, toewijzing_nummer)
WINDOW w AS (PARTITION BY t.gemeente, t.toewijzing_nummer ORDER BY t.toewijzingsdatum, t.toewijzingstijd);

-- Fact: a care trajectory (zorgtraject) per provider, client, toewijzing and product: from a current
-- start (JW305) to the first current definitive stop (JW307, RedenBeeindiging other than 20) after it.
-- Pairing per the iJw rules (IJW.md 3.2/3.3; OP289, OP377-OP379):
--   * a stop belongs to the start whose Begindatum it repeats (key of the start); in time order a
--     definitive stop closes the trajectory that is open at its Begindatum, so "after a start" means
--     stop.begindatum >= start.begindatum (a stop on the start's own day closes it: duur 1 day);
--   * a temporary stop (20) does not end the trajectory; a restart (new JW305) after it, or any start
--     while the trajectory is still open (against TR326), continues the same trajectory, which ends
--     at the first definitive stop after the last of them (also when that stop repeats the restart's
--     Begindatum rather than the first start's);
--   * after a definitive stop a new start opens a new trajectory (multiple cycles);
--   * a definitive stop with no open trajectory (no start before it: OP377) makes none; without a
--     definitive stop the trajectory is open (einddatum NULL);
--   * StatusAanlevering 3 deletions and 3 + 1 corrections are applied before pairing (core.zorg_start /
--     core.zorg_stop hold the current records only); StatusAanlevering 2 is refused at the gate (CS058).
-- Implementation: per (aanbieder, gemeente, client, toewijzing, product) the starts and definitive
-- stops in order of Begindatum (a start before a stop of the same day; of two definitive stops of the
-- same start the latest sent first). Trajectory number = definitive stops before the row (for a stop:
-- before it, so stop k+1 closes trajectory k). NULL key parts (taakgericht: no ToewijzingNummer;
-- generic: no product) group as equal.
CREATE OR REPLACE VIEW core.zorgperiode AS
WITH gebeurtenis AS (
    SELECT aanbieder, gemeente, client_pseudoniem, toewijzing_nummer, product_categorie, product_code, begindatum,
           0 AS is_stop, NULL::date AS einddatum, NULL::text AS reden_beeindiging, NULL::date AS dagtekening
    FROM core.zorg_start
    UNION ALL
    SELECT aanbieder, gemeente, client_pseudoniem, toewijzing_nummer, product_categorie, product_code, begindatum,
           1, einddatum, reden_beeindiging, dagtekening
    FROM core.zorg_stop
    WHERE reden_beeindiging <> '20'   -- NOT NULL column (JZ588 is required)
), genummerd AS (
    SELECT g.*,
           sum(g.is_stop) OVER (PARTITION BY g.aanbieder, g.gemeente, g.client_pseudoniem, g.toewijzing_nummer,
                                             g.product_categorie, g.product_code
                                ORDER BY g.begindatum, g.is_stop, g.dagtekening DESC, g.einddatum DESC,
                                         g.reden_beeindiging
                                ROWS UNBOUNDED PRECEDING) - g.is_stop AS traject
    FROM gebeurtenis g
), traject AS (
    SELECT aanbieder, gemeente, client_pseudoniem, toewijzing_nummer, product_categorie, product_code,
           min(begindatum) FILTER (WHERE is_stop = 0) AS begindatum,
           max(einddatum) AS einddatum,                  -- at most one stop per trajectory number
           max(reden_beeindiging) AS reden_beeindiging
    FROM genummerd
    GROUP BY aanbieder, gemeente, client_pseudoniem, toewijzing_nummer, product_categorie, product_code, traject
    HAVING bool_or(is_stop = 0)
)
SELECT t.aanbieder, t.gemeente, t.client_pseudoniem, t.toewijzing_nummer, t.product_categorie, t.product_code,
       t.begindatum,
       t.einddatum,
       t.reden_beeindiging,
       rb.reden_groep,
       t.einddatum - t.begindatum + 1 AS duur_dagen   -- NULL while open
FROM traject t
LEFT JOIN core.reden_beeindiging rb USING (reden_beeindiging);

-- Fact: a request (JW315 VOT or JW317 VOW) with the municipality's latest answer (JW319), and for
-- a VOT the toewijzing that honoured it (ReferentieAanbieder copied into the JW301).
CREATE OR REPLACE VIEW core.verzoek AS
WITH verzoeken AS (
    SELECT 'VOT'::text AS soort_verzoek, aanbieder, referentie_aanbieder, gemeente, client_pseudoniem,
           dagtekening, product_categorie, NULL::text AS reden_verzoek
    FROM core.verzoek_om_toewijzing
    UNION ALL
    (SELECT DISTINCT ON (aanbieder, referentie_aanbieder)
            'VOW', aanbieder, referentie_aanbieder, gemeente, client_pseudoniem, dagtekening, product_categorie,
            reden_verzoek
     FROM core.verzoek_om_wijziging
     ORDER BY aanbieder, referentie_aanbieder, soort_product = 'nieuw' DESC, bron_regel)
)
SELECT v.*,
       a.verzoek_antwoord,
       a.reden_afwijzing_verzoek,
       a.dagtekening AS antwoord_dagtekening,
       t.toewijzing_nummer,
       t.toewijzingsdatum,
       t.toewijzingsdatum - v.dagtekening AS dagen_tot_toewijzing
FROM verzoeken v
LEFT JOIN LATERAL (
    SELECT * FROM core.verzoek_antwoord x
    WHERE x.aanbieder = v.aanbieder AND x.referentie_aanbieder = v.referentie_aanbieder
    ORDER BY x.dagtekening DESC, x.bericht_identificatie DESC
    LIMIT 1
) a ON true
LEFT JOIN LATERAL (
    SELECT x.toewijzing_nummer, x.toewijzingsdatum FROM core.toewijzing x
    WHERE x.gemeente = v.gemeente AND x.aanbieder = v.aanbieder AND x.referentie_aanbieder = v.referentie_aanbieder
    ORDER BY x.toewijzingsdatum, x.toewijzingstijd
    LIMIT 1
) t ON true;

-- Fact: a declaration line with its JW325 status, the contract tariff of its year and its lag.
CREATE OR REPLACE VIEW core.declaratie_regel_feit AS
SELECT r.aanbieder, r.referentie_nummer, r.declaratie_nummer, r.gemeente, r.client_pseudoniem,
       r.vorig_referentie_nummer, r.toewijzing_nummer, r.product_categorie, r.product_code,
       r.product_periode_begindatum, r.product_periode_einddatum,
       date_trunc('month', r.product_periode_begindatum)::date AS maand,
       r.geleverd_volume, r.eenheid, r.product_tarief, r.ingediend_bedrag, r.debet_credit,
       r.ingediend_bedrag_saldo,
       CASE r.debet_credit WHEN 'D' THEN r.geleverd_volume ELSE -r.geleverd_volume END AS geleverd_volume_saldo,
       s.status, s.retour_codes,
       d.declaratie_dagtekening,
       date_trunc('month', d.declaratie_dagtekening)::date AS declaratie_maand,
       d.declaratie_dagtekening - r.product_periode_einddatum AS vertraging_dagen,
       ct.tarief AS contract_tarief,
       (r.debet_credit = 'D' AND r.eenheid <> '83' AND ct.tarief IS NOT NULL
        AND r.product_tarief IS DISTINCT FROM ct.tarief) AS tariefafwijking
FROM core.declaratie_regel r
JOIN core.declaratie d USING (aanbieder, declaratie_nummer)
JOIN core.declaratie_regel_status s USING (aanbieder, referentie_nummer)
LEFT JOIN core.contract_tarief_actueel ct
    ON ct.jaar = extract(year FROM r.product_periode_begindatum)
   AND ct.product_categorie = r.product_categorie AND ct.product_code = r.product_code;

-- Closed P&C periods (marts.close_month): the figures of a closed month are frozen here; the
-- marts show later corrections as a difference, never by rewriting a closed report.
CREATE TABLE IF NOT EXISTS core.pc_afsluiting (
    maand         date PRIMARY KEY REFERENCES core.periode,
    gesloten_op   timestamptz NOT NULL DEFAULT now(),
    gesloten_door text NOT NULL DEFAULT current_user,
    peildatum     date NOT NULL
);
CREATE TABLE IF NOT EXISTS core.pc_afsluiting_cijfer (
    maand                     date NOT NULL REFERENCES core.pc_afsluiting ON DELETE CASCADE,
    gemeente                  text NOT NULL REFERENCES core.gemeente,
    product_categorie         text NOT NULL,
    begroting_bedrag          bigint NOT NULL,
    realisatie_bedrag         bigint NOT NULL,
    in_behandeling_bedrag     bigint NOT NULL DEFAULT 0,
    ingediend_bedrag          bigint NOT NULL DEFAULT 0,
    nog_te_declareren_bedrag  bigint NOT NULL,
    verplichting_bedrag       bigint NOT NULL,
    aantal_jeugdigen          integer NOT NULL,
    PRIMARY KEY (maand, gemeente, product_categorie)
);
COMMENT ON TABLE core.pc_afsluiting IS 'Afgesloten P&C-maanden: de cijfers van die maand zijn bevroren in core.pc_afsluiting_cijfer.';
COMMENT ON TABLE core.pc_afsluiting_cijfer IS 'De P&C-cijfers (mart.pc_gemeente_maand) van een maand zoals ze waren op het moment van afsluiten.';

-- WJ001 retour codes (public iJw code list), so a rejection reads like the standard.
CREATE TABLE IF NOT EXISTS core.retourcode (
    retour_code   text PRIMARY KEY,
    omschrijving  text NOT NULL
);
INSERT INTO core.retourcode (retour_code, omschrijving) VALUES
    ('0001', 'Bericht is afgekeurd om technische redenen.'),
    ('0200', 'Geen opmerking over deze berichtklasse.'),
    ('0233', 'Berichtklasse is niet beoordeeld.'),
    ('0611', 'Het ingediende tarief komt niet overeen met het contractuele tarief.'),
    ('8001', 'Declaratie is volledig toegewezen.'),
    ('8017', 'Van deze credit prestatie is geen debet prestatie bekend.'),
    ('8021', 'Referentienummer prestatie is reeds aangeleverd.'),
    ('8187', 'De prestatie hoort niet bij deze cliënt.'),
    ('8214', 'DeclaratiePeriode is niet de kalendermaand die volgt op voorgaande DeclaratiePeriode terwijl iedere declaratieperiode zorg geleverd is.'),
    ('8848', 'Dagtekening moet gelijk zijn aan of voor de systeemdatum liggen.'),
    ('9019', 'Het regiebericht kan niet gekoppeld worden aan een toewijzing.'),
    ('9056', 'Identificatie moet uniek zijn.'),
    ('9063', 'Het bericht kan niet verwerkt worden omdat geen eerder bericht ontvangen is'),
    ('9069', 'Er is geen actueel startbericht met dezelfde sleutel.'),
    ('9071', 'Het eerdere startbericht kan niet verwijderd worden omdat de zorg al beeindigd is.'),
    ('9074', 'Er is al een eerder bericht ontvangen met dezelfde sleutel.'),
    ('9307', 'Begindatum prestatie ligt niet tussen de ingangsdatum en einddatum toewijzing.'),
    ('9308', 'Einddatum prestatie ligt niet tussen de ingangsdatum en einddatum toewijzing.'),
    ('9319', 'De ProductPeriode valt niet geheel binnen een DeclaratiePeriode.'),
    ('9321', 'Het ingediende volume overschrijdt het toegewezen volume.'),
    ('9322', 'De som van de ingediende volumes overschrijdt het toegewezen volume.'),
    ('9326', 'De actuele levering is nog niet gestopt met een Stopbericht.'),
    ('9332', 'Toewijzing heeft geen uniek nummer binnen wettelijk domein.'),
    ('9333', 'Declaratienummer is niet uniek.'),
    ('9338', 'Niet iedere prestatie in een declaratiebericht is gerelateerd aan een toegewezen product op basis van het toewijzingnummer.'),
    ('9339', 'ProductCategorie in de prestatie is niet gelijk aan ProductCategorie in het ToegewezenProduct.'),
    ('9340', 'ProductCode in de Prestatie is niet gelijk aan ProductCode in het ToegewezenProduct.'),
    ('9341', 'Eenheid in de Prestatie past niet bij Eenheid in het ToegewezenProduct.'),
    ('9346', 'Eenheid is ongelijk is aan waarde 83 (Euro’s), maar IngediendBedrag is niet gelijk aan GeleverdVolume vermenigvuldigd met (het onafgeronde) ProductTarief.'),
    ('9347', 'ReferentieAanbieder is niet uniek voor de aanbieder binnen het wettelijk domein.'),
    ('9349', 'Het VOW bericht bevat niet alle actuele toegewezen producten van de cliënt, hetzij in OngewijzigdProduct, hetzij in TeWijzigenProduct.'),
    ('9350', 'OngewijzigdProduct is niet gerelateerd aan een actueel toegewezen product op basis van het toewijzingnummer.'),
    ('9351', 'TeWijzigenProduct is niet gerelateerd aan een actuele toewijzing op basis van ToewijzingNummer.'),
    ('9355', 'ReferentieAanbieder in het antwoordbericht komt niet voor in een eerder verzoek om toewijzing of verzoek om wijziging. [Niet in het WJ001-codelijstbestand; wel in XSD LDT_RetourCode en technische regel TR355]'),
    ('9357', 'GewensteIngangsdatum is kleiner dan of gelijk aan de dagtekening, maar niet gelijk aan de ingangsdatum van het originele ToegewezenProduct.'),
    ('9359', 'Er is al een toewijzing gestuurd met deze ReferentieAanbieder.'),
    ('9360', 'Er is al een antwoordbericht met deze ReferentieAanbieder, terwijl antwoordbericht in VerzoekAntwoord waarde 2 (aanvraag in onderzoek) heeft.'),
    ('9361', 'Het product komt vaker voor met overlappende zorgperiodes.'),
    ('9365', 'Er is al een antwoordbericht met dezelfde ReferentieAanbieder waar VerzoekAntwoord niet de waarde ‘Aanvraag in onderzoek’ heeft.'),
    ('9366', 'ProductReferentie komt niet voor in een Declaratiebericht.'),
    ('9367', 'De waarde komt niet overeen met de waarde uit heenbericht met gelijke ProductReferentie.'),
    ('9369', 'Budget is meegegeven, maar de som van GeleverdVolume in alle ingediende Prestaties passen niet binnen het toegewezen Budget.'),
    ('9373', 'Budget is gewijzigd, maar GewensteIngangsdatum is niet gelijk aan die in de actuele toewijzing.'),
    ('9374', 'Er is al een verzoek onderhanden.'),
    ('9375', 'Omvang is gevuld, terwijl Product in toewijzing met ToewijzingNummer leeg is en Einddatum groter dan 31-12-2020 of leeg is.'),
    ('9379', 'ReferentieAanbieder refereert niet naar een verzoek om toewijzing of verzoek om wijziging, is onterecht gevuld.'),
    ('9384', 'Declaratie op toewijzing met RedenWijziging “13” (Verwijderd).'),
    ('9385', 'Toewijzing heeft goedgekeurde declaratieregels.'),
    ('9387', 'Begindatum van de ProductPeriode is niet eerste dag van de kalendermaand waarop ProductPeriode betrekking heeft en Ingangsdatum van de toewijzing ligt niet later in deze betreffende maand.'),
    ('9388', 'Einddatum van de ProductPeriode is niet laatste dag van de kalendermaand waarop ProductPeriode betrekking heeft en Einddatum van de toewijzing ligt niet eerder in deze betreffende maand.'),
    ('9389', 'Deze prestatie heeft een debetprestatie zonder bijbehorende creditprestatie.'),
    ('9390', 'Er is al een Prestatie met gelijk ProductReferentie met waarde Credit.'),
    ('9411', 'Omvang is leeg, terwijl Code in Product bij de toewijzing met ToewijzingNummer gevuld is.'),
    ('9412', 'Omvang is niet leeg, terwijl Code in Product bij de toewijzing met ToewijzingNummer leeg is en einddatum groter dan 31-12-2020 of leeg is.'),
    ('9413', 'StatusAanlevering is waarde 1 of 2 en RedenBeeindiging heeft waarde 20, terwijl er al een ander StopProduct met hetzelfde Bsn, ToewijzingNummer, Begindatum en RedenBeeindiging waarde 20 is.'),
    ('9414', 'Einddatum is niet >= aan Einddatum uit actuele StopProduct met gelijk Bsn, ToewijzingNummer en Begindatum.'),
    ('9415', 'Er is al een StopProduct met gelijk Bsn, ToewijzingNummer, Begindatum en RedenBeeindiging <> waarde 20 en StatusAanlevering heeft waarde 1 of 2.'),
    ('S300', 'Gemeentecode ongeldig.'),
    ('S329', 'ProductCode ongeldig.')
ON CONFLICT (retour_code) DO UPDATE SET omschrijving = EXCLUDED.omschrijving;
