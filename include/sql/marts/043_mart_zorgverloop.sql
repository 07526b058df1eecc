-- Marts on the course of care (JW305/JW307 trajectories, JW315/JW301 waiting): inflow and outflow
-- with the reason mix, trajectory duration and waiting time, per gemeente. Counts of youths are
-- distinct pseudonyms; reports suppress cells describing fewer than 5 youths.

CREATE MATERIALIZED VIEW IF NOT EXISTS mart.instroom_uitstroom_gemeente_maand AS
WITH traject AS (
    SELECT z.*, date_trunc('month', z.begindatum)::date AS start_maand,
           date_trunc('month', z.einddatum)::date AS stop_maand
    FROM core.zorgperiode z
), cellen AS (
    SELECT t.gemeente, t.product_categorie, p.maand, p.maand_einde
    FROM (SELECT gemeente, product_categorie, min(start_maand) AS van,
                 -- through the month of the data (peildatum) while trajectories are still running
                 greatest(max(start_maand), max(stop_maand),
                          CASE WHEN bool_or(einddatum IS NULL)
                               THEN (SELECT date_trunc('month', peildatum)::date FROM core.peildatum) END) AS tot
          FROM traject GROUP BY gemeente, product_categorie) t
    JOIN core.periode p ON p.maand BETWEEN t.van AND t.tot
)
SELECT c.gemeente,
       g.gemeente_naam,
       c.maand,
       c.product_categorie,
       count(*) FILTER (WHERE t.start_maand = c.maand)::integer                                AS instroom,
       count(DISTINCT t.client_pseudoniem) FILTER (WHERE t.start_maand = c.maand)::integer     AS instroom_jeugdigen,
       count(*) FILTER (WHERE t.stop_maand = c.maand)::integer                                 AS uitstroom,
       count(DISTINCT t.client_pseudoniem) FILTER (WHERE t.stop_maand = c.maand)::integer      AS uitstroom_jeugdigen,
       count(*) FILTER (WHERE t.stop_maand = c.maand AND t.reden_groep = 'volgens plan')::integer AS uitstroom_volgens_plan,
       count(*) FILTER (WHERE t.stop_maand = c.maand AND t.reden_groep = 'voortijdig')::integer   AS uitstroom_voortijdig,
       count(*) FILTER (WHERE t.stop_maand = c.maand AND t.reden_groep = 'overig')::integer       AS uitstroom_overig,
       round(100.0 * count(*) FILTER (WHERE t.stop_maand = c.maand AND t.reden_groep = 'volgens plan')
             / NULLIF(count(*) FILTER (WHERE t.stop_maand = c.maand), 0), 1)                   AS volgens_plan_pct,
       count(*) FILTER (WHERE t.begindatum <= c.maand_einde
                          AND (t.einddatum IS NULL OR t.einddatum > c.maand_einde))::integer   AS lopend_einde_maand,
       count(DISTINCT t.client_pseudoniem)::integer                                           AS jeugdigen_in_zorg
FROM cellen c
JOIN core.gemeente g USING (gemeente)
LEFT JOIN traject t
    ON t.gemeente = c.gemeente AND t.product_categorie IS NOT DISTINCT FROM c.product_categorie
   AND t.begindatum <= c.maand_einde AND (t.einddatum IS NULL OR t.einddatum >= c.maand)
GROUP BY c.gemeente, g.gemeente_naam, c.maand, c.product_categorie
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS instroom_uitstroom_gemeente_maand_uq
    ON mart.instroom_uitstroom_gemeente_maand (gemeente, maand, product_categorie);

COMMENT ON MATERIALIZED VIEW mart.instroom_uitstroom_gemeente_maand IS
    'Instroom en uitstroom van zorgtrajecten (JW305 start, JW307 stop met definitieve reden) per gemeente, maand en productcategorie, met de mix van redenen beëindiging (effecten).';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.gemeente IS 'CBS-gemeentecode (4 cijfers) van de gemeente die de zorg toewees.';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.gemeente_naam IS 'Naam van de gemeente.';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.maand IS 'Eerste dag van de maand.';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.product_categorie IS 'ProductCategorie van de start (JZ020).';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.instroom IS 'Aantal trajecten met StartProduct/Begindatum in deze maand.';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.instroom_jeugdigen IS 'Aantal unieke jeugdigen in de instroom.';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.uitstroom IS 'Aantal trajecten met StopProduct/Einddatum in deze maand (RedenBeeindiging 20, tijdelijk, telt niet).';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.uitstroom_jeugdigen IS 'Aantal unieke jeugdigen in de uitstroom.';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.uitstroom_volgens_plan IS 'Uitstroom met RedenBeeindiging 31 (volgens plan beëindigd).';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.uitstroom_voortijdig IS 'Uitstroom met RedenBeeindiging 32-35 (voortijdig afgesloten door cliënt, aanbieder, in overleg of externe oorzaak).';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.uitstroom_overig IS 'Uitstroom met RedenBeeindiging 02 of 36-39 (overlijden, gemeente, wijzigingsverzoek, overstap, ander domein).';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.volgens_plan_pct IS 'Uitstroom volgens plan als percentage van de uitstroom (effectindicator).';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.lopend_einde_maand IS 'Aantal trajecten dat op de laatste dag van de maand loopt.';
