"""A parse error names the element, the line and the rule - never a value from the file.

Each case puts a malformed, recognisable value into a personal field of a JW301 (BSN, birth date,
sex, name, initials, postcode, house number, street, town) or a JW323 (BSN), parses it with and
without the official XSDs (libxml2 quotes the value in its own message) and checks that the value
is in no reason. The value is also checked to be really in the file and the file really refused
(with the XSDs), so a case cannot pass by testing nothing.
"""

from __future__ import annotations

import pytest
from conftest import TEST_KEY
from ijw_berichten import BSN, jw301, jw323, line

from jeugdhulp import ijw
from jeugdhulp.privacy import Pseudonymiser

PSEUDO = Pseudonymiser(TEST_KEY)

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


def _reason(data: bytes, xsd_dir) -> str | None:
    try:
        ijw.parse("bestand.xml", PSEUDO, data=data, xsd_dir=xsd_dir)
    except ijw.IjwParseError as exc:
        assert "bestand.xml" in str(exc)
        return exc.reason
    return None


@pytest.mark.parametrize("case", sorted(CASES))
def test_reason_without_xsd_never_quotes_a_personal_value(case):
    make, value = CASES[case]
    data = make()
    assert value.encode() in data or case == "not_utf8_in_name"
    reason = _reason(data, None)
    assert reason is None or value not in reason, reason


@pytest.mark.parametrize("case", sorted(CASES))
def test_reason_with_official_xsds_never_quotes_a_personal_value(case, official_xsd_dir):
    make, value = CASES[case]
    data = make()
    reason = _reason(data, official_xsd_dir)
    assert reason is not None, "the official XSDs must refuse this file"
    assert value not in reason, reason
    assert reason.startswith("line "), reason  # where it is
    if "not valid against" in reason:  # which element and which rule
        assert "Bericht/" in reason and "libxml2 SCHEMAV_" in reason, reason


def test_xsd_reason_names_the_element_path_and_the_rule(official_xsd_dir):
    data = CASES["bsn_8_digits"][0]()
    reason = _reason(data, official_xsd_dir)
    assert "JW301.xsd" in reason and "Bericht/Client/Bsn" in reason and "pattern" in reason
    reason = _reason(CASES["geboortedatum_dd_mm_jjjj"][0](), official_xsd_dir)
    assert "Bericht/Client/Geboortedatum/Datum" in reason and "LDT_Datum" in reason
    reason = _reason(CASES["unknown_element_named_like_a_person"][0](), official_xsd_dir)
    assert "an element the XSD does not know" in reason and "expected Geslacht" in reason


def test_the_parser_checks_the_birth_date_itself(official_xsd_dir):
    """Without XSDs the parser's own date check refuses the file, naming the element only."""
    reason = _reason(CASES["geboortedatum_dd_mm_jjjj"][0](), None)
    assert reason is not None and "Geboortedatum/Datum is not a valid date" in reason


@pytest.mark.parametrize("message, leaked", [
    # libxml2's message of a local simple type has no trailing detail: nothing of the value may be
    # taken for it, even when the value itself holds libxml2's marker text
    ("Element 'X': 'a of the atomic type '999916348' is not a valid value of the local atomic type.", "999916348"),
    ("Element 'X': [facet 'pattern'] The value 'x by the pattern '999916348' is not accepted by the pattern "
     "'[0-9]{9}'.", "999916348"),
    ("Element 'X': [facet 'enumeration'] The value 'the set {999916348' is not an element of the set {'1', '2'}.",
     "999916348"),
])
def test_xsd_detail_is_never_taken_from_the_value(message, leaked):
    for pattern in (ijw._TYPE, ijw._PATTERN, ijw._SET, ijw._BOUND, ijw._LENGTH, ijw._EXPECTED):
        m = pattern.search(message)
        assert m is None or leaked not in m.group(1)
