"""Synthetic iJw 3.2 traffic: one year of every core message of the youth-care exchange.

``generate(out_dir)`` writes XML files that validate against the official iJw 3.2 XSDs:

=======  ==========================  =====================================================
JW301    toewijzing                  ``JW301_<gemeente>_<agb>_<BerichtIdentificatie>.xml``
JW305    start zorg                  ``JW305_<agb>_<gemeente>_<BerichtIdentificatie>.xml``
JW307    stop zorg                   ``JW307_<agb>_<gemeente>_<BerichtIdentificatie>.xml``
JW315    verzoek om toewijzing       ``JW315_<agb>_<gemeente>_<BerichtIdentificatie>.xml``
JW317    verzoek om wijziging        ``JW317_<agb>_<gemeente>_<BerichtIdentificatie>.xml``
JW319    antwoord op JW315/JW317     ``JW319_<gemeente>_<agb>_<BerichtIdentificatie>.xml``
JW323    declaratie (monthly)        ``JW323_<agb>_<gemeente>_<YYYYMM>.xml``
JW325    declaratie-antwoord         ``JW325_<gemeente>_<agb>_<YYYYMM>.xml``
=======  ==========================  =====================================================

BerichtIdentificatie is unique per (message type, sender) and at most 12 characters.

Scale (``scale=``)
* ``"custom"`` (default): ``clients`` youths (default 2 000) in the 11 gemeenten of
  jeugdhulpregio IJsselland; every youth has a BSN of its own, so at most ``MAX_CLIENTS``.
  Each youth's forms are drawn with the weights of ``REGIO_VORMEN``.
* ``"region"``: IJsselland calibrated to 2019 (vision document): 11 770 youths with jeugdhulp
  zonder verblijf, 1 785 met verblijf, 1 410 jeugdbescherming (category 48) and 245
  jeugdreclassering (47) in the year; a youth may have more than one form, which gives
  ``sum(REGIO_VORMEN.values())`` = 14 000 youths (``REGIO_VORMEN`` holds the combinations and
  is used exactly, so youths per form equal those figures).
* ``"national"``: ``LANDELIJK_REGIOS`` (42) regions of that size: IJsselland plus 41 invented
  regions of 11 gemeenten each, with invented 4-digit gemeente codes that are never one of the
  11 IJsselland codes (so a warehouse restricted to IJsselland quarantines them: these corpora
  are for volume benchmarks) and providers of their own (region r: provider indices from
  r × ``providers`` rounded up to a multiple of 12, so every region has its own GI).

BSNs come only from the official test range 999900000–999999999 and pass the 11-proef; that
range holds just 9 091 valid numbers. Beyond that (region and national scale) BSNs are reused
deterministically, but never within one gemeente: two youths of *different* gemeenten may share
a test BSN, so a youth is identified by (gemeente, BSN). ``SynthSummary.bsn_reused`` counts the
youths whose BSN was already given to another youth.

A year of a region that has existed for years (``year``: default the last complete year,
:func:`standaard_jaar`, so that no message is dated in the future – TR135)
* **Steady state** – ``clients`` youths have care in the year. A traject's Ingangsdatum is drawn
  from the days between its longest care duration before 1 January and 31 December, so as many
  trajecten run on every day of the year: many started in earlier years (their JW301, JW315 and
  JW305 are dated then) and spend does not build up from January to December.
* **Profiles** (``profile=``, ``PROFIELEN``) – ``steady``; ``growth``: the inflow grows so that
  the case load is ``GROEI`` (15 %) higher in December than in January; ``seasonal``: the volume
  of time and effort units (``ZOMERDIP_EENHEDEN``) is ``ZOMERDIP`` (70 %) in July and August.
  Tariffs (:func:`tarief`) are ``CATALOGUS`` in ``TARIEF_BASISJAAR``, indexed by
  ``INDEXATIE_PROMILLE`` every 1 January (every profile).
* **What it contains** – counted in ``SynthSummary.gevallen`` (``GEVALLEN``): open-ended
  toewijzingen, aspecific ones (category only, with or without Budget) and generic ones (Budget
  only), the three uitvoeringsvarianten, temporary stops and restarts, deleted starts, stops and
  toewijzingen, rejections declared again, credits with and without a new debit.

Traffic per youth
* **Forms and providers** – each youth gets one or more forms (``VORM_CATEGORIEEN``); per form a
  provider offering it (jeugdbescherming/-reclassering only by the gecertificeerde instelling,
  ``aanbieders``; a form no provider of the region offers becomes jeugdhulp zonder verblijf)
  and a product. All products of a youth at one provider form one *traject*
  with one JW301 (all current toewijzingen of that client at that provider). Frequentie 2 and 6
  always have an Einddatum; 40 % of the Frequentie 4 (per month) toewijzingen have none
  (``OPEN_SHARE``: care of 6–30 months; when it stops in the year the gemeente ends the
  toewijzing with a JW301 with RedenWijziging 05 – or the JZ588→JZ002 match – and that Einddatum).
* **Assignment shapes** – ``ASPECIFIEK_SHARE`` of the products of categories 45 and 54 (when no
  other product of the traject has that category) are assigned aspecifically (Categorie only,
  no Omvang), half of them with a Budget; ``GENERIEK_SHARE`` of the one-product trajecten of
  jeugdhulp zonder verblijf generically (no Product, a Budget). A Budget is ``BUDGET_MARGE`` ×
  the cost of the Omvang and has an Einddatum; the lines stay within it (TR369).
* **Uitvoeringsvarianten** (``Product.variant``) – inspanningsgericht (volume per unit of time),
  outputgericht (Eenheid 82 stuks (output) per month: jeugdbescherming, jeugdreclassering, a
  verblijf trajectory) and taakgericht (45T01: toewijzing, start and stop, but never declared;
  its value at the contract tariff, ``SynthSummary.taakgericht_bedrag``, is what the demo
  contract's lump sums pay).
* **JW315** – ~30 % of the trajecten start with a verzoek om toewijzing 3–35 days before the
  toewijzing (Verwijzer huisarts/jeugdarts/GI/medisch specialist with ZorgverlenerCode or Naam;
  rechter for jeugdbescherming/-reclassering), one ReferentieAanbieder per product (unique per
  provider). The honouring JW301 carries it (only that first time). ~3 % of these trajecten had
  an earlier VOT that was rejected (JW319 VerzoekAntwoord 1 + RedenAfwijzingVerzoek); ~2 % get
  a JW319 VerzoekAntwoord 2 (in onderzoek) before the JW301.
* **JW301 deleted** – ~1 % of the trajecten get a toewijzing of another product by mistake,
  deleted a few days later (RedenWijziging 13, Einddatum = Ingangsdatum).
* **JW317** – ~5 % of the youths ask (at their first provider) to raise the Omvang of one
  specific toewijzing, when one can still change in the year, listing every current toewijzing
  as OngewijzigdProduct or TeWijzigenProduct (TR349). 70 % are honoured by a new JW301 (the old
  toewijzing shortened with RedenWijziging 12, a new ToewijzingNummer from the wanted date
  carrying the VOW's ReferentieAanbieder, the others re-sent unchanged), the rest rejected by a JW319.
* **JW305** – a start per toewijzing (StatusAanlevering 1; Product as assigned), Begindatum a
  few days after the Ingangsdatum and never after the year end; starts on the same day share
  one message. ~1 % is corrected: the original start (wrong Begindatum), later a JW305 with
  StatusAanlevering 3 of that key and then a JW305 with the right Begindatum (three messages).
* **JW307** – care ends on the toewijzing's Einddatum (60 %, RedenBeeindiging 31) or earlier
  (25 % 32–35, 15 % 36–39); it is stopped when that is in or before the year. 8 % of the
  deliveries get a temporary stop (20): half resume with a new JW305 of the same
  toewijzing/product (whose key the later stops copy), the others end there (a definitive stop
  follows when the care ends in the year). ~1 % get a stop sent by mistake and deleted
  (StatusAanlevering 3). A toewijzing shortened for an honoured VOW gets 37. The key copies the
  start (Bsn, ToewijzingNummer, Product, Begindatum); every start/stop of a toewijzing is dated
  after the one before it.
* **JW323** – one declaratie per provider × gemeente × month of ``year`` with lines, dated
  ``DECLARATIE_GEWOONTE`` days after the month (the provider's habit) ± ``DECLARATIE_SPREIDING``:
  declarations fall on every day of the month. Every toewijzing with care delivered in a month
  (not taakgericht) gets one debit line for the part of the month it covers (from the 1st or the
  Ingangsdatum to the last day or the Einddatum), volume 60–100 % of the Omvang of the days
  delivered (between starts and stops). ~3 % of the lines are declared 1–3 months late; ~2 % of
  the approved debits are credited in a later month dated after their JW325
  (``VorigReferentieNummer``), half of those with a corrected debit.
* **JW325** – every JW323 is answered 3–14 days later (DeclaratieIdentificatie = the JW323's
  BerichtIdentificatie, XsdVersieDeclaratie copied). ~1 % is rejected as a whole (Header 0001
  without DeclaratieAntwoord, or DeclaratieAntwoord 9333 with TotaalToegekendBedrag 0 – a
  synthetic reason, the DeclaratieNummer is in fact unique); their lines (not the rule-breaking
  ones) are declared again in a later month dated after the answer, unless that is after
  December. ~10 % are approved partially: 1–3 lines carry a ProductTarief above the contract
  tariff (Bedrag still = volume × that tariff; the warehouse quarantines them under TR418) and
  are rejected with 0611 (Client 0200, DeclaratieAntwoord 0200, TotaalToegekend = Ingediend −
  signed Σ rejected), 80 % of them re-declared later at the contract tariff; the rest is
  approved in full (Header 0200 + DeclaratieAntwoord 8001). A rejected line is never credited.

Rule violations (``violations=``): that share of the JW323 debit lines is made to break one
warehouse rule while staying XSD-valid: TR346 (Bedrag ≠ GeleverdVolume × ProductTarief, by more
than the volume), TR319 (ProductPeriode in the month after the DeclaratiePeriode: from its 1st
or the Ingangsdatum to at most the day before the Dagtekening, so it also ends before the last
day of the month – TR388, a cross-message rule) or TR314 (ReferentieNummer of an earlier approved, never
credited debit of the provider). The JW325 rejects them with 9346 / 9319 / 8021;
``SynthSummary.violations_by_rule`` counts exactly the injected lines (for TR314 the duplicate
line only – a warehouse loading both files in one batch flags the original as well). With
``violations=0`` (default) no rule is broken.

Money is in euro cents; ``Bedrag = GeleverdVolume × ProductTarief``, or ``= GeleverdVolume``
without a tariff for Eenheid 83 (euro). Everything is drawn from ``random.Random(seed)`` and
dated relative to ``year``, so the same arguments give byte-identical files. Files are written
one at a time and gemeente by gemeente; only the toewijzingen of one gemeente are kept in memory.
:func:`simuleer` runs the same generator without writing (the demo contract calibrates its
begroting, plafonds and lump sums to it).
"""

from __future__ import annotations

import calendar
import random
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from itertools import accumulate
from math import expm1, log, log1p
from pathlib import Path
from xml.sax.saxutils import escape

from jeugdhulp.privacy import TEST_BSN_MAX, TEST_BSN_MIN, elfproef
from jeugdhulp.reference import GEMEENTEN

