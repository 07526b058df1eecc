"""Hardened parsing of iJw 3.2 messages into flat records with iJw names in snake_case.

Security: the parser never resolves entities, never reads a DTD, never touches the network and
refuses any document with a DOCTYPE (XXE, billion laughs) or above the 25 MB iJw file limit.

Privacy: the BSN is replaced by a keyed pseudonym *inside* the parser; names, addresses,
contact data and free-text comments are never read. What leaves this module is safe to store.

Each message becomes a :class:`Message` (the header plus message-level fields such as the
declaration period) and a list of :class:`Record` (one per ``ToegewezenProduct`` of a JW301, one
per ``Prestatie`` of a JW323), each with the client's pseudonymised attributes and the item's
fields. Anything the parser cannot read raises :class:`IjwParseError` with file, line and
reason, so the caller can quarantine the file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

from jeugdhulp.privacy import elfproef

NS_PREFIX = "http://www.istandaarden.nl/ijw/3_2/"
NS_BASIS = NS_PREFIX + "basisschema/schema"
MAX_FILE_BYTES = 25 * 1024 * 1024  # OP179: iJw files may not exceed 25 MB
#: LDT_Datum: plain YYYY-MM-DD (date.fromisoformat alone also takes e.g. ISO week dates '2025-W05-4')
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: message type -> BerichtCode (COD002)
BERICHT_CODES = {"JW301": "436", "JW323": "490"}


class IjwParseError(ValueError):
    """A file that cannot be read as an iJw message; ``reason`` is one line for a human."""

    def __init__(self, path: str | os.PathLike, reason: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.reason = reason if line is None else f"line {line}: {reason}"
        super().__init__(f"{self.path}: {self.reason}")


@dataclass
class Record:
    client: dict
    item: dict
    line: int  # source line of the item element

    def flat(self, header: dict) -> dict:
        return {**header, **self.client, **self.item, "bron_regel": self.line}


@dataclass
class Message:
    bericht_type: str
    header: dict
    records: list[Record] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@lru_cache(maxsize=None)
def _schema(xsd_dir: str, bericht_type: str) -> etree.XMLSchema:
    path = Path(xsd_dir) / f"{bericht_type}.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Reader:
    """Typed access to element text with errors that name the element and its line."""

    def __init__(self, path: str | os.PathLike):
        self.path = path

    def fail(self, el, reason: str):
        raise IjwParseError(self.path, reason, getattr(el, "sourceline", None))

    def children(self, el) -> dict:
        return {_local(c.tag): c for c in el}

    def text(self, el, name: str, required: bool = True) -> str | None:
        child = self.child(el, name, required=False)
        if child is None or child.text is None or not child.text.strip():
            if required:
                self.fail(el, f"{_local(el.tag)}/{name} is missing or empty")
            return None
        return child.text.strip()

    def date(self, el, name: str, required: bool = True) -> dt.date | None:
        value = self.text(el, name, required)
        if value is None:
            return None
        if not _DATE_RE.fullmatch(value):
            return self._bad_date(el, name, value)
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return self._bad_date(el, name, value)

    def _bad_date(self, el, name, value):
        self.fail(el, f"{_local(el.tag)}/{name} '{value}' is not a valid date (YYYY-MM-DD)")

    def integer(self, el, name: str, required: bool = True) -> int | None:
        value = self.text(el, name, required)
        if value is None:
            return None
        if not (value.isascii() and value.isdigit()):  # str.isdigit() alone accepts '²' (int() then fails)
            self.fail(el, f"{_local(el.tag)}/{name} '{value}' is not a whole number")
        return int(value)

    def child(self, el, name: str, required: bool = True):
        for c in el:
            if _local(c.tag) == name:
                return c
        if required:
            self.fail(el, f"{_local(el.tag)}/{name} is missing")
        return None


def _debet_credit(r: _Reader, el) -> str:
    dc = r.text(el, "DebetCredit")
    if dc not in ("D", "C"):
        r.fail(el, f"DebetCredit '{dc}' is not D or C")
    return dc


def _signed(r: _Reader, el, amount_name: str) -> int:
    amount = r.integer(el, amount_name)
    return amount if _debet_credit(r, el) == "D" else -amount


def read_document(path: str | os.PathLike, data: bytes | None = None):
    """Parse bytes safely; returns the root element. Raises IjwParseError."""
    if data is None:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise IjwParseError(path, f"file is {size} bytes, above the iJw limit of 25 MB (OP179)")
        with open(path, "rb") as fh:
            data = fh.read()
    if not data.strip():
        raise IjwParseError(path, "file is empty")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # refused before libxml2 sees it
        raise IjwParseError(path, "document has a DOCTYPE/DTD; iJw messages never do (refused: XXE/entity expansion)")
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        msg = re.sub(r",? line \d+, column \d+$", "", exc.msg)  # the position is reported once, below
        raise IjwParseError(path, f"not well-formed XML: {msg}", exc.lineno or None) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # e.g. a UTF-16 encoded DOCTYPE
        raise IjwParseError(path, "document has a DOCTYPE/DTD; iJw messages never do (refused: XXE/entity expansion)")
    return tree.getroot()


def message_type(path, root) -> str:
    ns = etree.QName(root).namespace or ""
    if not ns.startswith(NS_PREFIX) or not ns.endswith("/schema"):
        raise IjwParseError(path, f"root element is not in an iJw 3.2 namespace (found '{ns or 'no namespace'}')")
    bericht_type = ns[len(NS_PREFIX):-len("/schema")].upper()
    if bericht_type not in BERICHT_CODES:
        raise IjwParseError(path, f"message type {bericht_type} is not supported (supported: {', '.join(BERICHT_CODES)})")
    if etree.QName(root).localname != "Bericht":
        raise IjwParseError(path, f"root element is {etree.QName(root).localname}, expected Bericht")
    return bericht_type


def _header(r: _Reader, root, bericht_type: str) -> dict:
    header = r.child(root, "Header")
    code = r.text(header, "BerichtCode")
    if code != BERICHT_CODES[bericht_type]:
        r.fail(header, f"BerichtCode {code} does not match {bericht_type} (expected {BERICHT_CODES[bericht_type]})")
    versie = (r.text(header, "BerichtVersie"), r.text(header, "BerichtSubversie"))
    if versie != ("3", "2"):
        r.fail(header, f"BerichtVersie/Subversie {'.'.join(versie)} is not iJw 3.2")
    ident = r.child(header, "BerichtIdentificatie")
    return {
        "bericht_type": bericht_type,
        "afzender": r.text(header, "Afzender"),
        "ontvanger": r.text(header, "Ontvanger"),
        "bericht_identificatie": r.text(ident, "Identificatie"),
        "dagtekening": r.date(ident, "Dagtekening"),
    }


def _client_attrs(r: _Reader, client, pseudonymise: Callable[[str], str]) -> dict:
    bsn = r.text(client, "Bsn")
    attrs = {"client_pseudoniem": pseudonymise(bsn), "bsn_elfproef": elfproef(bsn)}
    geboorte = r.child(client, "Geboortedatum", required=False)
    if geboorte is not None:
        attrs["geboortejaar"] = r.date(geboorte, "Datum").year
    geslacht = r.text(client, "Geslacht", required=False)
    if geslacht is not None:
        attrs["geslacht"] = geslacht
    return attrs


def _postcode4(client) -> str | None:
    """First 4 digits of the client's first Dutch postcode; the rest of the address is never read."""
    for el in client.iter(f"{{{NS_BASIS}}}Postcode"):
        pc = (el.text or "").strip()
        if len(pc) >= 4 and pc[:4].isdigit():
            return pc[:4]
    return None


