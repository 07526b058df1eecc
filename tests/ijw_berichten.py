"""Small iJw 3.2 message templates for rule tests: one function per message type, each field a
keyword with a sensible default, so a test changes exactly the one thing it is about.

Deliberately independent of jeugdhulp.synth and of the code under test. The clean defaults
validate against the official XSDs (tests/integration/test_dq_rules_berichten.py checks that when
../shared is present). A keyword set to "" leaves an optional element out.
"""

from __future__ import annotations

BSN = "999990019"  # test range, passes the 11-proef
BAD_BSN = "999990018"  # test range, fails it
AGB = "99900001"
GEMEENTE = "0193"
NS_BASIS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"

CODES = {"jw301": "436", "jw305": "438", "jw307": "440", "jw315": "446", "jw317": "486", "jw319": "488",
         "jw323": "490", "jw325": "491"}


def _opt(tag: str, value) -> str:
    """<tag>value</tag>, or nothing for None / ""."""
    return "" if value is None or value == "" else f"<{tag}>{value}</{tag}>"


def omvang(volume: int = 10, eenheid: str = "04", frequentie: str = "4") -> str:
    return (f"<Omvang><ijw:Volume>{volume}</ijw:Volume><ijw:Eenheid>{eenheid}</ijw:Eenheid>"
            f"<ijw:Frequentie>{frequentie}</ijw:Frequentie></Omvang>")


def product(cat: str | None, code: str | None = None) -> str:
    if not cat:
        return ""
    return f"<Product><ijw:Categorie>{cat}</ijw:Categorie>{_opt('ijw:Code', code)}</Product>"


