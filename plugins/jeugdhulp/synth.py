"""Synthetic iJw 3.2 traffic: one year of toewijzingen (JW301) and declaraties (JW323).

``generate(out_dir)`` writes XML files that validate against the official iJw 3.2 XSDs, for the
11 gemeenten of jeugdhulpregio IJsselland:

* **Aanbieders** – ``providers`` invented providers with stable invented AGB codes
  (``9990xxxx``); each offers a fixed subset of a small product catalogue (``CATALOGUS``).
* **Clients** – spread over the gemeenten by (approximate) population, aged 0–17, with
  invented names and addresses. BSNs come only from the official test range
  999900000–999999999 and pass the 11-proef; that range holds just 9 091 valid numbers, so a
  corpus can have at most that many clients (``MAX_CLIENTS``).
* **JW301** – one message per client (at one provider) holding 1–2 new toewijzingen; Dagtekening
  = Toewijzingsdatum. About a quarter start in the second half of the previous year, so their
  JW301 is dated in that year. Frequentie 2 (per week) and 6 (totaal) always come with an
  Einddatum; Frequentie 4 (per maand) is sometimes open-ended.
* **JW323** – one declaratie per provider × gemeente × month of ``year`` that has lines, dated
  a few days after the month (December: early January of the next year). Every toewijzing
  active in a month gets one debit line for the part of the month it covers, with a volume
  of 60–100 % of its Omvang. About 3 % of the lines are declared 1–3 months late; about 2 %
  of the debits are credited in a later month (a copy with ``VorigReferentieNummer``), half of
  those together with a corrected debit for the same product period.

Money is in euro cents; ``Bedrag = GeleverdVolume × ProductTarief``, or ``= GeleverdVolume``
without a tariff for Eenheid 83 (euro). Everything is drawn from ``random.Random(seed)`` and
dated relative to ``year``, so the same arguments give byte-identical files. Files are written
one at a time; only the toewijzingen (needed for the declarations) are kept in memory.
"""

from __future__ import annotations

import calendar
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from jeugdhulp.privacy import TEST_BSN_MAX, TEST_BSN_MIN, elfproef
from jeugdhulp.reference import GEMEENTEN

NS_BASIS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
#: BasisschemaXsdVersie and BerichtXsdVersie, as in the appinfo of the official XSDs.
XSD_VERSIE = "0.1.0"

LATE_SHARE = 0.03  # share of lines declared 1-3 months after their product period
CREDIT_SHARE = 0.02  # share of debits credited in a later month
CORRECTION_SHARE = 0.5  # share of credits that come with a corrected debit
TWO_PRODUCTS_SHARE = 0.3  # share of clients with two toewijzingen
PREVIOUS_YEAR_SHARE = 0.25  # share of clients whose toewijzingen started the year before


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
    Product("43", "43A12", "14", 31_500, (("2", 7, 7),), (6, 12), 3),
    Product("44", "44A03", "14", 18_900, (("2", 7, 7),), (6, 12), 3),
    Product("46", "46A01", "14", 35_000, (("6", 7, 28),), (1, 2), 1),
    Product("47", "47A01", "84", 98_500, (("4", 1, 1),), (6, 12), 2),
    Product("48", "48B01", "84", 134_500, (("4", 1, 1),), (6, 12), 3),
    Product("50", "50A01", "83", None, (("6", 150_000, 1_200_000),), (6, 12), 3),
)

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


@dataclass(frozen=True)
class Aanbieder:
    agb: str
    naam: str
    producten: tuple[Product, ...]
    #: Relative share of the clients (the first providers are the largest).
    gewicht: float


@dataclass(slots=True)
class Toewijzing:
    gemeente: str
    agb: str
    bsn: str
    nummer: int
    product: Product
    toewijzingsdatum: date
    toewijzingstijd: str
    ingang: date
    eind: date | None
    frequentie: str
    volume: int

    def periode_binnen(self, begin: date, eind: date) -> tuple[date, date] | None:
        """The part of ``begin..eind`` covered by this toewijzing, or None."""
        start = max(self.ingang, begin)
        stop = eind if self.eind is None else min(self.eind, eind)
        return (start, stop) if start <= stop else None