NS_BASIS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
#: BasisschemaXsdVersie and BerichtXsdVersie, as in the appinfo of the official XSDs.
XSD_VERSIE = "0.1.0"
#: Message types written, in this order in the summary.
BERICHTEN = ("JW301", "JW305", "JW307", "JW315", "JW317", "JW319", "JW323", "JW325")
BERICHT_CODES = {
    "JW301": "436", "JW305": "438", "JW307": "440", "JW315": "446",
    "JW317": "486", "JW319": "488", "JW323": "490", "JW325": "491",
}
SCALES = ("custom", "region", "national")
#: The cases counted in ``SynthSummary.gevallen``.
GEVALLEN = {
    "open": "toewijzing without Einddatum (Frequentie 4, per month)",
    "aspecifiek": "toewijzing with ProductCategorie only, without Budget",
    "aspecifiek_budget": "toewijzing with ProductCategorie only and a Budget",
    "generiek": "toewijzing without Product, with a Budget",
    "inspanningsgericht": "toewijzing of an inspanningsgericht product",
    "outputgericht": "toewijzing of an outputgericht product (Eenheid 82, stuks per period)",
    "taakgericht": "toewijzing of a taakgericht product (never declared; lump sums)",
    "tijdelijke_stop": "JW307 with RedenBeeindiging 20",
    "herstart": "new JW305 of a toewijzing/product after its temporary stop",
    "start_verwijderd": "JW305 start deleted (StatusAanlevering 3) and sent again",
    "stop_verwijderd": "JW307 stop sent by mistake and deleted (StatusAanlevering 3)",
    "toewijzing_verwijderd": "toewijzing deleted (RedenWijziging 13, Einddatum = Ingangsdatum)",
    "toewijzing_beeindigd": "open-ended toewijzing given an Einddatum after the stop",
    "afgewezen_opnieuw": "JW323 line rejected by the JW325 and declared again later",
    "credit_opnieuw": "approved debit credited and declared again (corrected)",
    "credit": "approved debit credited without a new debit",
}
#: Rules that ``violations`` breaks, with the JW325 RetourCode that rejects such a line.
VIOLATION_RULES = {"TR346": "9346", "TR319": "9319", "TR314": "8021"}

LATE_SHARE = 0.03  # share of lines declared 1-3 months after their product period
CREDIT_SHARE = 0.02  # share of approved debits credited in a later month
CORRECTION_SHARE = 0.5  # share of credits that come with a corrected debit
TWO_PRODUCTS_SHARE = 0.3  # share of jeugdhulp-zonder-verblijf trajecten with two products
VOT_SHARE = 0.30  # share of trajecten that start with a JW315
VOT_REJECTED_SHARE = 0.03  # of those: an earlier JW315 was rejected (JW319 VerzoekAntwoord 1)
VOT_INVESTIGATION_SHARE = 0.02  # of those: JW319 VerzoekAntwoord 2 before the JW301
VOW_SHARE = 0.05  # share of youths asking for a JW317 (sent when a toewijzing can still change in the year)
VOW_HONOURED_SHARE = 0.7  # share of JW317 honoured with a JW301 (the rest: JW319)
SAME_START_SHARE = 0.7  # share of trajecten whose products start on the same day
START_CORRECTION_SHARE = 0.01  # share of starts corrected (3 + 1)
TEMPORARY_STOP_SHARE = 0.08  # share of deliveries interrupted by a temporary stop (20)
RESTART_SHARE = 0.5  # of those: care resumes with a new JW305 of the same toewijzing/product
STOP_DELETED_SHARE = 0.01  # share of deliveries with a stop sent by mistake and deleted (1 + 3)
TOEWIJZING_DELETED_SHARE = 0.01  # share of trajecten with a toewijzing sent and deleted (13)
OPEN_SHARE = 0.4  # share of per-month (Frequentie 4) toewijzingen without Einddatum
OPEN_LOOPTIJD = (6, 30)  # months of care under an open-ended toewijzing (min, max)
ASPECIFIEK_SHARE = 0.10  # share of products of ASPECIFIEK_CATEGORIEEN assigned aspecifically
ASPECIFIEK_BUDGET_SHARE = 0.5  # of those: with a Budget
GENERIEK_SHARE = 0.04  # share of one-product trajecten assigned generically (Budget only)
BUDGET_MARGE = 1.3  # Budget = expected cost of the toewijzing x this margin
DECLARATION_REJECTED_SHARE = 0.01  # JW325 rejects the whole declaration
DECLARATION_PARTIAL_SHARE = 0.10  # JW325 rejects 1-3 lines with a deviating tariff (0611)
REDECLARE_SHARE = 0.8  # share of 0611-rejected lines declared again at the contract tariff
#: Days after the end of the month a provider declares it (its habit, per provider x gemeente)
#: and the spread around that habit: declarations are dated on every day of the month.
DECLARATIE_GEWOONTE = (1, 24)
DECLARATIE_SPREIDING = (-4, 6)
ANTWOORD_TERMIJN = (3, 14)  # days from a JW323 to its JW325
#: The last message of a year's traffic is dated at most this many days after 31 December.
MAX_DAGEN_NA_JAAR = DECLARATIE_GEWOONTE[1] + DECLARATIE_SPREIDING[1] + ANTWOORD_TERMIJN[1]

#: Profiles of the year (``profile=``): steady (case load constant over the year), growth (case
#: load +``GROEI`` from January to December) and seasonal (``ZOMERDIP`` on the volume of
#: inspanningsgerichte time units in July and August). Every profile gets the yearly tariff
#: indexation on 1 January (``tarief``).
PROFIELEN = ("steady", "growth", "seasonal")
GROEI = 0.15
ZOMERDIP = {7: 0.7, 8: 0.7}
#: Eenheden whose volume dips in the summer (time and effort; not etmaal, output or euro).
ZOMERDIP_EENHEDEN = ("01", "04", "16", "84")
#: The tariffs in ``CATALOGUS`` are those of this year; other years are indexed yearly.
TARIEF_BASISJAAR = 2025
INDEXATIE_PROMILLE = 32  # yearly tariff indexation (3.2 %), applied on 1 January

UITVOERINGSVARIANTEN = ("inspanningsgericht", "outputgericht", "taakgericht")
#: Categories that may be assigned aspecifically (category without ProductCode).
ASPECIFIEK_CATEGORIEEN = ("45", "54")
#: JZ002 RedenWijziging with which the gemeente ends an open-ended toewijzing after a stop
#: (JZ588 -> JZ002 as in the JZ588 table; others: herbeoordeling verkorting).
REDEN_WIJZIGING_NA_STOP = {"35": "07", "36": "03", "38": "09", "39": "06"}

REDENEN_VOORTIJDIG = ("32", "33", "34", "35")
REDENEN_OVERIG = ("36", "37", "38", "39")
#: WJ759 reasons used to reject a request (no woonplaatsbeginsel / other gemeente).
REDENEN_AFWIJZING = ("2", "4", "6", "7")


@dataclass(frozen=True)
class Product:
    """A product from the (regional, invented) catalogue; the code starts with its category."""

    categorie: str
    code: str
    eenheid: str
    #: Contract tariff in euro cents per Eenheid; ``None`` for Eenheid 83 (euro).
    tarief: int | None
    #: Allowed Omvang variants: (Frequentie, minimum Volume, maximum Volume).
    omvang: tuple[tuple[str, int, int], ...]
    #: Duration of a toewijzing in months (minimum, maximum).
    looptijd: tuple[int, int]
    #: Relative popularity.
    gewicht: int
    #: Uitvoeringsvariant (``UITVOERINGSVARIANTEN``); taakgericht care is never declared.
    variant: str = "inspanningsgericht"


CATALOGUS: tuple[Product, ...] = (
    Product("45", "45A03", "04", 10_450, (("2", 1, 4), ("4", 4, 16)), (3, 12), 30),
    Product("45", "45A05", "04", 12_150, (("2", 1, 3),), (3, 9), 12),
    Product("45", "45A12", "01", 172, (("2", 45, 180), ("6", 600, 3_000)), (3, 6), 10),
    Product("45", "45B07", "16", 6_950, (("2", 1, 4),), (3, 12), 6),
    Product("54", "54002", "01", 198, (("6", 600, 4_800), ("2", 60, 180)), (3, 9), 14),
    Product("54", "54005", "04", 12_500, (("4", 2, 8),), (3, 12), 6),
    Product("41", "41A01", "16", 7_400, (("2", 2, 8),), (3, 12), 6),
    Product("40", "40A02", "04", 9_850, (("2", 1, 6), ("4", 4, 20)), (3, 12), 4),
    Product("42", "42A01", "84", 2_450, (("2", 2, 10),), (3, 12), 5),
    Product("45", "45T01", "04", 9_600, (("4", 2, 8),), (3, 12), 8, "taakgericht"),
    Product("43", "43A12", "14", 31_500, (("2", 7, 7),), (6, 12), 3),
    Product("44", "44A03", "14", 18_900, (("2", 7, 7),), (6, 12), 3),
    Product("46", "46A01", "14", 35_000, (("6", 7, 28),), (1, 2), 1),
    Product("47", "47A01", "82", 98_500, (("4", 1, 1),), (6, 12), 2, "outputgericht"),
    Product("48", "48B01", "82", 134_500, (("4", 1, 1),), (6, 12), 3, "outputgericht"),
    Product("43", "43O01", "82", 410_000, (("4", 1, 1),), (6, 12), 2, "outputgericht"),
    Product("50", "50A01", "83", None, (("6", 150_000, 1_200_000),), (6, 12), 3),
)

#: Forms of youth care (as counted in the regional figures) and their product categories.
VORM_CATEGORIEEN: dict[str, tuple[str, ...]] = {
    "zonder_verblijf": ("40", "41", "42", "45", "50", "54"),
    "met_verblijf": ("43", "44", "46"),
    "jeugdbescherming": ("48",),
    "jeugdreclassering": ("47",),
}
#: Youths per form in IJsselland in 2019 (vision document).
REGIO_JONGEREN_2019: dict[str, int] = {
    "zonder_verblijf": 11_770,
    "met_verblijf": 1_785,
    "jeugdbescherming": 1_410,
    "jeugdreclassering": 245,
}
#: Youths per combination of forms for ``scale="region"``; the marginals equal
#: ``REGIO_JONGEREN_2019`` (the overlaps are an assumption). Also the mix for ``"custom"``.
REGIO_VORMEN: dict[tuple[str, ...], int] = {
    ("zonder_verblijf",): 10_810,
    ("met_verblijf",): 1_135,
    ("zonder_verblijf", "met_verblijf"): 400,
    ("jeugdbescherming",): 660,
    ("jeugdbescherming", "zonder_verblijf"): 500,
    ("jeugdbescherming", "met_verblijf"): 250,
    ("jeugdreclassering",): 185,
    ("jeugdreclassering", "zonder_verblijf"): 60,
}
#: Number of jeugdregio's for ``scale="national"`` (IJsselland + invented ones).
LANDELIJK_REGIOS = 42
GEMEENTEN_PER_REGIO = 11

#: Per gemeente: approximate inhabitants (thousands) and the range of its 4-digit postcodes.
GEMEENTE_PROFIEL: dict[str, tuple[int, int, int]] = {
    "0148": (29, 7711, 7722),  # Dalfsen
    "0150": (103, 7411, 7437),  # Deventer
    "0160": (62, 7771, 7799),  # Hardenberg
    "0166": (55, 8261, 8278),  # Kampen
    "1773": (19, 8121, 8131),  # Olst-Wijhe
    "0175": (19, 7731, 7739),  # Ommen
    "0177": (39, 8101, 8108),  # Raalte
    "0180": (17, 7951, 7958),  # Staphorst
    "1708": (45, 8331, 8381),  # Steenwijkerland
    "1896": (23, 8061, 8066),  # Zwartewaterland
    "0193": (132, 8011, 8047),  # Zwolle
}