COMMENT ON COLUMN mart.instroom_uitstroom_gemeente_maand.jeugdigen_in_zorg IS 'Aantal unieke jeugdigen met een traject dat in deze maand (een deel van de maand) liep.';

CREATE MATERIALIZED VIEW IF NOT EXISTS mart.trajectduur_gemeente_jaar AS
SELECT z.gemeente,
       g.gemeente_naam,
       extract(year FROM z.einddatum)::smallint                                  AS jaar,
       z.product_categorie,
       z.reden_groep,
       count(*)::integer                                                          AS aantal_trajecten,
       count(DISTINCT z.client_pseudoniem)::integer                               AS aantal_jeugdigen,
       round(avg(z.duur_dagen), 1)                                                AS gemiddelde_duur_dagen,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY z.duur_dagen)::integer        AS duur_p25_dagen,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY z.duur_dagen)::integer         AS duur_mediaan_dagen,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY z.duur_dagen)::integer        AS duur_p75_dagen,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY z.duur_dagen)::integer         AS duur_p90_dagen,
       count(*) FILTER (WHERE z.duur_dagen <= 91)::integer                        AS aantal_tot_3_maanden,
       count(*) FILTER (WHERE z.duur_dagen BETWEEN 92 AND 365)::integer           AS aantal_3_tot_12_maanden,
       count(*) FILTER (WHERE z.duur_dagen > 365)::integer                        AS aantal_langer_dan_12_maanden
FROM core.zorgperiode z
JOIN core.gemeente g USING (gemeente)
WHERE z.einddatum IS NOT NULL
GROUP BY z.gemeente, g.gemeente_naam, extract(year FROM z.einddatum), z.product_categorie, z.reden_groep
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS trajectduur_gemeente_jaar_uq
    ON mart.trajectduur_gemeente_jaar (gemeente, jaar, product_categorie, reden_groep) NULLS NOT DISTINCT;

COMMENT ON MATERIALIZED VIEW mart.trajectduur_gemeente_jaar IS
    'Duur van afgesloten zorgtrajecten (JW305 Begindatum tot JW307 Einddatum) per gemeente, jaar van beëindiging, productcategorie en groep van reden beëindiging.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.gemeente IS 'CBS-gemeentecode (4 cijfers).';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.gemeente_naam IS 'Naam van de gemeente.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.jaar IS 'Jaar van StopProduct/Einddatum.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.product_categorie IS 'ProductCategorie van het traject (JZ020).';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.reden_groep IS 'Groep van RedenBeeindiging (JZ588): volgens plan (31), voortijdig (32-35) of overig (02, 36-39).';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.aantal_trajecten IS 'Aantal afgesloten trajecten.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.aantal_jeugdigen IS 'Aantal unieke jeugdigen.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.gemiddelde_duur_dagen IS 'Gemiddelde duur in dagen (begin- en einddag tellen mee).';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.duur_p25_dagen IS '25e percentiel van de duur in dagen.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.duur_mediaan_dagen IS 'Mediaan van de duur in dagen.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.duur_p75_dagen IS '75e percentiel van de duur in dagen.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.duur_p90_dagen IS '90e percentiel van de duur in dagen.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.aantal_tot_3_maanden IS 'Aantal trajecten van hoogstens 91 dagen.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.aantal_3_tot_12_maanden IS 'Aantal trajecten van 92 tot en met 365 dagen.';
COMMENT ON COLUMN mart.trajectduur_gemeente_jaar.aantal_langer_dan_12_maanden IS 'Aantal trajecten van meer dan 365 dagen.';