@dataclass(slots=True)
class Prestatie:
    toewijzing: Toewijzing
    begin: date
    eind: date
    volume: int
    debet_credit: str = "D"
    #: For a credit: the ReferentieNummer of the debit it reverses.
    vorig: str | None = None
    #: Assigned when the line is put in a declaratie.
    referentie: str = ""

    @property
    def bedrag(self) -> int:
        tarief = self.toewijzing.product.tarief
        return self.volume if tarief is None else self.volume * tarief


@dataclass
class SynthSummary:
    out_dir: Path
    clients: int
    files_jw301: int = 0
    files_jw323: int = 0
    toegewezen_producten: int = 0
    #: All JW323 Prestatie lines, credits included.
    prestaties: int = 0
    credits: int = 0
    late_claims: int = 0
    #: Signed sum over all JW323 lines (D +, C −) in euro cents.
    ingediend_bedrag_cents: int = 0


@cache
def bsn_pool() -> tuple[str, ...]:
    """All BSNs in the official test range that pass the 11-proef (9 091 numbers)."""
    candidates = (str(n) for n in range(TEST_BSN_MIN, TEST_BSN_MAX + 1))
    return tuple(bsn for bsn in candidates if elfproef(bsn))


MAX_CLIENTS = 9_091  # len(bsn_pool()); checked in the tests


def aanbieders(count: int) -> list[Aanbieder]:
    """``count`` invented providers; the same index always gives the same provider."""
    result = []
    for index in range(count):
        rng = random.Random(index)
        gekozen = set(rng.sample(range(len(CATALOGUS)), rng.randint(5, 9)))
        producten = tuple(p for i, p in enumerate(CATALOGUS) if i in gekozen)
        naam = f"{AANBIEDER_SOORTEN[index % 5]} {AANBIEDER_NAMEN[index % 12]}"
        if index >= 12:
            naam += f" {index // 12 + 1}"
        result.append(Aanbieder(f"9990{index + 1:04d}", naam, producten, 1 / (index + 1) ** 0.6))
    return result


def generate(
    out_dir: Path, *, seed: int = 2025, year: int = 2025, clients: int = 2000, providers: int = 12
) -> SynthSummary:
    """Write one year of JW301 and JW323 messages into ``out_dir`` (created if missing)."""
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(
            f"clients must be 1..{MAX_CLIENTS}: the BSN test range holds only {MAX_CLIENTS} "
            f"numbers that pass the 11-proef"
        )
    if not 1 <= providers <= 9_999:
        raise ValueError("providers must be 1..9999")
    if year < 2022:
        raise ValueError("year must be 2022 or later (iJw periods start on or after 2021-01-01)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    summary = SynthSummary(out_dir=out_dir, clients=clients)
    groepen = _toewijzen(out_dir, rng, year, clients, aanbieders(providers), summary)
    _declareren(out_dir, rng, year, groepen, summary)
    return summary


# --------------------------------------------------------------------------- toewijzingen


def _toewijzen(
    out_dir: Path,
    rng: random.Random,
    year: int,
    clients: int,
    providers: list[Aanbieder],
    summary: SynthSummary,
) -> dict[tuple[str, str], list[Toewijzing]]:
    """Create the clients and their toewijzingen, write one JW301 each; group by (agb, gemeente)."""
    gemeenten = list(GEMEENTE_PROFIEL)
    gemeente_gewichten = [GEMEENTE_PROFIEL[g][0] for g in gemeenten]
    provider_gewichten = [p.gewicht for p in providers]
    volgnummer: dict[str, int] = defaultdict(int)  # per gemeente: ToewijzingNummer and bericht
    groepen: dict[tuple[str, str], list[Toewijzing]] = defaultdict(list)

    for bsn in rng.sample(bsn_pool(), clients):
        gemeente = rng.choices(gemeenten, gemeente_gewichten)[0]
        aanbieder = rng.choices(providers, provider_gewichten)[0]
        producten = _kies_producten(rng, aanbieder)
        toewijzingsdatum, ingang = _startdata(rng, year)
        uur, minuut, seconde = rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)
        toewijzingstijd = f"{uur:02d}:{minuut:02d}:{seconde:02d}"
        toewijzingen = []
        for product in producten:
            volgnummer[gemeente] += 1
            frequentie, laag, hoog = rng.choice(product.omvang)
            maanden = rng.randint(*product.looptijd)
            if ingang.year < year:  # must still run into the declared year
                maanden = max(maanden, 13 - ingang.month)
            open_eind = frequentie == "4" and rng.random() < 0.4
            eind = None if open_eind else _plus_maanden(ingang, maanden)
            toewijzing = Toewijzing(
                gemeente=gemeente,
                agb=aanbieder.agb,
                bsn=bsn,
                nummer=(year % 100) * 10_000_000 + volgnummer[gemeente],
                product=product,
                toewijzingsdatum=toewijzingsdatum,
                toewijzingstijd=toewijzingstijd,
                ingang=ingang,
                eind=eind,
                frequentie=frequentie,
                volume=rng.randint(laag, hoog),
            )
            toewijzingen.append(toewijzing)
            groepen[aanbieder.agb, gemeente].append(toewijzing)
        identificatie = f"TW{toewijzingsdatum.year % 100:02d}{volgnummer[gemeente]:07d}"
        _write_jw301(out_dir, rng, identificatie, toewijzingen)
        summary.files_jw301 += 1
        summary.toegewezen_producten += len(toewijzingen)
    return groepen