ACHTERNAMEN = (
    "Testmans", "Jansma-Proef", "Voorbeeldinga", "Fictiefsma", "Proefstra", "Nepveld",
    "Dummering", "Bedachtink", "Verzinsma", "Schijnhuis", "Probeerdink", "Modelhof",
    "Oefenkamp", "Steekproefs", "Testerink", "Synthenbroek",
)
VOORVOEGSELS = ("van", "de", "van der", "ter", "van den")
STRATEN = (
    "Proefstraat", "Testlaan", "Voorbeeldweg", "Fictiefpad", "Oefenhof", "Nepsingel",
    "Dummyplein", "Synthesekade", "Steekproefstraat", "Modelweg",
)
POSTCODE_LETTERS = "ABCDEGHJKLMNPRTVWXZ"
AANBIEDER_SOORTEN = ("Jeugdzorg", "Stichting", "Kindpraktijk", "Gezinshuis", "Zorggroep")
AANBIEDER_NAMEN = (
    "Testhaven", "Proefveld", "De Voorbeeldhoeve", "Fictiefdal", "Oefenoord", "Nepzand",
    "Modelmaten", "Steekproefhof", "Synthenhorst", "Dummystede", "Probeerbos", "Bedachtkamp",
)
#: COD327 referrers of a JW315 (not jeugdbescherming/-reclassering): type, weight, name prefix.
VERWIJZERS = (
    ("02", 60, "Huisartsenpraktijk"),
    ("03", 15, "Jeugdarts GGD"),
    ("04", 10, "Gecertificeerde Instelling"),
    ("05", 15, "Kinderarts Ziekenhuis"),
)
#: Providers with ``index % 12 == GI_INDEX`` are gecertificeerde instellingen (only 47 and 48).
GI_INDEX = 2
GI_CATEGORIEEN = ("47", "48")


@dataclass(frozen=True)
class Aanbieder:
    agb: str
    naam: str
    producten: tuple[Product, ...]
    #: Relative share of the clients (the first providers of a region are the largest).
    gewicht: float


@dataclass(frozen=True)
class Gemeente:
    code: str
    #: Relative size (inhabitants, thousands).
    gewicht: int
    postcode_laag: int
    postcode_hoog: int
    plaats: str


@dataclass(frozen=True)
class Regio:
    naam: str
    gemeenten: tuple[Gemeente, ...]
    aanbieders: tuple[Aanbieder, ...]
    clients: int
    #: Exactly ``REGIO_VORMEN`` (shuffled) instead of drawing each youth's forms by its weights.
    kalibratie: bool = False


@dataclass(slots=True)
class Client:
    bsn: str
    gemeente: Gemeente
    geboren: date
    geslacht: str
    achternaam: str
    voorvoegsel: str | None
    voorletters: str
    huisnummer: int
    postcode: str
    straat: str


@dataclass(slots=True)
class Toewijzing:
    gemeente: str
    agb: str
    bsn: str
    nummer: int
    #: The product declared; the JW301 names it fully (specifiek), only its category
    #: (aspecifiek) or not at all (generiek).
    product: Product
    toewijzingsdatum: date
    toewijzingstijd: str
    ingang: date
    eind: date | None
    #: Omvang; written only for a specifiek toewijzing, otherwise what the provider delivers.
    frequentie: str
    volume: int
    #: Contract tariff of ``product`` in the declared year (None for Eenheid 83).
    tarief: int | None = None
    soort: str = "specifiek"
    budget: int | None = None
    #: ReferentieAanbieder of the VOT/VOW it honours, until the JW301 carrying it is written.
    referentie: str | None = None
    reden_wijziging: str | None = None
    #: Begindatum of the first JW305 start.
    start: date | None = None
    #: Delivery intervals (begin, last day or None = until ``eind``/beyond the year).
    leveringen: list[tuple[date, date | None]] = field(default_factory=list)
    #: Σ IngediendBedrag of the debits declared against ``budget``.
    besteed: int = 0

    def periode_binnen(self, begin: date, eind: date) -> tuple[date, date] | None:
        """The part of ``begin..eind`` covered by this toewijzing, or None."""
        start = max(self.ingang, begin)
        stop = eind if self.eind is None else min(self.eind, eind)
        return (start, stop) if start <= stop else None

    def dagen_geleverd(self, begin: date, eind: date) -> int:
        """Days of ``begin..eind`` on which care was delivered (between starts and stops)."""
        dagen = 0
        for van, tot in self.leveringen:
            tot = eind if tot is None else min(tot, eind)
            if self.eind is not None:
                tot = min(tot, self.eind)
            dagen += max(0, (tot - max(van, begin)).days + 1)
        return dagen


@dataclass(slots=True)
class Prestatie:
    toewijzing: Toewijzing
    begin: date
    eind: date
    volume: int
    debet_credit: str = "D"
    #: For a credit: the ReferentieNummer of the debit it reverses.
    vorig: str | None = None
    #: Assigned when the line is put in a declaratie (or, for TR314, copied from an earlier one).
    referentie: str = ""
    #: ProductTarief on the line; the contract tariff unless deliberately deviating (0611).
    tarief: int | None = None
    #: Added to Bedrag to break TR346.
    afwijking: int = 0
    #: The rule this line was made to break (``VIOLATION_RULES``), if any.
    fout: str | None = None
    #: RetourCodes the JW325 rejects this line with (empty = approved unless the whole
    #: declaration is rejected).
    retour: tuple[str, ...] = ()

    @property
    def bedrag(self) -> int:
        return self.volume if self.tarief is None else self.volume * self.tarief + self.afwijking

    @property
    def signed(self) -> int:
        return self.bedrag if self.debet_credit == "D" else -self.bedrag

    def opnieuw(self) -> Prestatie:
        """The same line declared again (new ReferentieNummer, contract tariff)."""
        t = self.toewijzing
        return Prestatie(t, self.begin, self.eind, self.volume, self.debet_credit, self.vorig, tarief=t.tarief)


def _per_bericht() -> dict[str, int]:
    return dict.fromkeys(BERICHTEN, 0)


@dataclass
class SynthSummary:
    out_dir: Path
    scale: str = "custom"
    #: Youths (a youth = gemeente + BSN; see ``bsn_reused``).
    clients: int = 0
    gemeenten: int = 0
    #: Youths whose test BSN was already given to a youth of another gemeente.
    bsn_reused: int = 0
    #: Files written per message type.
    files: dict[str, int] = field(default_factory=_per_bericht)
    #: Records per message type: JW301 ToegewezenProduct, JW305 StartProduct, JW307
    #: StopProduct, JW315 AangevraagdProduct, JW317 Verzoek, JW319 Antwoord, JW323 Prestatie,
    #: JW325 returned (= rejected) Prestatie.
    records: dict[str, int] = field(default_factory=_per_bericht)
    credits: int = 0
    late_claims: int = 0
    #: Signed sum over all JW323 lines (D +, C −) in euro cents.
    ingediend_bedrag_cents: int = 0
    #: Signed sum of TotaalToegekendBedrag over the JW325 (0 for rejected declarations).
    toegekend_bedrag_cents: int = 0
    #: JW323 rejected as a whole by their JW325.
    declaraties_afgewezen: int = 0
    #: JW323 lines made to break a rule, per rule (see ``violations``).
    violations_by_rule: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VIOLATION_RULES, 0))
    year: int = 0
    profile: str = "steady"
    #: How often each case of a real region occurs (``GEVALLEN``).
    gevallen: Counter = field(default_factory=Counter)
    #: Approved net amount (TotaalToegekend of the lines, D + / C −) per (gemeente, categorie),
    #: per aanbieder and per month of the ProductPeriode (1-12), in euro cents.
    toegekend_per_categorie: Counter = field(default_factory=Counter)
    toegekend_per_aanbieder: Counter = field(default_factory=Counter)
    toegekend_per_maand: Counter = field(default_factory=Counter)
    #: Care delivered and declared per month of the year at the contract tariff (first debits
    #: only: no credits, corrections, re-declarations or deliberate tariff deviations), cents.
    geleverd_per_maand: Counter = field(default_factory=Counter)
    #: Value of the taakgericht care (never declared; delivered volume x contract tariff) per
    #: (gemeente, aanbieder, categorie) in the year: what the lump sums pay for, in euro cents.
    taakgericht_bedrag: Counter = field(default_factory=Counter)

    @property
    def files_jw301(self) -> int:
        return self.files["JW301"]

    @property
    def files_jw323(self) -> int:
        return self.files["JW323"]

    @property
    def toegewezen_producten(self) -> int:
        """ToegewezenProduct elements in all JW301 (a re-sent toewijzing counts again)."""
        return self.records["JW301"]

    @property
    def prestaties(self) -> int:
        """All JW323 Prestatie lines, credits included."""
        return self.records["JW323"]


@cache
def bsn_pool() -> tuple[str, ...]:
    """All BSNs in the official test range that pass the 11-proef (9 091 numbers)."""
    candidates = (str(n) for n in range(TEST_BSN_MIN, TEST_BSN_MAX + 1))
    return tuple(bsn for bsn in candidates if elfproef(bsn))


MAX_CLIENTS = 9_091  # len(bsn_pool()); checked in the tests


@cache
def aanbieder(index: int) -> Aanbieder:
    """Invented provider number ``index``; index % 12 == ``GI_INDEX`` is a GI."""
    rng = random.Random(index)
    if index % 12 == GI_INDEX:
        producten = tuple(p for p in CATALOGUS if p.categorie in GI_CATEGORIEEN)
        naam = f"Gecertificeerde Instelling {AANBIEDER_NAMEN[index % 12]}"
    else:
        overig = [i for i, p in enumerate(CATALOGUS) if p.categorie not in GI_CATEGORIEEN]
        gekozen = set(rng.sample(overig, rng.randint(5, 9)))
        producten = tuple(p for i, p in enumerate(CATALOGUS) if i in gekozen)
        naam = f"{AANBIEDER_SOORTEN[index % 5]} {AANBIEDER_NAMEN[index % 12]}"
    if index >= 12:
        naam += f" {index // 12 + 1}"
    return Aanbieder(f"9990{index + 1:04d}", naam, producten, 1 / (index % 12 + 1) ** 0.6)


def aanbieders(count: int, first: int = 0) -> list[Aanbieder]:
    """``count`` invented providers from index ``first``; an index always gives the same one."""
    return [aanbieder(i) for i in range(first, first + count)]


def ijsselland() -> tuple[Gemeente, ...]:
    return tuple(
        Gemeente(code, gewicht, laag, hoog, GEMEENTEN[code])
        for code, (gewicht, laag, hoog) in GEMEENTE_PROFIEL.items()
    )


def landelijke_gemeenten() -> list[tuple[Gemeente, ...]]:
    """The invented gemeenten of the other ``LANDELIJK_REGIOS - 1`` regions, 11 per region.

    Real-looking 4-digit codes (0001–1999), never one of the 11 IJsselland codes.
    """
    rng = random.Random("landelijke gemeenten")
    aantal = (LANDELIJK_REGIOS - 1) * GEMEENTEN_PER_REGIO
    vrij = [f"{n:04d}" for n in range(1, 2000) if f"{n:04d}" not in GEMEENTE_PROFIEL]
    codes = rng.sample(vrij, aantal)
    regios = []
    for r in range(LANDELIJK_REGIOS - 1):
        gemeenten = []
        for code in sorted(codes[r * GEMEENTEN_PER_REGIO:(r + 1) * GEMEENTEN_PER_REGIO]):
            laag = rng.randint(1000, 9950)
            hoog = laag + rng.randint(2, 40)
            gemeenten.append(Gemeente(code, rng.randint(10, 140), laag, hoog, f"Proefgemeente {code}"))
        regios.append(tuple(gemeenten))
    return regios


def tarief(product: Product, jaar: int) -> int | None:
    """Contract tariff of ``product`` in ``jaar``: ``CATALOGUS`` in ``TARIEF_BASISJAAR``, indexed
    by ``INDEXATIE_PROMILLE`` on every 1 January (rounded to a cent each year)."""
    bedrag = product.tarief
    if bedrag is None:
        return None
    for _ in range(TARIEF_BASISJAAR, jaar):
        bedrag = round(bedrag * (1000 + INDEXATIE_PROMILLE) / 1000)
    for _ in range(jaar, TARIEF_BASISJAAR):
        bedrag = round(bedrag * 1000 / (1000 + INDEXATIE_PROMILLE))
    return bedrag