def _parse_jw301(r: _Reader, root, header: dict, pseudonymise) -> Message:
    header = {**header, "gemeente": header["afzender"], "aanbieder": header["ontvanger"]}
    msg = Message("JW301", header)
    client = r.child(root, "Client")
    attrs = _client_attrs(r, client, pseudonymise)
    attrs["postcode4"] = _postcode4(client)
    for tp in r.child(client, "ToegewezenProducten"):
        if _local(tp.tag) != "ToegewezenProduct":
            continue
        product = r.child(tp, "Product", required=False)
        omvang = r.child(tp, "Omvang", required=False)
        tijd = r.text(tp, "Toewijzingstijd")
        try:
            toewijzingstijd = dt.time.fromisoformat(tijd)
        except ValueError:
            r.fail(tp, f"Toewijzingstijd '{tijd}' is not a valid time (hh:mm:ss)")
        item = {
            "toewijzing_nummer": r.integer(tp, "ToewijzingNummer"),
            "referentie_aanbieder": r.text(tp, "ReferentieAanbieder", required=False),
            "product_categorie": r.text(product, "Categorie") if product is not None else None,
            "product_code": r.text(product, "Code", required=False) if product is not None else None,
            "toewijzingsdatum": r.date(tp, "Toewijzingsdatum"),
            "toewijzingstijd": toewijzingstijd,
            "ingangsdatum": r.date(tp, "Ingangsdatum"),
            "einddatum": r.date(tp, "Einddatum", required=False),
            "reden_wijziging": r.text(tp, "RedenWijziging", required=False),
            "volume": r.integer(omvang, "Volume") if omvang is not None else None,
            "eenheid": r.text(omvang, "Eenheid") if omvang is not None else None,
            "frequentie": r.text(omvang, "Frequentie") if omvang is not None else None,
            "budget": r.integer(tp, "Budget", required=False),
        }
        msg.records.append(Record(attrs, item, tp.sourceline))
    if not msg.records:
        r.fail(client, "no ToegewezenProduct in ToegewezenProducten")
    return msg