-- Waiting time per new toewijzing: VOT (JW315) -> first JW301 version -> first start (JW305).
CREATE MATERIALIZED VIEW IF NOT EXISTS mart.wachttijd_gemeente_maand AS
WITH nieuw AS (
    SELECT t.gemeente, t.toewijzing_nummer, t.aanbieder, t.client_pseudoniem, t.product_categorie,
           t.toewijzingsdatum, t.referentie_aanbieder
    FROM core.toewijzing_versie t
    WHERE t.toewijzingsdatum = t.eerste_toewijzingsdatum AND NOT t.vervallen
), eerste_start AS (
    SELECT gemeente, toewijzing_nummer, min(begindatum) AS startdatum
    FROM core.zorg_start
    GROUP BY gemeente, toewijzing_nummer
), wacht AS (
    SELECT n.*, v.dagtekening AS verzoek_dagtekening, s.startdatum,
           CASE WHEN s.startdatum IS NOT NULL THEN greatest(s.startdatum - n.toewijzingsdatum, 0) END AS start_dagen  -- NULL: not started (greatest(NULL, 0) is 0)
    FROM (SELECT DISTINCT ON (gemeente, toewijzing_nummer) * FROM nieuw
          ORDER BY gemeente, toewijzing_nummer) n
    LEFT JOIN eerste_start s USING (gemeente, toewijzing_nummer)
    LEFT JOIN core.verzoek_om_toewijzing v
        ON v.aanbieder = n.aanbieder AND v.referentie_aanbieder = n.referentie_aanbieder AND v.gemeente = n.gemeente
)
SELECT w.gemeente,
       g.gemeente_naam,
       date_trunc('month', w.toewijzingsdatum)::date                                             AS maand,
       w.product_categorie,
       count(*)::integer                                                                          AS aantal_toewijzingen,
       count(w.verzoek_dagtekening)::integer                                                      AS aantal_na_verzoek,
       round(avg(w.toewijzingsdatum - w.verzoek_dagtekening), 1)                                  AS verzoek_tot_toewijzing_gemiddeld_dagen,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY w.toewijzingsdatum - w.verzoek_dagtekening)::integer AS verzoek_tot_toewijzing_mediaan_dagen,
       count(w.startdatum)::integer                                                               AS aantal_gestart,
       round(avg(w.start_dagen), 1)                                                               AS toewijzing_tot_start_gemiddeld_dagen,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY w.start_dagen)::integer AS toewijzing_tot_start_mediaan_dagen,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY w.start_dagen)::integer AS toewijzing_tot_start_p90_dagen,
       count(*) FILTER (WHERE w.startdatum IS NULL)::integer                                      AS aantal_niet_gestart
FROM wacht w
JOIN core.gemeente g USING (gemeente)
GROUP BY w.gemeente, g.gemeente_naam, date_trunc('month', w.toewijzingsdatum), w.product_categorie
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS wachttijd_gemeente_maand_uq
    ON mart.wachttijd_gemeente_maand (gemeente, maand, product_categorie) NULLS NOT DISTINCT;

COMMENT ON MATERIALIZED VIEW mart.wachttijd_gemeente_maand IS
    'Wachttijd per nieuwe toewijzing, per gemeente, maand van (eerste) Toewijzingsdatum en productcategorie: verzoek om toewijzing (JW315) tot toewijzing (JW301) tot start zorg (JW305).';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.gemeente IS 'CBS-gemeentecode (4 cijfers) van de toewijzende gemeente.';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.gemeente_naam IS 'Naam van de gemeente.';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.maand IS 'Eerste dag van de maand van de eerste Toewijzingsdatum van de toewijzing.';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.product_categorie IS 'Product/Categorie van de toewijzing (JZ020); leeg bij een toewijzing zonder product.';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.aantal_toewijzingen IS 'Aantal nieuwe toewijzingen (ToewijzingNummer, eerste versie; vervallen toewijzingen tellen niet).';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.aantal_na_verzoek IS 'Aantal daarvan dat een verzoek om toewijzing (JW315, zelfde ReferentieAanbieder) honoreert.';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.verzoek_tot_toewijzing_gemiddeld_dagen IS 'Gemiddeld aantal dagen van Dagtekening JW315 tot Toewijzingsdatum.';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.verzoek_tot_toewijzing_mediaan_dagen IS 'Mediaan van het aantal dagen van Dagtekening JW315 tot Toewijzingsdatum.';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.aantal_gestart IS 'Aantal toewijzingen waarop zorg is gestart (JW305).';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.toewijzing_tot_start_gemiddeld_dagen IS 'Gemiddeld aantal dagen van Toewijzingsdatum tot de eerste StartProduct/Begindatum (0 als de zorg al eerder begon).';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.toewijzing_tot_start_mediaan_dagen IS 'Mediaan van het aantal dagen van Toewijzingsdatum tot start zorg.';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.toewijzing_tot_start_p90_dagen IS '90e percentiel van het aantal dagen van Toewijzingsdatum tot start zorg.';
COMMENT ON COLUMN mart.wachttijd_gemeente_maand.aantal_niet_gestart IS 'Aantal toewijzingen zonder (actuele) start: wachtend of nooit gestart.';