def standaard_jaar(vandaag: date | None = None) -> int:
    """The last year whose whole traffic (up to ``MAX_DAGEN_NA_JAAR`` after 31 December) lies
    before ``vandaag``: a synthetic year that has no date in the future (TR135)."""
    vandaag = vandaag or date.today()
    jaar = vandaag.year - 1
    while date(jaar, 12, 31) + timedelta(days=MAX_DAGEN_NA_JAAR) >= vandaag:
        jaar -= 1
    return jaar


def generate(
    out_dir: Path | None,
    *,
    seed: int = 2025,
    year: int | None = None,
    clients: int | None = None,
    providers: int = 12,
    scale: str = "custom",
    violations: float = 0.0,
    profile: str = "steady",
) -> SynthSummary:
    """Write one year of iJw traffic into ``out_dir`` (created if missing); see the module doc.

    ``year`` defaults to :func:`standaard_jaar` (the last complete year); ``clients`` (default
    2 000) only with ``scale="custom"``; ``providers`` is per region; ``profile`` one of
    ``PROFIELEN``. ``out_dir=None`` writes nothing and only fills the summary (see
    :func:`simuleer`).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    if profile not in PROFIELEN:
        raise ValueError(f"profile must be one of {', '.join(PROFIELEN)}")
    year = standaard_jaar() if year is None else year
    pool = bsn_pool()
    if scale == "custom":
        clients = 2000 if clients is None else clients
        if not 1 <= clients <= len(pool):
            raise ValueError(
                f"clients must be 1..{len(pool)}: the BSN test range holds only {len(pool)} "
                f"numbers that pass the 11-proef (use scale='region' for more)"
            )
    elif clients is not None:
        raise ValueError(f"scale={scale!r} sets the number of clients itself; do not pass clients")
    regios_aantal = LANDELIJK_REGIOS if scale == "national" else 1
    # region r gets the providers from index r * stride, so every region has its own GI
    stride = -(-providers // 12) * 12
    if not 1 <= providers or (regios_aantal - 1) * stride + providers > 9_999:
        raise ValueError("providers must be 1..9999 in total")
    if year < 2022:
        raise ValueError("year must be 2022 or later (iJw periods start on or after 2021-01-01)")
    if not 0.0 <= violations <= 1.0:
        raise ValueError("violations must be a share between 0 and 1")

    kalibratie = scale != "custom"
    per_regio = sum(REGIO_VORMEN.values()) if kalibratie else clients
    regios = [Regio("IJsselland", ijsselland(), tuple(aanbieders(providers)), per_regio, kalibratie)]
    if scale == "national":
        for r, gemeenten in enumerate(landelijke_gemeenten(), start=1):
            regios.append(Regio(f"Proefregio {r}", gemeenten,
                                tuple(aanbieders(providers, r * stride)), per_regio, kalibratie))

    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
    summary = SynthSummary(out_dir=out_dir, scale=scale, year=year, profile=profile)
    generator = _Generator(out_dir, random.Random(seed), year, violations, summary, profile)
    perm = generator.rng.sample(pool, len(pool))
    offset = 0
    for regio in regios:
        offset = generator.regio(regio, perm, offset)
    return summary


def simuleer(**kwargs) -> SynthSummary:
    """The summary :func:`generate` would give with these arguments, without writing files
    (the generator's own spend per categorie, aanbieder and month; used by the demo contract)."""
    return generate(None, **kwargs)


# --------------------------------------------------------------------------- generator


@dataclass
class _Plan:
    """Per region: the form combinations and, per form, the providers and products."""

    combinaties: list[tuple[str, ...]]
    combinatie_cw: list[int]
    aanbieders: tuple[Aanbieder, ...]
    aanbieder_cw: list[float]
    #: form -> (providers offering it, cumulative weights)
    per_vorm: dict[str, tuple[list[Aanbieder], list[float]]]
    #: (agb, form) -> (products, cumulative weights)
    producten: dict[tuple[str, str], tuple[list[Product], list[int]]]

    @classmethod
    def maak(cls, providers: tuple[Aanbieder, ...]) -> _Plan:
        per_vorm, producten = {}, {}
        for vorm, categorieen in VORM_CATEGORIEEN.items():
            kandidaten = []
            for a in providers:
                eigen = [p for p in a.producten if p.categorie in categorieen]
                if eigen:
                    kandidaten.append(a)
                    producten[a.agb, vorm] = (eigen, list(accumulate(p.gewicht for p in eigen)))
            if kandidaten:
                per_vorm[vorm] = (kandidaten, list(accumulate(a.gewicht for a in kandidaten)))
        return cls(
            list(REGIO_VORMEN), list(accumulate(REGIO_VORMEN.values())), providers,
            list(accumulate(a.gewicht for a in providers)), per_vorm, producten,
        )


@dataclass(slots=True)
class _Stop:
    """A JW307 StopProduct (or a JW305 StartProduct when ``reden`` is None) to be written."""

    dagtekening: date
    begin: date
    status: str
    reden: str | None = None
    einde: date | None = None


class _Generator:
    def __init__(self, out_dir: Path | None, rng: random.Random, year: int, violations: float,
                 summary: SynthSummary, profile: str = "steady"):
        self.out_dir = out_dir
        self.rng = rng
        self.year = year
        self.yy = f"{year % 100:02d}"
        self.jaar_begin = date(year, 1, 1)
        self.jaar_eind = date(year, 12, 31)
        self.violations = violations
        self.summary = summary
        self.profile = profile
        #: growth: inflow (and so case load) grows exponentially, GROEI from mid-January to mid-December
        self.groei = log(1 + GROEI) / 334 if profile == "growth" else 0.0
        self.tarieven = {p.code: tarief(p, year) for p in CATALOGUS}
        self.bericht_nummer: dict[tuple[str, str], int] = defaultdict(int)
        self.referentie_aanbieder: dict[str, int] = defaultdict(int)  # per agb: VOT/VOW
        self.referentie_nummer: dict[str, int] = defaultdict(int)  # per agb: JW323 lines
        #: per (agb, gemeente): ReferentieNummers of recent approved debits never credited (TR314).
        self.tr314_bron: dict[tuple[str, str], deque[str]] = defaultdict(lambda: deque(maxlen=64))
        self.gezien: set[str] = set()
        self.volgnummer = 0

    # ------------------------------------------------------------------ helpers

    def _id(self, bericht: str, prefix: str, afzender: str) -> str:
        key = (bericht, afzender)
        self.bericht_nummer[key] += 1
        return f"{prefix}{self.yy}{self.bericht_nummer[key]:07d}"

    def _referentie(self, soort: str, agb: str) -> str:
        self.referentie_aanbieder[agb] += 1
        return f"{soort}{self.yy}{self.referentie_aanbieder[agb]:08d}"

    def _toewijzing_nummer(self) -> int:
        self.volgnummer += 1
        return (self.year % 100) * 10_000_000 + self.volgnummer

    def _write(self, bericht: str, name: str, parts: list[str], records: int) -> None:
        if self.out_dir is not None:
            (self.out_dir / name).write_bytes("\n".join(parts).encode("utf-8"))
        self.summary.files[bericht] += 1
        self.summary.records[bericht] += records

    def _dagen(self, a: int, b: int) -> timedelta:
        return timedelta(days=self.rng.randint(a, b))

    def _ingang(self, looptijd: int) -> date:
        """Ingangsdatum of a traject whose care lasts at most ``looptijd`` days, given that it
        runs in the year: uniform over the days from ``looptijd`` before 1 January to 31
        December (steady state: as many trajecten run on every day of the year), or with a
        density growing by ``self.groei`` per day (growth)."""
        dagen = looptijd + (self.jaar_eind - self.jaar_begin).days + 1
        if not self.groei:
            offset = self.rng.randrange(dagen)
        else:
            g = self.groei
            offset = min(dagen - 1, int(log1p(self.rng.random() * expm1(g * dagen)) / g))
        return self.jaar_begin - timedelta(days=looptijd) + timedelta(days=offset)

    # ------------------------------------------------------------------ clients and trajecten

    def regio(self, regio: Regio, perm: list[str], offset: int) -> int:
        """Generate all youths of ``regio``; BSNs are taken cyclically from ``perm``."""
        rng = self.rng
        plan = _Plan.maak(regio.aanbieders)
        cw = list(accumulate(g.gewicht for g in regio.gemeenten))
        keuze = rng.choices(range(len(regio.gemeenten)), cum_weights=cw, k=regio.clients)
        aantallen = Counter(keuze)
        if regio.kalibratie:
            vormen = [combinatie for combinatie, n in REGIO_VORMEN.items() for _ in range(n)]
            rng.shuffle(vormen)
        else:
            vormen = rng.choices(plan.combinaties, cum_weights=plan.combinatie_cw, k=regio.clients)
        per_youth = iter(vormen)
        for i, gemeente in enumerate(regio.gemeenten):
            n = aantallen[i]
            if n == 0:
                continue
            if n > len(perm):
                raise ValueError(f"gemeente {gemeente.code} would need {n} BSNs; only {len(perm)}")
            bsns = [perm[(offset + k) % len(perm)] for k in range(n)]
            offset += n
            self._gemeente(gemeente, bsns, [next(per_youth) for _ in range(n)], plan)
        return offset

    def _gemeente(self, gemeente: Gemeente, bsns: list[str], vormen: list[tuple[str, ...]],
                  plan: _Plan) -> None:
        self.summary.gemeenten += 1
        self.volgnummer = 0
        groepen: dict[str, list[Toewijzing]] = defaultdict(list)
        for bsn, combinatie in zip(bsns, vormen):
            self.summary.clients += 1
            if bsn in self.gezien:
                self.summary.bsn_reused += 1
            else:
                self.gezien.add(bsn)
            client = self._client(bsn, gemeente)
            for aanbieder_, producten, vow in self._trajecten(plan, combinatie):
                groepen[aanbieder_.agb] += self._traject(client, aanbieder_, producten, vow)
        for agb in sorted(groepen):
            self._declareren(gemeente.code, agb, groepen[agb])

    def _client(self, bsn: str, gemeente: Gemeente) -> Client:
        rng = self.rng
        # born 4-18 years before the year: before the earliest message of a running traject
        geboren = date(self.year - 18, 1, 1) + timedelta(days=rng.randrange(14 * 365))
        voorvoegsel = rng.choice(VOORVOEGSELS) if rng.random() < 0.2 else None
        postcode = rng.randint(gemeente.postcode_laag, gemeente.postcode_hoog)
        return Client(
            bsn=bsn,
            gemeente=gemeente,
            geboren=geboren,
            geslacht=rng.choice("12"),
            achternaam=rng.choice(ACHTERNAMEN),
            voorvoegsel=voorvoegsel,
            voorletters="".join(rng.choices("ABCDEFGHIJKLMNOPRSTW", k=rng.randint(1, 3))),
            huisnummer=rng.randint(1, 199),
            postcode=f"{postcode}{''.join(rng.choices(POSTCODE_LETTERS, k=2))}",
            straat=rng.choice(STRATEN),
        )

    def _trajecten(self, plan: _Plan, vormen: tuple[str, ...]) -> list[tuple[Aanbieder, list[Product], bool]]:
        """Forms -> providers and products, grouped per provider; the first may get a VOW."""
        rng = self.rng
        per_aanbieder: dict[str, tuple[Aanbieder, list[Product]]] = {}
        for vorm in vormen:
            if vorm not in plan.per_vorm:  # no provider of this region offers it
                vorm = "zonder_verblijf"
                if vorm not in plan.per_vorm:
                    continue
            kandidaten, cw = plan.per_vorm[vorm]
            gekozen = rng.choices(kandidaten, cum_weights=cw)[0]
            producten, pcw = plan.producten[gekozen.agb, vorm]
            eerste = rng.choices(producten, cum_weights=pcw)[0]
            lijst = per_aanbieder.setdefault(gekozen.agb, (gekozen, []))[1]
            if eerste not in lijst:
                lijst.append(eerste)
            if vorm == "zonder_verblijf" and len(producten) > 1 and rng.random() < TWO_PRODUCTS_SHARE:
                tweede = eerste
                while tweede is eerste:
                    tweede = rng.choices(producten, cum_weights=pcw)[0]
                if tweede not in lijst:
                    lijst.append(tweede)
        if not per_aanbieder:  # only GIs and no youth protection: any product of any provider
            gekozen = rng.choices(plan.aanbieders, cum_weights=plan.aanbieder_cw)[0]
            eigen = gekozen.producten
            per_aanbieder[gekozen.agb] = (gekozen, [rng.choices(eigen, [p.gewicht for p in eigen])[0]])
        vow = rng.random() < VOW_SHARE
        return [(a, ps, vow and i == 0) for i, (a, ps) in enumerate(per_aanbieder.values())]

    def _soort(self, product: Product, producten: list[Product]) -> tuple[str, bool]:
        """(specifiek | aspecifiek | generiek, with Budget) of the toewijzing of ``product``.

        Generic only for a one-product traject of jeugdhulp zonder verblijf, aspecific only when
        no other product of the
        traject has its category (TR302: no stacking at the level the toewijzing names).
        """
        rng = self.rng
        if product.variant == "taakgericht" or product.eenheid == "83":
            return "specifiek", False
        if (len(producten) == 1 and product.categorie in VORM_CATEGORIEEN["zonder_verblijf"]
                and rng.random() < GENERIEK_SHARE):
            return "generiek", True
        if (product.categorie in ASPECIFIEK_CATEGORIEEN
                and sum(p.categorie == product.categorie for p in producten) == 1
                and rng.random() < ASPECIFIEK_SHARE):
            return "aspecifiek", rng.random() < ASPECIFIEK_BUDGET_SHARE
        return "specifiek", False

    def _budget(self, t: Toewijzing) -> int:
        """``BUDGET_MARGE`` x the cost of the Omvang over the whole toewijzing (cents)."""
        dagen = (t.eind - t.ingang).days + 1
        if t.frequentie == "2":
            volume = t.volume * dagen / 7
        elif t.frequentie == "4":
            volume = t.volume * dagen * 12 / 365
        else:
            volume = t.volume
        return min(99_999_999, round(volume * (t.tarief or 1) * BUDGET_MARGE))

    def _traject(self, client: Client, aanbieder_: Aanbieder, producten: list[Product],
                 vow: bool) -> list[Toewijzing]:
        """One client at one provider: VOT, toewijzingen, VOW, starts and stops."""
        rng = self.rng
        specs = []
        for product in producten:
            frequentie, laag, hoog = rng.choice(product.omvang)
            soort, budget = self._soort(product, producten)
            open_eind = frequentie == "4" and not budget and rng.random() < OPEN_SHARE
            maanden = rng.randint(*(OPEN_LOOPTIJD if open_eind else product.looptijd))
            specs.append((product, frequentie, rng.randint(laag, hoog), maanden, open_eind, soort, budget))
        # the care of the traject lasts at most this long: its start is drawn so that it runs in the year
        looptijd = max(round(m * 30.44) for _, _, _, m, _, _, _ in specs)
        ingang = self._ingang(looptijd)
        toewijzingsdatum = ingang - self._dagen(0, 21)
        tijd = _tijd(rng)
        toewijzingen, zorg_eind = [], {}
        for product, frequentie, volume, maanden, open_eind, soort, budget in specs:
            t = Toewijzing(
                gemeente=client.gemeente.code, agb=aanbieder_.agb, bsn=client.bsn,
                nummer=self._toewijzing_nummer(), product=product, toewijzingsdatum=toewijzingsdatum,
                toewijzingstijd=tijd, ingang=ingang,
                eind=None if open_eind else _plus_maanden(ingang, maanden),
                frequentie=frequentie, volume=volume, tarief=self.tarieven[product.code], soort=soort,
            )
            if budget:
                t.budget = self._budget(t)
            zorg_eind[t.nummer] = _plus_maanden(ingang, maanden) if open_eind else None
            toewijzingen.append(t)
            self._tel_toewijzing(t)
        if rng.random() < VOT_SHARE and all(t.soort == "specifiek" for t in toewijzingen):
            self._vot(client, aanbieder_.agb, toewijzingen)
        verwijderd = None
        if rng.random() < TOEWIJZING_DELETED_SHARE and all(t.soort == "specifiek" for t in toewijzingen):
            verwijderd = self._vergissing(client, aanbieder_, toewijzingen)
        self._write_jw301(client, aanbieder_.agb, toewijzingen + ([verwijderd] if verwijderd else []),
                          toewijzingsdatum)
        if verwijderd is not None:  # deleted a few days later: Einddatum = Ingangsdatum, reden 13
            dag = toewijzingsdatum + self._dagen(1, 5)
            verwijderd.eind, verwijderd.reden_wijziging = verwijderd.ingang, "13"
            verwijderd.toewijzingsdatum, verwijderd.toewijzingstijd = dag, _tijd(rng)
            self._write_jw301(client, aanbieder_.agb, toewijzingen + [verwijderd], dag)
            self.summary.gevallen["toewijzing_verwijderd"] += 1

        wacht = _wachttijd(rng)
        samen = rng.random() < SAME_START_SHARE
        for t in toewijzingen:
            dagen = wacht if samen else _wachttijd(rng)
            # may lie after the year: that care has not started yet (no JW305, nothing declared)
            t.start = min(t.ingang + timedelta(days=dagen), t.eind or date.max)

        alle = list(toewijzingen)
        # not when an open-ended toewijzing is ended in the year (its JW301 could precede the VOW's)
        if vow and all(zorg_eind[t.nummer] is None or zorg_eind[t.nummer] > self.jaar_eind for t in toewijzingen):
            nieuw = self._vow(client, aanbieder_.agb, toewijzingen)
            if nieuw is not None:
                alle.append(nieuw)
                oud = next(t for t in toewijzingen if t.reden_wijziging == "12")
                zorg_eind[nieuw.nummer] = zorg_eind[oud.nummer]
        self._starts_en_stops(client, aanbieder_.agb, alle, zorg_eind)
        return alle

    def _tel_toewijzing(self, t: Toewijzing) -> None:
        gevallen = self.summary.gevallen
        gevallen[t.product.variant] += 1
        if t.eind is None:
            gevallen["open"] += 1
        if t.soort != "specifiek":
            gevallen[t.soort + ("_budget" if t.budget and t.soort == "aspecifiek" else "")] += 1

    def _vergissing(self, client: Client, aanbieder_: Aanbieder, toewijzingen: list[Toewijzing]) -> Toewijzing | None:
        """A toewijzing of another product of the provider, sent by mistake (then deleted)."""
        rng = self.rng
        codes = {t.product.code for t in toewijzingen}
        kandidaten = [p for p in aanbieder_.producten if p.code not in codes]
        if not kandidaten:
            return None
        product = rng.choice(kandidaten)
        eerste = toewijzingen[0]
        frequentie, laag, hoog = product.omvang[0]
        return Toewijzing(
            gemeente=eerste.gemeente, agb=eerste.agb, bsn=eerste.bsn, nummer=self._toewijzing_nummer(),
            product=product, toewijzingsdatum=eerste.toewijzingsdatum, toewijzingstijd=eerste.toewijzingstijd,
            ingang=eerste.ingang, eind=_plus_maanden(eerste.ingang, product.looptijd[0]),
            frequentie=frequentie, volume=rng.randint(laag, hoog), tarief=self.tarieven[product.code],
        )

    # ------------------------------------------------------------------ VOT / VOW / JW319

    def _vot(self, client: Client, agb: str, toewijzingen: list[Toewijzing]) -> None:
        rng = self.rng
        toewijzingsdatum = toewijzingen[0].toewijzingsdatum
        dag = toewijzingsdatum - self._dagen(3, 35)
        verwijzer = self._verwijzer(toewijzingen)
        if rng.random() < VOT_REJECTED_SHARE:
            eerder = dag - self._dagen(14, 60)
            refs = [self._referentie("VOT", agb) for _ in toewijzingen]
            self._write_jw315(client, agb, eerder, toewijzingen, refs, verwijzer)
            antwoord = eerder + self._dagen(2, 10)
            reden = rng.choice(REDENEN_AFWIJZING)
            for ref in refs:
                self._write_jw319(client.gemeente.code, agb, antwoord, ref, "1", reden)
        refs = [self._referentie("VOT", agb) for _ in toewijzingen]
        self._write_jw315(client, agb, dag, toewijzingen, refs, verwijzer)
        for t, ref in zip(toewijzingen, refs):
            t.referentie = ref
        if rng.random() < VOT_INVESTIGATION_SHARE:
            ruimte = (toewijzingsdatum - dag).days - 1
            onderzoek = dag + self._dagen(1, min(5, ruimte))
            for ref in refs:
                self._write_jw319(client.gemeente.code, agb, onderzoek, ref, "2", None)

    def _verwijzer(self, toewijzingen: list[Toewijzing]) -> tuple[str, str | None, str | None]:
        """(Type, Naam, ZorgverlenerCode) of the referrer."""
        rng = self.rng
        if any(t.product.categorie in GI_CATEGORIEEN for t in toewijzingen):
            return "08", None, None  # rechter / officier van justitie
        soort, _, naam = rng.choices(VERWIJZERS, [w for _, w, _ in VERWIJZERS])[0]
        if rng.random() < 0.7:
            return soort, None, f"9998{rng.randint(1, 9999):04d}"
        return soort, f"{naam} {rng.choice(AANBIEDER_NAMEN)}", None

    def _vow(self, client: Client, agb: str, toewijzingen: list[Toewijzing]) -> Toewijzing | None:
        """A JW317 raising the Omvang of one toewijzing; the new toewijzing when honoured."""
        rng = self.rng
        kandidaten = [t for t in toewijzingen if t.frequentie != "6" and t.soort == "specifiek"]
        if not kandidaten:
            return None
        t = rng.choice(kandidaten)
        vroegst = max(max(x.start for x in toewijzingen) + timedelta(days=14), self.jaar_begin)
        laatst = min((t.eind or self.jaar_eind) - timedelta(days=50), date(self.year, 11, 1))
        if vroegst > laatst:
            return None
        dag = vroegst + timedelta(days=rng.randrange((laatst - vroegst).days + 1))
        gewenst = dag + self._dagen(7, 21)
        lopend = [x for x in toewijzingen if x.eind is None or x.eind >= dag]
        volume = max(t.volume + 1, round(t.volume * rng.uniform(1.25, 1.75)))
        ref = self._referentie("VOW", agb)
        self._write_jw317(client, agb, dag, ref, rng.choice("12"), lopend, t, gewenst, volume)
        antwoord = dag + self._dagen(2, 5)
        if rng.random() >= VOW_HONOURED_SHARE:
            self._write_jw319(client.gemeente.code, agb, antwoord, ref, "1", rng.choice(REDENEN_AFWIJZING))
            return None
        tijd = _tijd(rng)
        nieuw = Toewijzing(
            gemeente=t.gemeente, agb=agb, bsn=t.bsn, nummer=self._toewijzing_nummer(),
            product=t.product, toewijzingsdatum=antwoord, toewijzingstijd=tijd, ingang=gewenst,
            eind=t.eind, frequentie=t.frequentie, volume=volume, tarief=t.tarief, referentie=ref,
        )
        self._tel_toewijzing(nieuw)
        nieuw.start = min(gewenst + self._dagen(0, 3), nieuw.eind or self.jaar_eind, self.jaar_eind)
        t.eind = gewenst - timedelta(days=1)
        t.toewijzingsdatum, t.toewijzingstijd, t.reden_wijziging = antwoord, tijd, "12"
        huidig = [x for x in toewijzingen if x.eind is None or x.eind >= antwoord]
        self._write_jw301(client, agb, sorted(huidig + [nieuw], key=lambda x: x.nummer), antwoord)
        return nieuw

    # ------------------------------------------------------------------ JW305 / JW307

    def _levering(self, t: Toewijzing, start_dag: date, zorg_eind: date | None) -> list[_Stop]:
        """The starts after the first one and the stops of ``t``, in order; sets ``t.leveringen``.

        The care ends on the Einddatum of the toewijzing (60 %), earlier (40 %: RedenBeeindiging
        32–39), or for an open-ended toewijzing on ``zorg_eind``; a stop is written only when
        the care ends in or before the year. It may be interrupted by a temporary stop (20),
        after which it resumes with a new start (``RESTART_SHARE``) or ends; a stop may be sent
        by mistake and deleted (StatusAanlevering 3). Nothing is dated before the start's
        Dagtekening ``start_dag``.
        """
        rng = self.rng
        begin = t.start
        if t.reden_wijziging == "12":  # shortened for an honoured VOW
            t.leveringen = [(begin, t.eind)]
            return [_Stop(self._na(t.eind, start_dag), begin, "1", "37", t.eind)]
        if zorg_eind is not None:
            reden, einde = "31", max(zorg_eind, begin)
        else:
            kans = rng.random()
            if kans < 0.60:
                reden, einde = "31", t.eind
            else:
                reden = rng.choice(REDENEN_VOORTIJDIG if kans < 0.85 else REDENEN_OVERIG)
                einde = begin + timedelta(days=rng.randrange((t.eind - begin).days + 1))
        gebeurtenissen: list[_Stop] = []
        leveringen = []
        laatste_dag = start_dag  # Dagtekening of the last message so far
        # the part of the care in which a pause or a mistaken stop can happen (written up to the year end)
        hoogst = min(einde, self.jaar_eind)
        if rng.random() < STOP_DELETED_SHARE and (hoogst - begin).days > 20:
            fout = begin + timedelta(days=rng.randrange((hoogst - begin).days - 15))
            fout_dag = self._na(fout, laatste_dag)
            intrekken = fout_dag + self._dagen(2, 10)
            if intrekken <= hoogst:
                gebeurtenissen += [_Stop(fout_dag, begin, "1", "31", fout), _Stop(intrekken, begin, "3", "31", fout)]
                laatste_dag = intrekken
                self.summary.gevallen["stop_verwijderd"] += 1
        if rng.random() < TEMPORARY_STOP_SHARE and laatste_dag <= hoogst:
            pauze = max(begin, laatste_dag) + timedelta(days=rng.randrange(max(1, (hoogst - laatste_dag).days + 1)))
            pauze = min(pauze, hoogst)
            pauze_dag = self._na(pauze, laatste_dag)
            gebeurtenissen.append(_Stop(pauze_dag, begin, "1", "20", pauze))
            self.summary.gevallen["tijdelijke_stop"] += 1
            laatste_dag = pauze_dag
            leveringen.append((begin, pauze))
            herstart = pauze + self._dagen(7, 60)
            if rng.random() < RESTART_SHARE and herstart + timedelta(days=7) < einde and herstart <= self.jaar_eind:
                herstart_dag = self._na(herstart, laatste_dag)
                gebeurtenissen.append(_Stop(herstart_dag, herstart, "1"))
                self.summary.gevallen["herstart"] += 1
                laatste_dag = herstart_dag
                begin = herstart
            else:
                begin = None  # the care ended at the temporary stop
        if begin is not None:
            leveringen.append((begin, einde if einde <= self.jaar_eind else None))
        t.leveringen = leveringen
        if einde <= self.jaar_eind:
            gebeurtenissen.append(_Stop(self._na(einde, laatste_dag), begin or t.start, "1",
                                        reden, einde))
        return gebeurtenissen

    def _na(self, datum: date, vorige: date) -> date:
        """Dagtekening of a start/stop of ``datum``: 0–5 days later, after the ``vorige`` message."""
        return max(datum + self._dagen(0, 5), vorige + timedelta(days=1))

    def _starts_en_stops(self, client: Client, agb: str, toewijzingen: list[Toewijzing],
                         zorg_eind: dict[int, date | None]) -> None:
        rng = self.rng
        gestart = [t for t in toewijzingen if t.start <= self.jaar_eind]  # the others start next year
        start_dag = {}  # Begindatum -> Dagtekening of the JW305 of the starts on that day
        for t in gestart:
            if t.start not in start_dag:
                start_dag[t.start] = t.start + self._dagen(0, 5)
        samen: dict[date, list[Toewijzing]] = defaultdict(list)
        beeindigen: list[tuple[date, int, _Stop, Toewijzing]] = []
        for t in gestart:
            gebeurtenissen = self._levering(t, start_dag[t.start], zorg_eind[t.nummer])
            stops = [g for g in gebeurtenissen if g.reden is not None]
            for g in gebeurtenissen:
                if g.reden is None:
                    self._write_jw305(client, agb, g.dagtekening, [(t, g.begin, g.status)])
                else:
                    self._write_jw307(client, agb, g.dagtekening, t, g)
            if t.eind is None and stops and stops[-1].reden != "20" and stops[-1].status == "1":
                # the gemeente ends the open toewijzing a few days after the definitive stop
                beeindigen.append((stops[-1].dagtekening + self._dagen(1, 10), t.nummer, stops[-1], t))
            correctie = None
            if rng.random() < START_CORRECTION_SHARE:
                fout = t.start + timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 7))
                fout_dag = fout + self._dagen(0, 5)
                intrekken = fout_dag + self._dagen(2, 10)
                opnieuw = max(intrekken + self._dagen(0, 1), t.start)
                hoogst = min(t.eind or self.jaar_eind, self.jaar_eind)
                if t.ingang <= fout <= hoogst and all(opnieuw < g.dagtekening for g in gebeurtenissen):
                    correctie = (fout, fout_dag, intrekken, opnieuw)
            if correctie is None:
                samen[t.start].append(t)
                continue
            fout, fout_dag, intrekken, opnieuw = correctie
            self._write_jw305(client, agb, fout_dag, [(t, fout, "1")])
            self._write_jw305(client, agb, intrekken, [(t, fout, "3")])
            self._write_jw305(client, agb, opnieuw, [(t, t.start, "1")])
            self.summary.gevallen["start_verwijderd"] += 1
        for start, groep in samen.items():
            self._write_jw305(client, agb, start_dag[start], [(t, start, "1") for t in groep])
        # in date order, so that each JW301 re-sends the other toewijzingen as they were then
        for dag, _, stop, t in sorted(beeindigen, key=lambda x: x[:2]):
            self._beeindig(client, agb, t, toewijzingen, stop, dag)

    def _beeindig(self, client: Client, agb: str, t: Toewijzing, toewijzingen: list[Toewijzing],
                  stop: _Stop, dag: date) -> None:
        """A JW301 of ``dag`` giving the open-ended ``t`` the Einddatum of its definitive ``stop``."""
        t.eind = stop.einde
        t.toewijzingsdatum, t.toewijzingstijd = dag, _tijd(self.rng)
        t.reden_wijziging = REDEN_WIJZIGING_NA_STOP.get(stop.reden, "05")
        huidig = [x for x in toewijzingen if x is t or x.eind is None or x.eind >= dag]
        self._write_jw301(client, agb, sorted(huidig, key=lambda x: x.nummer), dag)
        self.summary.gevallen["toewijzing_beeindigd"] += 1

    # ------------------------------------------------------------------ declaraties

    def _volume(self, t: Toewijzing, begin: date, eind: date, dagen: int, maand: int) -> int:
        """Delivered volume of ``dagen`` days of care in ``begin..eind`` (one month)."""
        volume = _geleverd_volume(self.rng, t, begin, eind, dagen)
        if self.profile == "seasonal" and t.product.eenheid in ZOMERDIP_EENHEDEN:
            volume = max(1, round(volume * ZOMERDIP.get(maand, 1.0)))
        return volume

    def _declareren(self, gemeente: str, agb: str, toewijzingen: list[Toewijzing]) -> None:
        """Monthly JW323 + JW325 of one provider for one gemeente (taakgericht care: none)."""
        rng, year, summary = self.rng, self.year, self.summary
        # the provider's habit: how many days after the month it declares (every day occurs)
        gewoonte = rng.randint(*DECLARATIE_GEWOONTE)
        dag, antwoord = {}, {}
        for month in range(1, 13):
            maand_eind = date(year, month, calendar.monthrange(year, month)[1])
            dag[month] = maand_eind + timedelta(days=max(1, gewoonte + rng.randint(*DECLARATIE_SPREIDING)))
            antwoord[month] = dag[month] + self._dagen(*ANTWOORD_TERMIJN)

        def na_antwoord(month: int, maanden: int) -> int | None:
            """A month of the next ``maanden`` whose declaration is dated after ``month``'s JW325."""
            kandidaten = [m for m in range(month + 1, min(month + maanden, 12) + 1) if dag[m] > antwoord[month]]
            return rng.choice(kandidaten) if kandidaten else None

        later: dict[int, list[Prestatie]] = defaultdict(list)  # month -> lines declared then
        for month in range(1, 13):
            maand_begin = date(year, month, 1)
            maand_eind = date(year, month, calendar.monthrange(year, month)[1])
            regels = later.pop(month, [])
            for t in toewijzingen:
                periode = t.periode_binnen(maand_begin, maand_eind)
                dagen = t.dagen_geleverd(maand_begin, maand_eind) if periode else 0
                if not dagen:
                    continue
                volume = self._volume(t, *periode, dagen, month)
                if t.product.variant == "taakgericht":  # paid by a lump sum: its value, not declared
                    summary.taakgericht_bedrag[gemeente, agb, t.product.categorie] += volume * t.tarief
                    continue
                if t.budget is not None:  # stay within the Budget (TR369), also after a 0611 tariff
                    ruimte = (t.budget - t.besteed) // round((t.tarief or 1) * 1.16)
                    volume = min(volume, ruimte)
                    if volume < 1:
                        continue
                    t.besteed += volume * (t.tarief or 1)
                regel = Prestatie(t, *periode, volume, tarief=t.tarief)
                summary.geleverd_per_maand[month] += regel.bedrag
                if month < 12 and rng.random() < LATE_SHARE:
                    later[rng.randint(month + 1, min(month + 3, 12))].append(regel)
                    summary.late_claims += 1
                else:
                    regels.append(regel)
            if not regels:
                continue
            dagtekening = dag[month]
            regels.sort(key=lambda r: r.debet_credit == "D")  # credits first (stable)
            if self.violations:
                self._overtreden((agb, gemeente), regels, maand_eind, dagtekening)
            for regel in regels:
                if not regel.referentie:
                    self.referentie_nummer[agb] += 1
                    regel.referentie = f"R{year}{self.referentie_nummer[agb]:09d}"
            uitkomst = self._beoordelen(regels)
            geheel_afgewezen = uitkomst in ("header", "declaratie")
            for regel in regels:
                if regel.debet_credit != "D" or geheel_afgewezen or regel.retour:
                    continue
                doel = na_antwoord(month, 3) if rng.random() < CREDIT_SHARE else None
                if doel is not None:
                    correctie = _correctie(rng, regel)
                    later[doel] += correctie
                    summary.gevallen["credit_opnieuw" if len(correctie) > 1 else "credit"] += 1
                elif self.violations:
                    self.tr314_bron[agb, gemeente].append(regel.referentie)
            if geheel_afgewezen:
                doel = na_antwoord(month, 2)
                if doel is not None:
                    opnieuw = [r.opnieuw() for r in regels if r.fout is None]
                    later[doel] += opnieuw
                    summary.gevallen["afgewezen_opnieuw"] += sum(r.debet_credit == "D" for r in opnieuw)
            else:
                for regel in regels:
                    if regel.retour == ("0611",) and rng.random() < REDECLARE_SHARE:
                        doel = na_antwoord(month, 2)
                        if doel is not None:
                            later[doel].append(regel.opnieuw())
                            summary.gevallen["afgewezen_opnieuw"] += 1
            identificatie, totaal = self._write_jw323(agb, gemeente, maand_begin, maand_eind, dagtekening, regels)
            self._write_jw325(gemeente, agb, maand_begin, identificatie, dagtekening, antwoord[month], totaal,
                              regels, uitkomst)

    def _overtreden(self, bron_key: tuple[str, str], regels: list[Prestatie], maand_eind: date,
                    dagtekening: date) -> None:
        """Make a share ``violations`` of the debit lines break one rule (``VIOLATION_RULES``)."""
        rng = self.rng
        for regel in regels:
            if regel.debet_credit != "D" or rng.random() >= self.violations:
                continue
            t = regel.toewijzing
            volgende = t.periode_binnen(maand_eind + timedelta(days=1), dagtekening - timedelta(days=1))
            opties = [
                rule for rule, mogelijk in (
                    ("TR346", regel.tarief is not None),
                    ("TR319", volgende is not None),
                    ("TR314", bool(self.tr314_bron[bron_key])),
                ) if mogelijk
            ]
            if not opties:
                continue
            rule = rng.choice(opties)
            if rule == "TR346":
                regel.afwijking = regel.volume + 100
            elif rule == "TR319":
                regel.begin, regel.eind = volgende
                regel.volume = _geleverd_volume(rng, t, *volgende, (volgende[1] - volgende[0]).days + 1)
            else:
                bron = self.tr314_bron[bron_key]
                regel.referentie = bron[rng.randrange(len(bron))]
                bron.remove(regel.referentie)
            regel.fout = rule
            regel.retour = (VIOLATION_RULES[rule],)
            self.summary.violations_by_rule[rule] += 1

    def _beoordelen(self, regels: list[Prestatie]) -> str:
        """The JW325 verdict: 'header'/'declaratie' (rejected), 'deels' or 'volledig'."""
        rng = self.rng
        if rng.random() < DECLARATION_REJECTED_SHARE:
            return rng.choice(("header", "declaratie"))
        if rng.random() < DECLARATION_PARTIAL_SHARE:
            kandidaten = [r for r in regels if r.debet_credit == "D" and r.fout is None and r.tarief]
            if kandidaten:
                for regel in rng.sample(kandidaten, min(len(kandidaten), rng.randint(1, 3))):
                    regel.tarief = max(regel.tarief + 1, round(regel.tarief * rng.uniform(1.03, 1.15)))
                    regel.retour = ("0611",)
        return "deels" if any(r.retour for r in regels) else "volledig"

    # ------------------------------------------------------------------ XML writers

    def _write_jw301(self, client: Client, agb: str, toewijzingen: list[Toewijzing], dagtekening: date) -> None:
        gemeente = client.gemeente
        identificatie = self._id("JW301", "TW", gemeente.code)
        voorvoegsel = ""
        if client.voorvoegsel:
            voorvoegsel = f"\n        <ijw:Voorvoegsel>{client.voorvoegsel}</ijw:Voorvoegsel>"
        parts = [
            _header("jw301", "436", gemeente.code, agb, identificatie, dagtekening),
            "  <Client>",
            f"    <Bsn>{client.bsn}</Bsn>",
            f"    <Geboortedatum><ijw:Datum>{client.geboren.isoformat()}</ijw:Datum></Geboortedatum>",
            f"    <Geslacht>{client.geslacht}</Geslacht>",
            f"""    <Naam>
      <ijw:Geslachtsnaam>
        <ijw:Achternaam>{escape(client.achternaam)}</ijw:Achternaam>{voorvoegsel}
      </ijw:Geslachtsnaam>
      <ijw:Voorletters>{client.voorletters}</ijw:Voorletters>
      <ijw:NaamGebruik>1</ijw:NaamGebruik>
    </Naam>
    <Contactgegevens>
      <Contact>
        <Soort>01</Soort>
        <Adres>
          <ijw:Huis><ijw:Huisnummer>{client.huisnummer}</ijw:Huisnummer></ijw:Huis>
          <ijw:Postcode>{client.postcode}</ijw:Postcode>
          <ijw:Straatnaam>{escape(client.straat)}</ijw:Straatnaam>
          <ijw:Plaatsnaam>{escape(gemeente.plaats)}</ijw:Plaatsnaam>
          <ijw:LandCode>NL</ijw:LandCode>
        </Adres>
      </Contact>
    </Contactgegevens>
    <ToegewezenProducten>""",
        ]
        parts += (_toegewezen_product(t) for t in toewijzingen)
        parts += ["    </ToegewezenProducten>", "  </Client>", "</Bericht>", ""]
        self._write("JW301", f"JW301_{gemeente.code}_{agb}_{identificatie}.xml", parts, len(toewijzingen))
        for t in toewijzingen:
            t.referentie = None  # ReferentieAanbieder only the first time (TR379)

    def _write_jw305(self, client: Client, agb: str, dagtekening: date,
                     starts: list[tuple[Toewijzing, date, str]]) -> None:
        gemeente = client.gemeente.code
        identificatie = self._id("JW305", "ST", agb)
        parts = [_header("jw305", "438", agb, gemeente, identificatie, dagtekening), _client_kort(client),
                 "    <StartProducten>"]
        for t, begin, status in starts:
            parts.append(f"""      <StartProduct>
        <ToewijzingNummer>{t.nummer}</ToewijzingNummer>{_toegewezen(t)}
        <ToewijzingIngangsdatum>{t.ingang.isoformat()}</ToewijzingIngangsdatum>
        <Begindatum>{begin.isoformat()}</Begindatum>
        <StatusAanlevering>{status}</StatusAanlevering>
      </StartProduct>""")
        parts += ["    </StartProducten>", "  </Client>", "</Bericht>", ""]
        self._write("JW305", f"JW305_{agb}_{gemeente}_{identificatie}.xml", parts, len(starts))

    def _write_jw307(self, client: Client, agb: str, dagtekening: date, t: Toewijzing, stop: _Stop) -> None:
        gemeente = client.gemeente.code
        identificatie = self._id("JW307", "SP", agb)
        parts = [
            _header("jw307", "440", agb, gemeente, identificatie, dagtekening),
            _client_kort(client),
            f"""    <StopProducten>
      <StopProduct>
        <ToewijzingNummer>{t.nummer}</ToewijzingNummer>{_toegewezen(t)}
        <ToewijzingIngangsdatum>{t.ingang.isoformat()}</ToewijzingIngangsdatum>
        <Begindatum>{stop.begin.isoformat()}</Begindatum>
        <RedenBeeindiging>{stop.reden}</RedenBeeindiging>
        <Einddatum>{stop.einde.isoformat()}</Einddatum>
        <StatusAanlevering>{stop.status}</StatusAanlevering>
      </StopProduct>
    </StopProducten>""",
            "  </Client>", "</Bericht>", "",
        ]
        self._write("JW307", f"JW307_{agb}_{gemeente}_{identificatie}.xml", parts, 1)

    def _write_jw315(self, client: Client, agb: str, dagtekening: date, toewijzingen: list[Toewijzing],
                     refs: list[str], verwijzer: tuple[str, str | None, str | None]) -> None:
        gemeente = client.gemeente.code
        identificatie = self._id("JW315", "VT", agb)
        soort, naam, code = verwijzer
        verwijzer_xml = f"<ijw:Type>{soort}</ijw:Type>"
        if naam:
            verwijzer_xml += f"<ijw:Naam>{escape(naam)}</ijw:Naam>"
        if code:
            verwijzer_xml += f"<ijw:ZorgverlenerCode>{code}</ijw:ZorgverlenerCode>"
        parts = [_header("jw315", "446", agb, gemeente, identificatie, dagtekening), _client_kort(client),
                 "    <AangevraagdeProducten>"]
        for t, ref in zip(toewijzingen, refs):
            eind = f"\n        <ToewijzingEinddatum>{t.eind.isoformat()}</ToewijzingEinddatum>" if t.eind else ""
            parts.append(f"""      <AangevraagdProduct>
        <ReferentieAanbieder>{ref}</ReferentieAanbieder>
        {_product(t.product)}
        <ToewijzingIngangsdatum>{t.ingang.isoformat()}</ToewijzingIngangsdatum>{eind}
        {_omvang(t.volume, t.product.eenheid, t.frequentie)}
        <Verwijzer>{verwijzer_xml}</Verwijzer>
      </AangevraagdProduct>""")
        parts += ["    </AangevraagdeProducten>", "  </Client>", "</Bericht>", ""]
        self._write("JW315", f"JW315_{agb}_{gemeente}_{identificatie}.xml", parts, len(refs))

    def _write_jw317(self, client: Client, agb: str, dagtekening: date, ref: str, reden: str,
                     lopend: list[Toewijzing], te_wijzigen: Toewijzing, gewenst: date, volume: int) -> None:
        gemeente = client.gemeente.code
        identificatie = self._id("JW317", "VW", agb)
        parts = [
            _header("jw317", "486", agb, gemeente, identificatie, dagtekening),
            "  <Client>",
            f"    <Bsn>{client.bsn}</Bsn>",
            "    <Verzoek>",
            f"      <ReferentieAanbieder>{ref}</ReferentieAanbieder>",
            f"      <RedenVerzoek>{reden}</RedenVerzoek>",
        ]
        ongewijzigd = [t for t in lopend if t is not te_wijzigen]
        if ongewijzigd:
            parts.append("      <OngewijzigdeProducten>")
            parts += (
                f"        <OngewijzigdProduct><ToewijzingNummer>{t.nummer}</ToewijzingNummer></OngewijzigdProduct>"
                for t in ongewijzigd
            )
            parts.append("      </OngewijzigdeProducten>")
        t = te_wijzigen
        eind = f"\n          <Einddatum>{t.eind.isoformat()}</Einddatum>" if t.eind else ""
        parts += [
            f"""      <TeWijzigenProducten>
        <TeWijzigenProduct>
          <ToewijzingNummer>{t.nummer}</ToewijzingNummer>
          <GewensteIngangsdatum>{gewenst.isoformat()}</GewensteIngangsdatum>{eind}
          {_omvang(volume, t.product.eenheid, t.frequentie)}
        </TeWijzigenProduct>
      </TeWijzigenProducten>""",
            "    </Verzoek>", "  </Client>", "</Bericht>", "",
        ]
        self._write("JW317", f"JW317_{agb}_{gemeente}_{identificatie}.xml", parts, 1)

    def _write_jw319(self, gemeente: str, agb: str, dagtekening: date, ref: str, antwoord: str,
                     reden: str | None) -> None:
        identificatie = self._id("JW319", "AW", gemeente)
        reden_xml = f"\n    <RedenAfwijzingVerzoek>{reden}</RedenAfwijzingVerzoek>" if reden else ""
        parts = [
            _header("jw319", "488", gemeente, agb, identificatie, dagtekening),
            f"""  <Antwoord>
    <ReferentieAanbieder>{ref}</ReferentieAanbieder>
    <VerzoekAntwoord>{antwoord}</VerzoekAntwoord>{reden_xml}
  </Antwoord>""",
            "</Bericht>", "",
        ]
        self._write("JW319", f"JW319_{gemeente}_{agb}_{identificatie}.xml", parts, 1)

    def _write_jw323(self, agb: str, gemeente: str, maand_begin: date, maand_eind: date,
                     dagtekening: date, regels: list[Prestatie]) -> tuple[str, int]:
        periode = f"{maand_begin.year}{maand_begin.month:02d}"
        identificatie = f"B{periode}{gemeente}"
        totaal = sum(r.signed for r in regels)
        parts = [
            _header("jw323", "490", agb, gemeente, identificatie, dagtekening),
            "  <Declaratie>",
            f"    <DeclaratieNummer>D{periode}{gemeente}</DeclaratieNummer>",
            _periode("    ", "DeclaratiePeriode", maand_begin, maand_eind),
            f"    <DeclaratieDagtekening>{dagtekening.isoformat()}</DeclaratieDagtekening>",
            _totaal("    ", "TotaalIngediendBedrag", totaal),
            "    <Clienten>",
        ]
        parts += _clienten(regels, retour=False)
        parts += ["    </Clienten>", "  </Declaratie>", "</Bericht>", ""]
        self._write("JW323", f"JW323_{agb}_{gemeente}_{periode}.xml", parts, len(regels))
        summary = self.summary
        summary.credits += sum(r.debet_credit == "C" for r in regels)
        summary.ingediend_bedrag_cents += totaal
        return identificatie, totaal

    def _write_jw325(self, gemeente: str, agb: str, maand_begin: date, declaratie_id: str,
                     declaratie_dag: date, dagtekening: date, totaal: int, regels: list[Prestatie],
                     uitkomst: str) -> None:
        periode = f"{maand_begin.year}{maand_begin.month:02d}"
        identificatie = self._id("JW325", "DA", gemeente)
        extra = f"""    <DeclaratieIdentificatie>
      <ijw:Identificatie>{declaratie_id}</ijw:Identificatie>
      <ijw:Dagtekening>{declaratie_dag.isoformat()}</ijw:Dagtekening>
    </DeclaratieIdentificatie>
    <XsdVersieDeclaratie>
      <ijw:BasisschemaXsdVersie>{XSD_VERSIE}</ijw:BasisschemaXsdVersie>
      <ijw:BerichtXsdVersie>{XSD_VERSIE}</ijw:BerichtXsdVersie>
    </XsdVersieDeclaratie>
    <RetourCodes><RetourCode>{'0001' if uitkomst == 'header' else '0200'}</RetourCode></RetourCodes>"""
        parts = [_header("jw325", "491", gemeente, agb, identificatie, dagtekening, extra)]
        afgewezen = [r for r in regels if r.retour] if uitkomst == "deels" else []
        toegekend = 0
        if uitkomst == "header":
            self.summary.declaraties_afgewezen += 1
        else:
            if uitkomst == "declaratie":
                self.summary.declaraties_afgewezen += 1
                code = "9333"
            else:
                code = "0200" if afgewezen else "8001"
                toegekend = totaal - sum(r.signed for r in afgewezen)
                summary = self.summary
                for r in regels:
                    if not r.retour:
                        summary.toegekend_per_categorie[gemeente, r.toewijzing.product.categorie] += r.signed
                        summary.toegekend_per_aanbieder[agb] += r.signed
                        summary.toegekend_per_maand[r.begin.month] += r.signed
            parts += [
                "  <DeclaratieAntwoord>",
                f"    <DeclaratieNummer>D{periode}{gemeente}</DeclaratieNummer>",
                _totaal("    ", "TotaalIngediendBedrag", totaal),
                _totaal("    ", "TotaalToegekendBedrag", toegekend),
            ]
            if afgewezen:
                parts.append("    <Clienten>")
                parts += _clienten(afgewezen, retour=True)
                parts.append("    </Clienten>")
            parts += [f"    <RetourCodes><RetourCode>{code}</RetourCode></RetourCodes>", "  </DeclaratieAntwoord>"]
        parts += ["</Bericht>", ""]
        self._write("JW325", f"JW325_{gemeente}_{agb}_{periode}.xml", parts, len(afgewezen))
        self.summary.toegekend_bedrag_cents += toegekend