def _kies_producten(rng: random.Random, aanbieder: Aanbieder) -> list[Product]:
    gewichten = [p.gewicht for p in aanbieder.producten]
    eerste = rng.choices(aanbieder.producten, gewichten)[0]
    if rng.random() >= TWO_PRODUCTS_SHARE:
        return [eerste]
    tweede = eerste
    while tweede is eerste:
        tweede = rng.choices(aanbieder.producten, gewichten)[0]
    return [eerste, tweede]


def _startdata(rng: random.Random, year: int) -> tuple[date, date]:
    """(Toewijzingsdatum, Ingangsdatum): a start in Jul–Dec of the previous year or Jan–Nov."""
    if rng.random() < PREVIOUS_YEAR_SHARE:
        ingang = date(year - 1, 7, 1) + timedelta(days=rng.randrange(184))
    else:
        ingang = date(year, 1, 1) + timedelta(days=rng.randrange(334))
    return ingang - timedelta(days=rng.randint(0, 21)), ingang


def _plus_maanden(begin: date, maanden: int) -> date:
    """The day before the same day ``maanden`` months later (day clipped to the month)."""
    jaar, maand = divmod(begin.month - 1 + maanden, 12)
    jaar += begin.year
    dag = min(begin.day, calendar.monthrange(jaar, maand + 1)[1])
    return date(jaar, maand + 1, dag) - timedelta(days=1)


