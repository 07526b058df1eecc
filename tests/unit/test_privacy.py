"""Tests for the BSN 11-proef, the test-BSN range and keyed pseudonymisation."""

from __future__ import annotations

import re

import pytest

from conftest import TEST_KEY
from jeugdhulp import privacy
from jeugdhulp.privacy import PseudonymKeyError, Pseudonymiser, elfproef, is_test_bsn, key_from_env

# 11-proef: sum(d1*9 + d2*8 + ... + d8*2) - d9 must be divisible by 11 (and not 0).
VALID = [
    # 9*9 + 9*8 + 9*7 + 9*6 + 9*5 + 0*4 + 0*3 + 1*2 = 81+72+63+54+45+0+0+2 = 317; 317 - 9 = 308 = 28*11
    "999990019",
    # 1*9 + 1*8 + 1*7 + 2*6 + 2*5 + 2*4 + 3*3 + 3*2 = 9+8+7+12+10+8+9+6 = 69; 69 - 3 = 66 = 6*11
    "111222333",
    # 1*9 + 2*8 + 3*7 + 4*6 + 5*5 + 6*4 + 7*3 + 8*2 = 9+16+21+24+25+24+21+16 = 156; 156 - 2 = 154 = 14*11
    "123456782",
    # lowest valid number of the test range: 9*9 + 9*8 + 9*7 + 9*6 + 0*5 + 0*4 + 0*3 + 0*2 = 270; 270 - 6 = 264 = 24*11
    "999900006",
]

INVALID_CHECK_DIGIT = [
    "999990018",  # 317 - 8 = 309 = 28*11 + 1
    "111222334",  # 69 - 4 = 65 = 5*11 + 10
    "123456781",  # 156 - 1 = 155 = 14*11 + 1
]


@pytest.mark.parametrize("bsn", VALID)
def test_elfproef_accepts_valid_numbers(bsn):
    assert elfproef(bsn) is True


@pytest.mark.parametrize("bsn", INVALID_CHECK_DIGIT)
def test_elfproef_rejects_wrong_check_digit(bsn):
    assert elfproef(bsn) is False


@pytest.mark.parametrize(
    "bsn",
    [
        "12345678",  # 8 digits
        "1234567820",  # 10 digits (a valid BSN with a digit appended)
        "0123456782",  # 10 digits with a leading zero
        "",
        "12345678a",
        "12345-782",
        " 23456782",
        "123456782 ",
        "+23456782",
        "12345678²",  # str.isdigit() is True for '²', int('²') is not
        "١٢٣٤٥٦٧٨٢",  # Arabic-Indic digits for 123456782: not a BSN
    ],
)
def test_elfproef_rejects_wrong_length_and_non_digits(bsn):
    assert elfproef(bsn) is False


def test_elfproef_rejects_all_zeros():
    # 0 is divisible by 11, but 000000000 is not a BSN
    assert elfproef("000000000") is False


@pytest.mark.parametrize(
    ("bsn", "expected"),
    [
        ("999899999", False),  # just below the range
        ("999900000", True),  # lower bound
        ("999900006", True),
        ("999999999", True),  # upper bound
        ("999999990", True),
        ("123456782", False),  # a valid but real-range BSN
        ("0999900006", False),  # 10 characters: int() would put it in range
        ("1000000000", False),
        ("99990000a", False),
        ("", False),
        ("99999999²", False),
    ],
)
def test_is_test_bsn_bounds(bsn, expected):
    assert is_test_bsn(bsn) is expected


def test_pseudonymiser_is_deterministic_and_hex():
    p = Pseudonymiser(TEST_KEY)
    a = p("999990019")
    assert a == p("999990019")
    assert a == Pseudonymiser(TEST_KEY)("999990019")  # not just the per-instance cache
    assert re.fullmatch(r"[0-9a-f]{64}", a)


def test_pseudonymiser_differs_per_bsn_and_per_key():
    p = Pseudonymiser(TEST_KEY)
    q = Pseudonymiser(TEST_KEY + "x")
    assert p("999990019") != p("111222333")
    assert p("999990019") != q("999990019")
    assert Pseudonymiser(TEST_KEY.encode())("999990019") == p("999990019")  # str and bytes keys agree


def test_pseudonym_does_not_contain_the_bsn():
    p = Pseudonymiser(TEST_KEY)
    for bsn in VALID:
        pseudonym = p(bsn)
        assert bsn not in pseudonym
        assert pseudonym != bsn