# --------------------------------------------------------------------------- dates and volumes


def _tijd(rng: random.Random) -> str:
    return f"{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def _wachttijd(rng: random.Random) -> int:
    """Days between Ingangsdatum and the actual start (mostly a few days, at most four weeks)."""
    return int(rng.triangular(0, 28, 3))


def _plus_maanden(begin: date, maanden: int) -> date:
    """The day before the same day ``maanden`` months later (day clipped to the month)."""
    jaar, maand = divmod(begin.month - 1 + maanden, 12)
    jaar += begin.year
    dag = min(begin.day, calendar.monthrange(jaar, maand + 1)[1])
    return date(jaar, maand + 1, dag) - timedelta(days=1)


def _geleverd_volume(rng: random.Random, t: Toewijzing, begin: date, eind: date, dagen: int) -> int:
    """60–100 % of the Omvang of ``dagen`` days of care in ``begin..eind`` (at least 1)."""
    if t.frequentie == "2":
        maximum = t.volume * dagen / 7
    elif t.frequentie == "4":
        maximum = t.volume * dagen / calendar.monthrange(begin.year, begin.month)[1]
    else:  # "6": the total is spread evenly over the whole toewijzing
        maximum = t.volume * dagen / ((t.eind - t.ingang).days + 1)
    return max(1, round(maximum * rng.uniform(0.6, 1.0)))