def _parse_jw323(r: _Reader, root, header: dict, pseudonymise) -> Message:
    decl = r.child(root, "Declaratie")
    periode = r.child(decl, "DeclaratiePeriode")
    header = {
        **header,
        "gemeente": header["ontvanger"],
        "aanbieder": header["afzender"],
        "declaratie_nummer": r.text(decl, "DeclaratieNummer"),
        "declaratie_periode_begindatum": r.date(periode, "Begindatum"),
        "declaratie_periode_einddatum": r.date(periode, "Einddatum"),
        "declaratie_dagtekening": r.date(decl, "DeclaratieDagtekening"),
        "totaal_ingediend_bedrag": _signed(r, r.child(decl, "TotaalIngediendBedrag"), "TotaalBedrag"),
    }
    msg = Message("JW323", header)
    for client in r.child(decl, "Clienten"):
        if _local(client.tag) != "Client":
            continue
        attrs = _client_attrs(r, client, pseudonymise)
        for p in r.child(client, "Prestaties"):
            if _local(p.tag) != "Prestatie":
                continue
            c = r.children(p)
            ref = c.get("ProductReferentie")
            pp = c.get("ProductPeriode")
            bedrag = c.get("IngediendBedrag")
            if ref is None or pp is None or bedrag is None:
                r.fail(p, "Prestatie lacks ProductReferentie, ProductPeriode or IngediendBedrag")
            item = {
                "referentie_nummer": r.text(ref, "ReferentieNummer"),
                "vorig_referentie_nummer": r.text(ref, "VorigReferentieNummer", required=False),
                "toewijzing_nummer": r.integer(p, "ToewijzingNummer"),
                "product_categorie": r.text(p, "ProductCategorie"),
                "product_code": r.text(p, "ProductCode"),
                "product_periode_begindatum": r.date(pp, "Begindatum"),
                "product_periode_einddatum": r.date(pp, "Einddatum"),
                "geleverd_volume": r.integer(p, "GeleverdVolume"),
                "eenheid": r.text(p, "Eenheid"),
                "product_tarief": r.integer(p, "ProductTarief", required=False),
                "ingediend_bedrag": r.integer(bedrag, "Bedrag"),
                "debet_credit": _debet_credit(r, bedrag),
            }
            msg.records.append(Record(attrs, item, p.sourceline))
    if not msg.records:
        r.fail(decl, "declaration has no Prestatie")
    return msg


_PARSERS = {"JW301": _parse_jw301, "JW323": _parse_jw323}


def parse(
    path: str | os.PathLike,
    pseudonymise: Callable[[str], str],
    *,
    data: bytes | None = None,
    xsd_dir: str | os.PathLike | None = None,
) -> Message:
    """Parse one iJw file. ``xsd_dir`` (or env ``IJW_XSD_DIR``) enables official XSD validation."""
    root = read_document(path, data)
    bericht_type = message_type(path, root)
    xsd_dir = xsd_dir or os.environ.get("IJW_XSD_DIR")
    if xsd_dir:
        schema = _schema(str(xsd_dir), bericht_type)
        if not schema.validate(root.getroottree()):
            err = schema.error_log.last_error
            raise IjwParseError(path, f"not valid against {bericht_type}.xsd: {err.message}", err.line)
    r = _Reader(path)
    header = _header(r, root, bericht_type)
    return _PARSERS[bericht_type](r, root, header, pseudonymise)