def _write_jw301(
    out_dir: Path, rng: random.Random, identificatie: str, toewijzingen: list[Toewijzing]
) -> None:
    eerste = toewijzingen[0]
    gemeente, agb, dagtekening = eerste.gemeente, eerste.agb, eerste.toewijzingsdatum
    geboren = date(dagtekening.year - 17, 1, 1) + timedelta(days=rng.randrange(17 * 365))
    voorvoegsel = rng.choice(VOORVOEGSELS) if rng.random() < 0.2 else None
    voorletters = "".join(rng.choices("ABCDEFGHIJKLMNOPRSTW", k=rng.randint(1, 3)))
    _, postcode_laag, postcode_hoog = GEMEENTE_PROFIEL[gemeente]
    postcode = rng.randint(postcode_laag, postcode_hoog)
    postcode_letters = "".join(rng.choices(POSTCODE_LETTERS, k=2))
    parts = [
        _header("jw301", "436", gemeente, agb, identificatie, dagtekening),
        "  <Client>",
        f"    <Bsn>{eerste.bsn}</Bsn>",
        f"    <Geboortedatum><ijw:Datum>{geboren.isoformat()}</ijw:Datum></Geboortedatum>",
        f"    <Geslacht>{rng.choice('12')}</Geslacht>",
        "    <Naam>",
        "      <ijw:Geslachtsnaam>",
        f"        <ijw:Achternaam>{escape(rng.choice(ACHTERNAMEN))}</ijw:Achternaam>",
    ]
    if voorvoegsel:
        parts.append(f"        <ijw:Voorvoegsel>{voorvoegsel}</ijw:Voorvoegsel>")
    parts += [
        "      </ijw:Geslachtsnaam>",
        f"      <ijw:Voorletters>{voorletters}</ijw:Voorletters>",
        "      <ijw:NaamGebruik>1</ijw:NaamGebruik>",
        "    </Naam>",
        "    <Contactgegevens>",
        "      <Contact>",
        "        <Soort>01</Soort>",
        "        <Adres>",
        f"          <ijw:Huis><ijw:Huisnummer>{rng.randint(1, 199)}</ijw:Huisnummer></ijw:Huis>",
        f"          <ijw:Postcode>{postcode}{postcode_letters}</ijw:Postcode>",
        f"          <ijw:Straatnaam>{escape(rng.choice(STRATEN))}</ijw:Straatnaam>",
        f"          <ijw:Plaatsnaam>{escape(GEMEENTEN[gemeente])}</ijw:Plaatsnaam>",
        "          <ijw:LandCode>NL</ijw:LandCode>",
        "        </Adres>",
        "      </Contact>",
        "    </Contactgegevens>",
        "    <ToegewezenProducten>",
    ]
    parts += (_toegewezen_product(t) for t in toewijzingen)
    parts += ["    </ToegewezenProducten>", "  </Client>", "</Bericht>", ""]
    path = out_dir / f"JW301_{gemeente}_{agb}_{identificatie}.xml"
    path.write_bytes("\n".join(parts).encode("utf-8"))


def _toegewezen_product(t: Toewijzing) -> str:
    einddatum = f"\n        <Einddatum>{t.eind.isoformat()}</Einddatum>" if t.eind else ""
    return f"""      <ToegewezenProduct>
        <ToewijzingNummer>{t.nummer}</ToewijzingNummer>
        <Product>
          <ijw:Categorie>{t.product.categorie}</ijw:Categorie>
          <ijw:Code>{t.product.code}</ijw:Code>
        </Product>
        <Toewijzingsdatum>{t.toewijzingsdatum.isoformat()}</Toewijzingsdatum>
        <Toewijzingstijd>{t.toewijzingstijd}</Toewijzingstijd>
        <Ingangsdatum>{t.ingang.isoformat()}</Ingangsdatum>{einddatum}
        <Omvang>
          <ijw:Volume>{t.volume}</ijw:Volume>
          <ijw:Eenheid>{t.product.eenheid}</ijw:Eenheid>
          <ijw:Frequentie>{t.frequentie}</ijw:Frequentie>
        </Omvang>
      </ToegewezenProduct>"""


# --------------------------------------------------------------------------- declaraties


def _declareren(
    out_dir: Path,
    rng: random.Random,
    year: int,
    groepen: dict[tuple[str, str], list[Toewijzing]],
    summary: SynthSummary,
) -> None:
    """Write the monthly JW323 per (agb, gemeente), carrying late lines and credits forward."""
    referentie: dict[str, int] = defaultdict(int)  # per agb
    #: Lines (late debits, credits, corrections) put in a later declaratie: (month, agb, gemeente).
    later: dict[tuple[int, str, str], list[Prestatie]] = defaultdict(list)
    for month in range(1, 13):
        maand_begin = date(year, month, 1)
        maand_eind = date(year, month, calendar.monthrange(year, month)[1])
        for (agb, gemeente), toewijzingen in sorted(groepen.items()):
            regels = later.pop((month, agb, gemeente), [])
            for t in toewijzingen:
                periode = t.periode_binnen(maand_begin, maand_eind)
                if periode is None:
                    continue
                regel = Prestatie(t, *periode, _geleverd_volume(rng, t, *periode))
                if month < 12 and rng.random() < LATE_SHARE:
                    later[rng.randint(month + 1, min(month + 3, 12)), agb, gemeente].append(regel)
                    summary.late_claims += 1
                else:
                    regels.append(regel)
            if not regels:
                continue
            regels.sort(key=lambda r: r.debet_credit == "D")  # credits first (stable)
            for regel in regels:
                referentie[agb] += 1
                regel.referentie = f"R{year}{referentie[agb]:09d}"
                if month < 12 and regel.debet_credit == "D" and rng.random() < CREDIT_SHARE:
                    credit_maand = rng.randint(month + 1, min(month + 3, 12))
                    later[credit_maand, agb, gemeente] += _correctie(rng, regel)
            _write_jw323(out_dir, rng, agb, gemeente, maand_begin, maand_eind, regels, summary)