def _correctie(rng: random.Random, debet: Prestatie) -> list[Prestatie]:
    """A credit reversing ``debet``, sometimes followed by a corrected (lower) debit."""
    t, begin, eind = debet.toewijzing, debet.begin, debet.eind
    credit = Prestatie(t, begin, eind, debet.volume, "C", vorig=debet.referentie, tarief=debet.tarief)
    if rng.random() >= CORRECTION_SHARE:
        return [credit]
    volume = max(1, round(debet.volume * rng.uniform(0.7, 0.95)))
    return [credit, Prestatie(t, begin, eind, volume, tarief=t.tarief)]


# --------------------------------------------------------------------------- shared XML


def _header(bericht: str, code: str, afzender: str, ontvanger: str, identificatie: str,
            dagtekening: date, extra: str = "") -> str:
    extra = f"\n{extra}" if extra else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/{bericht}/schema" xmlns:ijw="{NS_BASIS}">
  <Header>
    <BerichtCode>{code}</BerichtCode>
    <BerichtVersie>3</BerichtVersie>
    <BerichtSubversie>2</BerichtSubversie>
    <Afzender>{afzender}</Afzender>
    <Ontvanger>{ontvanger}</Ontvanger>
    <BerichtIdentificatie>
      <ijw:Identificatie>{identificatie}</ijw:Identificatie>
      <ijw:Dagtekening>{dagtekening.isoformat()}</ijw:Dagtekening>
    </BerichtIdentificatie>
    <XsdVersie>
      <ijw:BasisschemaXsdVersie>{XSD_VERSIE}</ijw:BasisschemaXsdVersie>
      <ijw:BerichtXsdVersie>{XSD_VERSIE}</ijw:BerichtXsdVersie>
    </XsdVersie>{extra}
  </Header>"""


def _client_kort(client: Client) -> str:
    """Client up to and including Naam (CDT_VerkorteNaam), as in JW305/JW307/JW315."""
    voorvoegsel = f"<ijw:Voorvoegsel>{client.voorvoegsel}</ijw:Voorvoegsel>" if client.voorvoegsel else ""
    return f"""  <Client>
    <Bsn>{client.bsn}</Bsn>
    <Geboortedatum><ijw:Datum>{client.geboren.isoformat()}</ijw:Datum></Geboortedatum>
    <Geslacht>{client.geslacht}</Geslacht>
    <Naam>
      <ijw:Geslachtsnaam><ijw:Achternaam>{escape(client.achternaam)}</ijw:Achternaam>{voorvoegsel}</ijw:Geslachtsnaam>
      <ijw:Voorletters>{client.voorletters}</ijw:Voorletters>
    </Naam>"""


def _product(p: Product) -> str:
    return f"<Product><ijw:Categorie>{p.categorie}</ijw:Categorie><ijw:Code>{p.code}</ijw:Code></Product>"


def _toegewezen(t: Toewijzing) -> str:
    """The Product of a start/stop: as assigned (aspecifiek: category only; generiek: none)."""
    if t.soort == "generiek":
        return ""
    if t.soort == "aspecifiek":
        return f"\n        <Product><ijw:Categorie>{t.product.categorie}</ijw:Categorie></Product>"
    return f"\n        {_product(t.product)}"


def _omvang(volume: int, eenheid: str, frequentie: str) -> str:
    return (f"<Omvang><ijw:Volume>{volume}</ijw:Volume><ijw:Eenheid>{eenheid}</ijw:Eenheid>"
            f"<ijw:Frequentie>{frequentie}</ijw:Frequentie></Omvang>")


def _toegewezen_product(t: Toewijzing) -> str:
    referentie = f"\n        <ReferentieAanbieder>{t.referentie}</ReferentieAanbieder>" if t.referentie else ""
    einddatum = f"\n        <Einddatum>{t.eind.isoformat()}</Einddatum>" if t.eind else ""
    reden = f"\n        <RedenWijziging>{t.reden_wijziging}</RedenWijziging>" if t.reden_wijziging else ""
    omvang = budget = ""
    if t.soort == "specifiek":
        omvang = f"\n        {_omvang(t.volume, t.product.eenheid, t.frequentie)}"
    if t.budget is not None:
        budget = f"\n        <Budget>{t.budget}</Budget>"
    return f"""      <ToegewezenProduct>
        <ToewijzingNummer>{t.nummer}</ToewijzingNummer>{referentie}{_toegewezen(t)}
        <Toewijzingsdatum>{t.toewijzingsdatum.isoformat()}</Toewijzingsdatum>
        <Toewijzingstijd>{t.toewijzingstijd}</Toewijzingstijd>
        <Ingangsdatum>{t.ingang.isoformat()}</Ingangsdatum>{einddatum}{reden}{omvang}{budget}
      </ToegewezenProduct>"""


def _clienten(regels: list[Prestatie], *, retour: bool) -> list[str]:
    """Client elements (JW323; with ``retour`` the JW325 variant with RetourCodes)."""
    per_client: dict[str, list[Prestatie]] = defaultdict(list)
    for regel in regels:
        per_client[regel.toewijzing.bsn].append(regel)
    parts = []
    for bsn, prestaties in per_client.items():
        parts += ["      <Client>", f"        <Bsn>{bsn}</Bsn>", "        <Prestaties>"]
        parts += (_prestatie(r, retour) for r in prestaties)
        parts.append("        </Prestaties>")
        if retour:
            parts.append("        <RetourCodes><RetourCode>0200</RetourCode></RetourCodes>")
        parts.append("      </Client>")
    return parts


def _prestatie(r: Prestatie, retour: bool = False) -> str:
    product = r.toewijzing.product
    vorig = ""
    if r.vorig:
        vorig = f"\n              <ijw:VorigReferentieNummer>{r.vorig}</ijw:VorigReferentieNummer>"
    tarief = ""
    if r.tarief is not None:
        tarief = f"\n            <ProductTarief>{r.tarief}</ProductTarief>"
    codes = ""
    if retour:
        codes = "\n            <RetourCodes>" + "".join(
            f"<RetourCode>{c}</RetourCode>" for c in r.retour) + "</RetourCodes>"
    return f"""          <Prestatie>
            <ProductReferentie>
              <ijw:ReferentieNummer>{r.referentie}</ijw:ReferentieNummer>{vorig}
            </ProductReferentie>
            <ToewijzingNummer>{r.toewijzing.nummer}</ToewijzingNummer>
            <ProductCategorie>{product.categorie}</ProductCategorie>
            <ProductCode>{product.code}</ProductCode>
{_periode("            ", "ProductPeriode", r.begin, r.eind)}
            <GeleverdVolume>{r.volume}</GeleverdVolume>
            <Eenheid>{product.eenheid}</Eenheid>{tarief}
            <IngediendBedrag>
              <ijw:Bedrag>{r.bedrag}</ijw:Bedrag>
              <ijw:DebetCredit>{r.debet_credit}</ijw:DebetCredit>
            </IngediendBedrag>{codes}
          </Prestatie>"""


def _totaal(indent: str, tag: str, bedrag: int) -> str:
    return (f"{indent}<{tag}><ijw:TotaalBedrag>{abs(bedrag)}</ijw:TotaalBedrag>"
            f"<ijw:DebetCredit>{'D' if bedrag >= 0 else 'C'}</ijw:DebetCredit></{tag}>")


def _periode(indent: str, tag: str, begin: date, eind: date) -> str:
    return (
        f"{indent}<{tag}><ijw:Begindatum>{begin.isoformat()}</ijw:Begindatum>"
        f"<ijw:Einddatum>{eind.isoformat()}</ijw:Einddatum></{tag}>"
    )
