"""Files with a malformed, recognisable value in a personal field (shared by the parser-level and
the pipeline-level privacy tests). Built from tests/ijw_berichten.py, independent of synth."""

from __future__ import annotations

from ijw_berichten import BSN, jw301, jw323, line

ADRES = "<Adres><ijw:Postcode>8011AB</ijw:Postcode></Adres>"
VOLLEDIG_ADRES = ("<Adres><ijw:Huis><ijw:Huisnummer>32</ijw:Huisnummer></ijw:Huis><ijw:Postcode>8011AB</ijw:Postcode>"
                  "<ijw:Straatnaam>Testlaan</ijw:Straatnaam><ijw:Plaatsnaam>Zwolle</ijw:Plaatsnaam>"
                  "<ijw:LandCode>NL</ijw:LandCode></Adres>")


def _jw301() -> str:
    text = jw301("TW1", 250000001).decode().replace(ADRES, VOLLEDIG_ADRES)
    assert VOLLEDIG_ADRES in text
    return text.replace("<ijw:NaamGebruik>", "<ijw:Voorletters>P</ijw:Voorletters><ijw:NaamGebruik>")


def _replace(text: str, old: str, new: str) -> bytes:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1).encode()


#: name -> (file content, the personal value that must never be quoted)
CASES = {
    "bsn_8_digits": (lambda: _replace(_jw301(), f"<Bsn>{BSN}</Bsn>", "<Bsn>99992838</Bsn>"), "99992838"),
    "bsn_letters": (lambda: _replace(_jw301(), f"<Bsn>{BSN}</Bsn>", "<Bsn>99992838X</Bsn>"), "99992838X"),
    "geboortedatum_dd_mm_jjjj": (lambda: _replace(_jw301(), "<ijw:Datum>2012-05-01<", "<ijw:Datum>26-11-2013<"),
                                 "26-11-2013"),
    "geboortedatum_31_juni": (lambda: _replace(_jw301(), "<ijw:Datum>2012-05-01<", "<ijw:Datum>2013-06-31<"),
                              "2013-06-31"),
    "geslacht": (lambda: _replace(_jw301(), "<Geslacht>2</Geslacht>", "<Geslacht>vrouw-7</Geslacht>"), "vrouw-7"),
    "achternaam": (lambda: _replace(_jw301(), ">Proefpersoon<", ">" + "Geheimnaam" * 25 + "<"), "Geheimnaam"),
    "voorletters": (lambda: _replace(_jw301(), ">P</ijw:Voorletters>", ">GHJKLMNP</ijw:Voorletters>"), "GHJKLMNP"),
    "postcode": (lambda: _replace(_jw301(), ">8011AB<", ">8011AB-geheim-postcode<"), "8011AB-geheim"),
    "huisnummer": (lambda: _replace(_jw301(), ">32</ijw:Huisnummer>", ">32b-achter</ijw:Huisnummer>"), "32b-achter"),
    "straatnaam": (lambda: _replace(_jw301(), ">Testlaan<", ">" + "Geheimstraat" * 20 + "<"), "Geheimstraat"),
    "plaatsnaam": (lambda: _replace(_jw301(), ">Zwolle<", ">" + "Geheimdorp" * 20 + "<"), "Geheimdorp"),
    "bsn_in_declaratie": (lambda: jw323("D1", [line(ref="R1", nummer=250000001, bsn="99992838")]), "99992838"),
    # the parser's own checks (also without XSDs)
    "bsn_missing_but_name_present": (lambda: _replace(_jw301(), f"<Bsn>{BSN}</Bsn>", ""), "Proefpersoon"),
    "not_utf8_in_name": (lambda: _jw301().encode().replace(b">Proefpersoon<", b">Proef\xe9\xff\xfepersoon<"),
                         "Proef"),
    "entity_in_name": (lambda: _replace(_jw301(), ">Proefpersoon<", ">Geheim&naam;<"), "Geheim"),
    "tag_mismatch_in_name": (lambda: _replace(_jw301(), "</ijw:Achternaam>", "</ijw:GeheimJansen>"), "GeheimJansen"),
    "unknown_element_named_like_a_person": (lambda: _replace(_jw301(), "<Geslacht>", "<Jansen999916348/><Geslacht>"),
                                            "Jansen999916348"),
}