def header(bericht: str, afzender: str, ontvanger: str, ident: str, dag: str, extra: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/{bericht}/schema" xmlns:ijw="{NS_BASIS}">
<Header><BerichtCode>{CODES[bericht]}</BerichtCode><BerichtVersie>3</BerichtVersie><BerichtSubversie>2</BerichtSubversie>
<Afzender>{afzender}</Afzender><Ontvanger>{ontvanger}</Ontvanger>
<BerichtIdentificatie><ijw:Identificatie>{ident}</ijw:Identificatie><ijw:Dagtekening>{dag}</ijw:Dagtekening></BerichtIdentificatie>
<XsdVersie><ijw:BasisschemaXsdVersie>1.0.0</ijw:BasisschemaXsdVersie><ijw:BerichtXsdVersie>1.0.0</ijw:BerichtXsdVersie></XsdVersie>{extra}</Header>
"""


def _client_kort(bsn: str) -> str:
    """Client up to and including Naam (CDT_VerkorteNaam), as in JW305/JW307/JW315."""
    return (f"<Client><Bsn>{bsn}</Bsn><Geboortedatum><ijw:Datum>2012-05-01</ijw:Datum></Geboortedatum>"
            "<Geslacht>2</Geslacht><Naam><ijw:Geslachtsnaam><ijw:Achternaam>Proefpersoon</ijw:Achternaam>"
            "</ijw:Geslachtsnaam></Naam>\n")


# ------------------------------------------------------------------------------------------ JW301


def jw301(ident: str, nummer: int, **kw) -> bytes:
    """One ToegewezenProduct. ``omvang``/``budget``/``eind``/``reden``: "" leaves it out."""
    t = {"gemeente": GEMEENTE, "agb": AGB, "bsn": BSN, "cat": "45", "code": "45A03", "dag": "2024-12-20",
         "tijd": "10:00:00", "ingang": "2025-01-01", "eind": "2025-12-31", "reden": "", "omvang": omvang(),
         "budget": "", **kw}
    return (header("jw301", t["gemeente"], t["agb"], ident, t["dag"]) + f"""<Client><Bsn>{t['bsn']}</Bsn><Geboortedatum><ijw:Datum>2012-05-01</ijw:Datum></Geboortedatum><Geslacht>2</Geslacht>
<Naam><ijw:Geslachtsnaam><ijw:Achternaam>Proefpersoon</ijw:Achternaam></ijw:Geslachtsnaam><ijw:NaamGebruik>1</ijw:NaamGebruik></Naam>
<Contactgegevens><Contact><Soort>01</Soort><Adres><ijw:Postcode>8011AB</ijw:Postcode></Adres></Contact></Contactgegevens>
<ToegewezenProducten><ToegewezenProduct><ToewijzingNummer>{nummer}</ToewijzingNummer>
{product(t['cat'], t['code'])}
<Toewijzingsdatum>{t['dag']}</Toewijzingsdatum><Toewijzingstijd>{t['tijd']}</Toewijzingstijd>
<Ingangsdatum>{t['ingang']}</Ingangsdatum>{_opt('Einddatum', t['eind'])}{_opt('RedenWijziging', t['reden'])}{t['omvang']}{_opt('Budget', t['budget'])}
</ToegewezenProduct></ToegewezenProducten></Client></Bericht>""").encode()


# ------------------------------------------------------------------------------------------ JW323


def line(**kw) -> dict:
    """One JW323 Prestatie (``ref`` and ``nummer`` are filled in by the test)."""
    return {"vorig": None, "cat": "45", "code": "45A03", "begin": "2025-03-01",
            "eind": "2025-03-31", "volume": 8, "eenheid": "04", "tarief": 10000, "bedrag": None, "dc": "D",
            "bsn": BSN, **kw}


def bedrag(ln: dict) -> int:
    return ln["bedrag"] if ln["bedrag"] is not None else ln["volume"] * (ln["tarief"] or 1)


def _prestatie(ln: dict, retour: list[str] | None = None) -> str:
    vorig = f"<ijw:VorigReferentieNummer>{ln['vorig']}</ijw:VorigReferentieNummer>" if ln["vorig"] else ""
    codes = "" if retour is None else "<RetourCodes>" + "".join(f"<RetourCode>{c}</RetourCode>" for c in retour) + "</RetourCodes>"
    return f"""<Prestatie>
<ProductReferentie><ijw:ReferentieNummer>{ln['ref']}</ijw:ReferentieNummer>{vorig}</ProductReferentie>
<ToewijzingNummer>{ln['nummer']}</ToewijzingNummer><ProductCategorie>{ln['cat']}</ProductCategorie><ProductCode>{ln['code']}</ProductCode>
<ProductPeriode><ijw:Begindatum>{ln['begin']}</ijw:Begindatum><ijw:Einddatum>{ln['eind']}</ijw:Einddatum></ProductPeriode>
<GeleverdVolume>{ln['volume']}</GeleverdVolume><Eenheid>{ln['eenheid']}</Eenheid>{_opt('ProductTarief', ln['tarief'])}
<IngediendBedrag><ijw:Bedrag>{bedrag(ln)}</ijw:Bedrag><ijw:DebetCredit>{ln['dc']}</ijw:DebetCredit></IngediendBedrag>{codes}
</Prestatie>"""


def _totaal(tag: str, signed: int) -> str:
    return (f"<{tag}><ijw:TotaalBedrag>{abs(signed)}</ijw:TotaalBedrag>"
            f"<ijw:DebetCredit>{'D' if signed >= 0 else 'C'}</ijw:DebetCredit></{tag}>")


def signed(lines: list[dict]) -> int:
    return sum(bedrag(ln) if ln["dc"] == "D" else -bedrag(ln) for ln in lines)


def jw323(ident: str, lines: list[dict], **kw) -> bytes:
    t = {"gemeente": GEMEENTE, "agb": AGB, "dag": "2025-04-05", "nummer": ident, "pbegin": "2025-03-01",
         "peind": "2025-03-31", "ddag": "2025-04-05", "total_delta": 0, **kw}
    clients = "".join(f"<Client><Bsn>{ln['bsn']}</Bsn><Prestaties>{_prestatie(ln)}</Prestaties></Client>\n" for ln in lines)
    return (header("jw323", t["agb"], t["gemeente"], ident, t["dag"]) + f"""<Declaratie><DeclaratieNummer>{t['nummer']}</DeclaratieNummer>
<DeclaratiePeriode><ijw:Begindatum>{t['pbegin']}</ijw:Begindatum><ijw:Einddatum>{t['peind']}</ijw:Einddatum></DeclaratiePeriode>
<DeclaratieDagtekening>{t['ddag']}</DeclaratieDagtekening>
{_totaal('TotaalIngediendBedrag', signed(lines) + t['total_delta'])}
<Clienten>{clients}</Clienten></Declaratie></Bericht>""").encode()


# ------------------------------------------------------------------------------------------ JW325


def jw325(ident: str, declaratie: str, rejected: list[tuple[dict, list[str]]] = (), **kw) -> bytes:
    """The answer on JW323 ``declaratie`` (its BerichtIdentificatie = DeclaratieNummer here).

    ``rejected``: (line, RetourCodes) of the listed lines. ``antwoord`` is the DeclaratieAntwoord
    RetourCode (default 0200 with listed lines, else 8001; "" leaves the DeclaratieAntwoord out, as
    for a header-level rejection). ``ingediend``/``toegekend``: signed totals (default: the listed
    lines are what was not granted of ``ingediend``)."""
    rejected = list(rejected)
    t = {"gemeente": GEMEENTE, "agb": AGB, "dag": "2025-04-15", "declaratie_dag": "2025-04-05",
         "header_codes": ["0200"], "antwoord": "0200" if rejected else "8001", "ingediend": 100000,
         "toegekend": None, "client_codes": ["0200"], "bsn": BSN, **kw}
    toegekend = t["toegekend"] if t["toegekend"] is not None else t["ingediend"] - signed([ln for ln, _ in rejected])
    extra = f"""
<DeclaratieIdentificatie><ijw:Identificatie>{declaratie}</ijw:Identificatie><ijw:Dagtekening>{t['declaratie_dag']}</ijw:Dagtekening></DeclaratieIdentificatie>
<XsdVersieDeclaratie><ijw:BasisschemaXsdVersie>1.0.0</ijw:BasisschemaXsdVersie><ijw:BerichtXsdVersie>1.0.0</ijw:BerichtXsdVersie></XsdVersieDeclaratie>
<RetourCodes>{''.join(f'<RetourCode>{c}</RetourCode>' for c in t['header_codes'])}</RetourCodes>"""
    body = ""
    if t["antwoord"]:
        clients = "".join(
            f"<Client><Bsn>{ln['bsn']}</Bsn><Prestaties>{_prestatie(ln, codes)}</Prestaties>"
            f"<RetourCodes>{''.join(f'<RetourCode>{c}</RetourCode>' for c in t['client_codes'])}</RetourCodes></Client>\n"
            for ln, codes in rejected
        )
        body = f"""<DeclaratieAntwoord><DeclaratieNummer>{declaratie}</DeclaratieNummer>
{_totaal('TotaalIngediendBedrag', t['ingediend'])}{_totaal('TotaalToegekendBedrag', toegekend)}
{f'<Clienten>{clients}</Clienten>' if clients else ''}<RetourCodes><RetourCode>{t['antwoord']}</RetourCode></RetourCodes></DeclaratieAntwoord>"""
    return (header("jw325", t["gemeente"], t["agb"], ident, t["dag"], extra) + body + "</Bericht>").encode()


# ------------------------------------------------------------------------------------------ JW305 / JW307


def start_product(nummer: int, **kw) -> dict:
    return {"nummer": nummer, "cat": "45", "code": "45A03", "ingang": "2025-01-01", "begin": "2025-01-06",
            "status": "1", **kw}


def stop_product(nummer: int, **kw) -> dict:
    return {**start_product(nummer), "reden": "31", "einde": "2025-06-30", **kw}


def jw305(ident: str, products: list[dict], **kw) -> bytes:
    t = {"gemeente": GEMEENTE, "agb": AGB, "bsn": BSN, "dag": "2025-01-08", **kw}
    items = "".join(
        f"<StartProduct><ToewijzingNummer>{p['nummer']}</ToewijzingNummer>{product(p['cat'], p['code'])}"
        f"{_opt('ToewijzingIngangsdatum', p['ingang'])}<Begindatum>{p['begin']}</Begindatum>"
        f"<StatusAanlevering>{p['status']}</StatusAanlevering></StartProduct>\n"
        for p in products
    )
    return (header("jw305", t["agb"], t["gemeente"], ident, t["dag"]) + _client_kort(t["bsn"])
            + f"<StartProducten>{items}</StartProducten></Client></Bericht>").encode()


def jw307(ident: str, products: list[dict], **kw) -> bytes:
    t = {"gemeente": GEMEENTE, "agb": AGB, "bsn": BSN, "dag": "2025-07-02", **kw}
    items = "".join(
        f"<StopProduct><ToewijzingNummer>{p['nummer']}</ToewijzingNummer>{product(p['cat'], p['code'])}"
        f"{_opt('ToewijzingIngangsdatum', p['ingang'])}<Begindatum>{p['begin']}</Begindatum>"
        f"<RedenBeeindiging>{p['reden']}</RedenBeeindiging><Einddatum>{p['einde']}</Einddatum>"
        f"<StatusAanlevering>{p['status']}</StatusAanlevering></StopProduct>\n"
        for p in products
    )
    return (header("jw307", t["agb"], t["gemeente"], ident, t["dag"]) + _client_kort(t["bsn"])
            + f"<StopProducten>{items}</StopProducten></Client></Bericht>").encode()


# ------------------------------------------------------------------------------------------ JW315 / JW317 / JW319


def aangevraagd_product(ref: str, **kw) -> dict:
    return {"ref": ref, "cat": "45", "code": "45A03", "ingang": "2025-02-01", "eind": "2025-12-31",
            "omvang": omvang(), "budget": "", "verwijzer": "02", "zorgverlener": "99980001", **kw}


def jw315(ident: str, products: list[dict], **kw) -> bytes:
    t = {"gemeente": GEMEENTE, "agb": AGB, "bsn": BSN, "dag": "2025-01-20", **kw}
    items = "".join(
        f"<AangevraagdProduct><ReferentieAanbieder>{p['ref']}</ReferentieAanbieder>{product(p['cat'], p['code'])}"
        f"<ToewijzingIngangsdatum>{p['ingang']}</ToewijzingIngangsdatum>{_opt('ToewijzingEinddatum', p['eind'])}"
        f"{p['omvang']}{_opt('Budget', p['budget'])}"
        f"<Verwijzer><ijw:Type>{p['verwijzer']}</ijw:Type>{_opt('ijw:ZorgverlenerCode', p['zorgverlener'])}</Verwijzer>"
        "</AangevraagdProduct>\n"
        for p in products
    )
    return (header("jw315", t["agb"], t["gemeente"], ident, t["dag"]) + _client_kort(t["bsn"])
            + f"<AangevraagdeProducten>{items}</AangevraagdeProducten></Client></Bericht>").encode()


def jw317(ident: str, ref: str, ongewijzigd: int, te_wijzigen: int, **kw) -> bytes:
    """A VOW: assignment ``ongewijzigd`` stays, ``te_wijzigen`` gets a new Omvang, plus one new
    product (``cat``/``code``/``nieuw_omvang``/``nieuw_budget``)."""
    t = {"gemeente": GEMEENTE, "agb": AGB, "bsn": BSN, "dag": "2025-02-10", "reden": "1",
         "omvang": omvang(12), "budget": "", "cat": "45", "code": "45A05", "nieuw_omvang": omvang(4, "04", "2"),
         "nieuw_budget": "", **kw}
    return (header("jw317", t["agb"], t["gemeente"], ident, t["dag"]) + f"""<Client><Bsn>{t['bsn']}</Bsn><Verzoek>
<ReferentieAanbieder>{ref}</ReferentieAanbieder><RedenVerzoek>{t['reden']}</RedenVerzoek>
<OngewijzigdeProducten><OngewijzigdProduct><ToewijzingNummer>{ongewijzigd}</ToewijzingNummer></OngewijzigdProduct></OngewijzigdeProducten>
<TeWijzigenProducten><TeWijzigenProduct><ToewijzingNummer>{te_wijzigen}</ToewijzingNummer>
<GewensteIngangsdatum>2025-03-01</GewensteIngangsdatum><Einddatum>2025-12-31</Einddatum>{t['omvang']}{_opt('Budget', t['budget'])}</TeWijzigenProduct></TeWijzigenProducten>
<NieuweProducten><NieuwProduct>{product(t['cat'], t['code'])}<GewensteIngangsdatum>2025-03-01</GewensteIngangsdatum>
<Einddatum>2025-12-31</Einddatum>{t['nieuw_omvang']}{_opt('Budget', t['nieuw_budget'])}</NieuwProduct></NieuweProducten>
</Verzoek></Client></Bericht>""").encode()


def jw319(ident: str, ref: str, **kw) -> bytes:
    t = {"gemeente": GEMEENTE, "agb": AGB, "dag": "2025-02-14", "antwoord": "1", "reden": "2", **kw}
    return (header("jw319", t["gemeente"], t["agb"], ident, t["dag"])
            + f"<Antwoord><ReferentieAanbieder>{ref}</ReferentieAanbieder><VerzoekAntwoord>{t['antwoord']}</VerzoekAntwoord>"
            f"{_opt('RedenAfwijzingVerzoek', t['reden'])}</Antwoord></Bericht>").encode()


# ------------------------------------------------------------------------------------------ results


#: dataset -> SQL giving (row label parts...) per quarantined row of a batch, and how to label them
_LABELS = {
    "jw301_toegewezen_product": "s.toewijzing_nummer::text",
    "jw305_start_product": "s.toewijzing_nummer::text",
    "jw307_stop_product": "s.toewijzing_nummer::text",
    "jw315_aangevraagd_product": "s.referentie_aanbieder || '/' || coalesce(s.product_code, '-')",
    "jw317_verzoek_product": "s.referentie_aanbieder || '/' || s.soort_product",
    "jw319_antwoord": "s.referentie_aanbieder",
    "jw323_prestatie": "s.referentie_nummer",
    "jw325_declaratie_antwoord": "'antwoord'",
    "jw325_prestatie": "s.referentie_nummer",
}


def quarantined(conn, batch_id: int) -> dict[tuple[str, str], set[str]]:
    """{(dataset, raw label): rule codes} of every quarantined row of a batch. Labels are the
    row's ToewijzingNummer (JW301/305/307), ReferentieAanbieder (+ '/' + ProductCode or soort),
    ReferentieNummer (JW323/JW325 lines) or 'antwoord' (the JW325 message row)."""
    got: dict[tuple[str, str], set[str]] = {}
    for dataset, label in _LABELS.items():
        for key, codes in conn.execute(
            f"SELECT {label}, q.regel_codes FROM dq.quarantine q JOIN staging.{dataset} s ON s.row_id = q.row_id "
            "WHERE q.dataset = %s AND q.batch_id = %s",
            (dataset, batch_id),
        ):
            assert (dataset, key) not in got, f"two quarantined {dataset} rows labelled {key}: make the labels unique"
            got[(dataset, key)] = set(codes)
    return got


def covered(cases) -> set[tuple[str, str]]:
    """(dataset, regel_code) pairs a set of cases expects to break: cases have ``.expected``
    {(dataset, label): {'CODE/RETOUR', ...}}."""
    return {(dataset, code.split("/")[0]) for case in cases for (dataset, _), codes in case.expected.items()
            for code in codes}


# ------------------------------------------------------------------------------------------ running


def rules_database(pg_server: str, prefix: str):
    """A migrated database on the test server (a generator: yields its URL, drops it after)."""
    import uuid

    import psycopg

    from jeugdhulp import warehouse

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    with warehouse.connect(url) as conn:
        warehouse.migrate(conn)
    yield url
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_batch(url: str, tmp_path, files: list[tuple[str, bytes]], *, tamper: list[str] = (),
              publish: bool = False, key: str) -> tuple[int, bool]:
    """Stage ``files`` (name, content) as one batch, run ``tamper`` SQL on it (``%(b)s`` = its
    batch_id: for rules the parser already enforces), audit it and, with ``publish``, publish it.
    Returns (batch_id, whether the quality gate passed)."""
    from jeugdhulp import pipeline, quality, warehouse

    dirs = {k: tmp_path / k for k in ("landing", "archive", "quarantine")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (dirs["landing"] / name).write_bytes(data)
    staged = pipeline.stage(url, key, **dirs)
    assert staged["quarantined"] == {}, f"the case's files must parse: {staged['quarantined']}"
    batch_id = staged["batch_id"]
    if tamper:
        with warehouse.connect(url) as conn:
            for sql in tamper:
                assert conn.execute(sql, {"b": batch_id}).rowcount > 0, f"tamper changed nothing: {sql}"
    try:
        pipeline.validate(url, batch_id)
    except quality.QualityGateError:
        return batch_id, False
    if publish:
        pipeline.publish(url, batch_id)
    return batch_id, True
