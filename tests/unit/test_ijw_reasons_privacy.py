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
from personal_values import CASES

from jeugdhulp import ijw
from jeugdhulp.privacy import Pseudonymiser

PSEUDO = Pseudonymiser(TEST_KEY)


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