def test_pseudonym_is_hmac_not_plain_hash():
    import hashlib

    bsn = "999990019"
    assert Pseudonymiser(TEST_KEY)(bsn) != hashlib.sha256(bsn.encode()).hexdigest()


@pytest.mark.parametrize("key", ["", "short", "x" * (privacy.MIN_KEY_LENGTH - 1), b"x" * (privacy.MIN_KEY_LENGTH - 1)])
def test_short_key_refused(key):
    with pytest.raises(PseudonymKeyError, match="at least"):
        Pseudonymiser(key)


def test_minimum_length_key_accepted():
    assert len(Pseudonymiser("k" * privacy.MIN_KEY_LENGTH)("999990019")) == 64


def test_key_from_env_without_env_names_connection_and_env_var(monkeypatch):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    with pytest.raises(PseudonymKeyError) as info:
        key_from_env()
    message = str(info.value)
    assert "jeugdhulp_pseudonym" in message
    assert "JEUGDHULP_PSEUDONYM_KEY" in message


def test_key_from_env_empty_value_is_refused(monkeypatch):
    monkeypatch.setenv("JEUGDHULP_PSEUDONYM_KEY", "")
    with pytest.raises(PseudonymKeyError):
        key_from_env()


def test_key_from_env_returns_the_key(monkeypatch):
    monkeypatch.setenv("JEUGDHULP_PSEUDONYM_KEY", TEST_KEY)
    assert key_from_env() == TEST_KEY


# --------------------------------------------------------------------------- key chain, strength

K1 = "3f9a1c0e7b2d4a6f8e1c3b5d7a9f0e2c4b6d8a1f3e5c7b9d"
K2 = "b81e4f0a9c2d7e6b5a4f3c2d1e0b9a8f7e6d5c4b3a2f1e0d"


def _h(key: str, value: str) -> str:
    import hashlib
    import hmac

    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_one_key_is_plain_hmac_and_a_chain_is_hmac_of_the_previous_pseudonym():
    bsn = "999916348"
    assert Pseudonymiser(K1)(bsn) == _h(K1, bsn)
    assert Pseudonymiser(f"{K1} {K2}")(bsn) == _h(K2, _h(K1, bsn))
    assert Pseudonymiser(f"  {K1}\n{K2} ")(bsn) == _h(K2, _h(K1, bsn))  # any whitespace separates
    assert Pseudonymiser(f"{K1} {K2}").generation == 2


def test_a_pickled_chain_pseudonymises_the_same_and_carries_no_cache():
    import pickle

    p = Pseudonymiser(f"{K1} {K2}")
    p("999916348")
    q = pickle.loads(pickle.dumps(p))
    assert q("999916348") == p("999916348") and q.generation == 2
    assert b"999916348" not in pickle.dumps(p)


def test_fingerprints_per_generation_reveal_no_key():
    prints = Pseudonymiser(f"{K1} {K2}").fingerprints()
    assert prints == [_h(K1, "jeugdhulp:pseudoniem-sleutel-vingerafdruk:v1"),
                      _h(K2, _h(K1, "jeugdhulp:pseudoniem-sleutel-vingerafdruk:v1"))]
    assert Pseudonymiser(K1).fingerprints() == prints[:1]
    assert all(K1 not in fp and K2 not in fp for fp in prints)


@pytest.mark.parametrize("key, why", [
    ("change-me-pseudonym-key", "characters"),
    ("change-me-pseudonym-key-" + K1, "placeholder"),
    ("ChangeMe" + K1, "placeholder"),
    ("changeme" + K1, "placeholder"),
    ("secret" + K1, "placeholder"),
    ("wachtwoord" + K1, "placeholder"),
    ("x" * 40, "different characters"),
    ("0101" * 10, "different characters"),
    (K1[:31], "characters"),
    (f"{K1} short", "key 2 of the pseudonymisation key chain"),
    ("   ", "empty"),
])
def test_weak_keys_are_refused_without_quoting_them(key, why):
    with pytest.raises(PseudonymKeyError) as info:
        privacy.require_strong_key(key)
    assert why in str(info.value)
    assert "openssl rand -hex 32" in str(info.value) or why == "empty"
    for part in key.split():
        assert part not in str(info.value)


@pytest.mark.parametrize("key", [K1, f"{K1} {K2}", TEST_KEY, "file-key-" + "1" * 32])
def test_random_keys_and_chains_are_accepted(key):
    privacy.require_strong_key(key)