def _geleverd_volume(rng: random.Random, t: Toewijzing, begin: date, eind: date) -> int:
    """60–100 % of the Omvang that falls in ``begin..eind`` (at least 1)."""
    dagen = (eind - begin).days + 1
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
    credit = Prestatie(t, begin, eind, debet.volume, "C", vorig=debet.referentie)
    if rng.random() >= CORRECTION_SHARE:
        return [credit]
    volume = max(1, round(debet.volume * rng.uniform(0.7, 0.95)))
    return [credit, Prestatie(t, begin, eind, volume)]


def _write_jw323(
    out_dir: Path,
    rng: random.Random,
    agb: str,
    gemeente: str,
    maand_begin: date,
    maand_eind: date,
    regels: list[Prestatie],
    summary: SynthSummary,
) -> None:
    dagtekening = maand_eind + timedelta(days=rng.randint(2, 8))
    periode = f"{maand_begin.year}{maand_begin.month:02d}"
    per_client: dict[str, list[Prestatie]] = defaultdict(list)
    totaal = 0
    for regel in regels:
        per_client[regel.toewijzing.bsn].append(regel)
        totaal += regel.bedrag if regel.debet_credit == "D" else -regel.bedrag
    parts = [
        _header("jw323", "490", agb, gemeente, f"B{periode}{gemeente}", dagtekening),
        "  <Declaratie>",
        f"    <DeclaratieNummer>D{periode}{gemeente}</DeclaratieNummer>",
        _periode("    ", "DeclaratiePeriode", maand_begin, maand_eind),
        f"    <DeclaratieDagtekening>{dagtekening.isoformat()}</DeclaratieDagtekening>",
        "    <TotaalIngediendBedrag>",
        f"      <ijw:TotaalBedrag>{abs(totaal)}</ijw:TotaalBedrag>",
        f"      <ijw:DebetCredit>{'D' if totaal >= 0 else 'C'}</ijw:DebetCredit>",
        "    </TotaalIngediendBedrag>",
        "    <Clienten>",
    ]
    for bsn, prestaties in per_client.items():
        parts += ["      <Client>", f"        <Bsn>{bsn}</Bsn>", "        <Prestaties>"]
        parts += (_prestatie(r) for r in prestaties)
        parts += ["        </Prestaties>", "      </Client>"]
    parts += ["    </Clienten>", "  </Declaratie>", "</Bericht>", ""]
    path = out_dir / f"JW323_{agb}_{gemeente}_{periode}.xml"
    path.write_bytes("\n".join(parts).encode("utf-8"))
    summary.files_jw323 += 1
    summary.prestaties += len(regels)
    summary.credits += sum(r.debet_credit == "C" for r in regels)
    summary.ingediend_bedrag_cents += totaal


def _prestatie(r: Prestatie) -> str:
    product = r.toewijzing.product
    vorig = ""
    if r.vorig:
        vorig = f"\n              <ijw:VorigReferentieNummer>{r.vorig}</ijw:VorigReferentieNummer>"
    tarief = ""
    if product.tarief is not None:
        tarief = f"\n            <ProductTarief>{product.tarief}</ProductTarief>"
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
            </IngediendBedrag>
          </Prestatie>"""


# --------------------------------------------------------------------------- shared XML


def _header(
    bericht: str, code: str, afzender: str, ontvanger: str, identificatie: str, dagtekening: date
) -> str:
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
    </XsdVersie>
  </Header>"""


def _periode(indent: str, tag: str, begin: date, eind: date) -> str:
    return (
        f"{indent}<{tag}><ijw:Begindatum>{begin.isoformat()}</ijw:Begindatum>"
        f"<ijw:Einddatum>{eind.isoformat()}</ijw:Einddatum></{tag}>"
    )
