"""Hardened parsing of iJw 3.2 messages into flat records with iJw names in snake_case.

Security: the parser never resolves entities, never reads a DTD, never touches the network and
refuses any document with a DOCTYPE (XXE, billion laughs) or above the 25 MB iJw file limit.

Privacy: the BSN is replaced by a keyed pseudonym *inside* the parser; names, addresses,
contact data and free-text comments are never read. What leaves this module is safe to store.
That includes the errors: a reason names the element (its path), the line and the rule that was
broken, never a value read from the file - a malformed BSN, birth date, postcode or name would
otherwise end up in the manifest, the task log and XCom. Not even libxml2's own messages are
passed on (they quote values, bytes and names); see :func:`_syntax_reason`, :func:`_xsd_reason`.

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
_TIME_RE = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?")

#: message type -> BerichtCode (COD002)
BERICHT_CODES = {
    "JW301": "436",
    "JW305": "438",
    "JW307": "440",
    "JW315": "446",
    "JW317": "486",
    "JW319": "488",
    "JW323": "490",
    "JW325": "491",
}


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
    item: dict  # (``parse(texts=True)``: a plain JW323 Prestatie is a tuple, see prestatie_item)
    line: int  # source line of the item element

    def flat(self, header: dict) -> dict:
        item = self.item if type(self.item) is not tuple else prestatie_item(self.item)
        return {**header, **self.client, **item, "bron_regel": self.line}


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


@lru_cache(maxsize=None)
def _schema_names(xsd_dir: str) -> frozenset[str]:
    """Every element name the XSDs in ``xsd_dir`` declare: the only names a reason may show."""
    names = set()
    for xsd in Path(xsd_dir).glob("*.xsd"):
        names.update(etree.parse(str(xsd)).xpath("//xs:element/@name", namespaces={"xs": "http://www.w3.org/2001/XMLSchema"}))
    return frozenset(names)


#: libxml2 well-formedness errors (by code name) -> what is wrong. libxml2's own message is never
#: shown: it quotes what it found (tag, attribute and entity names, encoding names, raw bytes).
_SYNTAX_RULES = {
    "ERR_DOCUMENT_END": "content after the end of the root element",
    "ERR_DOCUMENT_EMPTY": "no root element",
    "ERR_TAG_NAME_MISMATCH": "an end tag does not match its start tag",
    "ERR_TAG_NOT_FINISHED": "an element is not closed (is the file cut off?)",
    "ERR_NAME_REQUIRED": "a tag or entity reference without a valid name (a bare '<' or '&' in text?)",
    "ERR_GT_REQUIRED": "a tag is not closed with '>'",
    "ERR_LT_REQUIRED": "a tag is not opened with '<'",
    "ERR_INVALID_ENCODING": "bytes that are not valid in the declared encoding (use UTF-8)",
    "ERR_UNSUPPORTED_ENCODING": "an unsupported encoding (use UTF-8)",
    "ERR_ENCODING_NAME": "an invalid encoding name in the XML declaration (use UTF-8)",
    "ERR_INVALID_CHAR": "a character XML does not allow (a control character?)",
    "ERR_UNDECLARED_ENTITY": "an entity reference other than &amp; &lt; &gt; &quot; &apos;",
    "ERR_ATTRIBUTE_NOT_STARTED": "an attribute value without quotes",
    "ERR_ATTRIBUTE_REDEFINED": "an attribute given twice on one element",
    "NS_ERR_UNDEFINED_NAMESPACE": "a namespace prefix that is not declared",
    "ERR_XMLDECL_NOT_FINISHED": "a malformed XML declaration",
}


#: libxml2 error code -> its name (ERR_TAG_NAME_MISMATCH, ...)
_ERROR_NAMES = {v: k for k, v in vars(etree.ErrorTypes).items() if isinstance(v, int) and k.isupper()}


def _syntax_reason(exc: etree.XMLSyntaxError) -> str:
    """The first error libxml2 met (``exc.code``; what follows it are recovery errors)."""
    name = _ERROR_NAMES.get(exc.code, "ERR_INTERNAL_ERROR")
    return f"not well-formed XML: {_SYNTAX_RULES.get(name, 'XML syntax error')} (libxml2 {name})"


#: the XSD's detail at the END of libxml2's message (a pattern, type, length, code list, bound or the
#: expected elements), after the value it quotes: anchored at the end and without the quote or
#: brace that closes that value, so a value can never be captured, whatever it holds
_PATTERN = re.compile(r"by the pattern '([^']*)'\.$")
_TYPE = re.compile(r"of the atomic type '([^']*)'\.$")
_LENGTH = re.compile(r"length of '([0-9]+)'\.$")
_SET = re.compile(r"the set \{([^{}]*)\}\.$")
_BOUND = re.compile(r"allowed \('([^']*)'\)\.$")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^()]*) \)\.$")

#: libxml2 schema-validation errors -> the rule, and the regex of the XSD's detail
_XSD_RULES = {
    "SCHEMAV_CVC_PATTERN_VALID": ("does not match the pattern of its type", _PATTERN),
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1": ("is not a valid value of its type", _TYPE),
    "SCHEMAV_CVC_LENGTH_VALID": ("has the wrong length", _LENGTH),
    "SCHEMAV_CVC_MAXLENGTH_VALID": ("is too long", _LENGTH),
    "SCHEMAV_CVC_MINLENGTH_VALID": ("is too short", _LENGTH),
    "SCHEMAV_CVC_ENUMERATION_VALID": ("is not one of the allowed codes", _SET),
    "SCHEMAV_CVC_MININCLUSIVE_VALID": ("is below the minimum", _BOUND),
    "SCHEMAV_CVC_MAXINCLUSIVE_VALID": ("is above the maximum", _BOUND),
    "SCHEMAV_CVC_MINEXCLUSIVE_VALID": ("is below the minimum", _BOUND),
    "SCHEMAV_CVC_MAXEXCLUSIVE_VALID": ("is above the maximum", _BOUND),
    "SCHEMAV_CVC_TOTALDIGITS_VALID": ("has too many digits", _BOUND),
    "SCHEMAV_CVC_FRACTIONDIGITS_VALID": ("has too many fraction digits", _BOUND),
    "SCHEMAV_ELEMENT_CONTENT": ("is not expected here", _EXPECTED),
    "SCHEMAV_CVC_COMPLEX_TYPE_2_3": ("holds text where only elements are allowed", None),
    "SCHEMAV_CVC_COMPLEX_TYPE_2_4": ("misses a required child element", _EXPECTED),
    "SCHEMAV_CVC_TYPE_3_1_1": ("has an attribute the XSD does not allow", None),
    "SCHEMAV_CVC_ELT_1": ("is not the root element of this message (wrong namespace?)", None),
}


def _xsd_reason(root, err, known: frozenset[str]) -> str:
    """Path of the element, the rule and the XSD's detail; never the value (libxml2 quotes it)."""
    try:
        found = root.getroottree().xpath(err.path, namespaces={k: v for k, v in root.nsmap.items() if k})
    except (etree.XPathError, TypeError, ValueError):
        found = []
    if found and isinstance(found[0], etree._Element):
        names = [_local(e.tag) for e in (*reversed(list(found[0].iterancestors())), found[0])]
        where = "/".join(n if n in known else "(an element the XSD does not know)" for n in names)
    else:
        where = "an element"
    rule, detail_re = _XSD_RULES.get(err.type_name, (None, None))
    if rule is None:
        return f"{where} breaks an XSD rule (libxml2 {err.type_name})"
    m = detail_re.search(err.message) if detail_re else None
    detail = re.sub(r"\{[A-Za-z][A-Za-z0-9+.-]*:[^{}\s]*\}", "", m.group(1))[:200] if m else ""  # no namespace URIs
    if detail and detail_re is _EXPECTED:
        detail = f"expected {detail}"
    return f"{where} {rule}" + (f" ({detail})" if detail else "") + f" (libxml2 {err.type_name})"


#: tag -> local name; bounded (a hostile file may hold many distinct tags)
_LOCAL_NAMES: dict = {}
_LOCAL_NAMES_MAX = 4096


def _local(tag) -> str:
    """Local name of a tag ('' for a non-element child such as an unresolved entity)."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
        if len(_LOCAL_NAMES) >= _LOCAL_NAMES_MAX:
            _LOCAL_NAMES.clear()
        _LOCAL_NAMES[tag] = name
    return name


def _first_children(el) -> dict:
    """{local name: first child of that name} (what :meth:`_Reader.child` looks up)."""
    kids: dict = {}
    for c in el:
        name = _LOCAL_NAMES.get(c.tag) or _local(c.tag)
        if name not in kids:
            kids[name] = c
    return kids


#: LDT_Datum text -> date (bounded; the same few dates repeat on every line of a file)
_DATES: dict = {}
_DATES_MAX = 4096


class _Reader:
    """Typed access to element text with errors that name the element and its line.

    ``text``/``date``/``integer`` look a child up by local name (the first of that name); the
    ``k*`` variants take the parent's child map from :func:`_first_children`, for hot loops.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = path
        self._kids: dict = {}  # element -> {local name: first child of that name}

    def forget(self) -> None:
        """Drop the child maps (call per item, so a large file does not keep them all)."""
        self._kids.clear()

    def fail(self, el, reason: str):
        raise IjwParseError(self.path, reason, getattr(el, "sourceline", None))

    def children(self, el) -> dict:
        return {_local(c.tag): c for c in el}

    def kids(self, el) -> dict:
        kids = self._kids.get(el)
        if kids is None:
            kids = self._kids[el] = _first_children(el)
        return kids

    def text(self, el, name: str, required: bool = True) -> str | None:
        return self.ktext(el, self.kids(el), name, required)

    def date(self, el, name: str, required: bool = True) -> dt.date | None:
        return self.kdate(el, self.kids(el), name, required)

    def integer(self, el, name: str, required: bool = True) -> int | None:
        return self.kinteger(el, self.kids(el), name, required)

    def ktext(self, el, kids: dict, name: str, required: bool = True) -> str | None:
        child = kids.get(name)
        if child is not None:
            text = child.text
            if text is not None:
                text = text.strip()
                if text:
                    return text
        if required:
            self.fail(el, f"{_local(el.tag)}/{name} is missing or empty")
        return None

    def kdate(self, el, kids: dict, name: str, required: bool = True) -> dt.date | None:
        value = self.ktext(el, kids, name, required)
        if value is None:
            return None
        found = _DATES.get(value)
        if found is not None:
            return found
        if not _DATE_RE.fullmatch(value):
            return self._bad_date(el, name, value)
        try:
            found = dt.date.fromisoformat(value)
        except ValueError:
            return self._bad_date(el, name, value)
        if len(_DATES) >= _DATES_MAX:
            _DATES.clear()
        _DATES[value] = found
        return found

    def _bad_date(self, el, name, value):
        self.fail(el, f"{_local(el.tag)}/{name} is not a valid date (YYYY-MM-DD)")

    def kinteger(self, el, kids: dict, name: str, required: bool = True) -> int | None:
        value = self.ktext(el, kids, name, required)
        if value is None:
            return None
        if not (value.isascii() and value.isdigit()):  # str.isdigit() alone accepts '²' (int() then fails)
            self.fail(el, f"{_local(el.tag)}/{name} is not a whole number (digits 0-9 only)")
        return int(value)

    def child(self, el, name: str, required: bool = True):
        found = self.kids(el).get(name)
        if found is not None:
            return found
        if required:
            self.fail(el, f"{_local(el.tag)}/{name} is missing")
        return None


def _debet_credit(r: _Reader, el) -> str:
    dc = r.text(el, "DebetCredit")
    if dc not in ("D", "C"):
        r.fail(el, f"{_local(el.tag)}/DebetCredit is not D or C")
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
    if not data or data.isspace():  # (not data.strip(): no copy of the whole file)
        raise IjwParseError(path, "file is empty")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # refused before libxml2 sees it
        raise IjwParseError(path, "document has a DOCTYPE/DTD; iJw messages never do (refused: XXE/entity expansion)")
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise IjwParseError(path, _syntax_reason(exc), exc.lineno or None) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # e.g. a UTF-16 encoded DOCTYPE
        raise IjwParseError(path, "document has a DOCTYPE/DTD; iJw messages never do (refused: XXE/entity expansion)")
    return tree.getroot()


def message_type(path, root) -> str:
    ns = etree.QName(root).namespace or ""
    if not ns.startswith(NS_PREFIX) or not ns.endswith("/schema"):
        found = "it has no namespace" if not ns else "it has another namespace"
        raise IjwParseError(path, f"root element is not in an iJw 3.2 namespace ({found}; expected {NS_PREFIX}jwNNN/schema)")
    bericht_type = ns[len(NS_PREFIX):-len("/schema")].upper()
    if bericht_type not in BERICHT_CODES:
        named = bericht_type if re.fullmatch(r"JW[0-9]{3}", bericht_type) else "in the namespace"
        raise IjwParseError(path, f"message type {named} is not supported (supported: {', '.join(BERICHT_CODES)})")
    if etree.QName(root).localname != "Bericht":
        raise IjwParseError(path, "root element is not Bericht")
    return bericht_type


def _header(r: _Reader, root, bericht_type: str) -> dict:
    header = r.child(root, "Header")
    code = r.text(header, "BerichtCode")
    if code != BERICHT_CODES[bericht_type]:
        r.fail(header, f"Header/BerichtCode does not match {bericht_type} (expected {BERICHT_CODES[bericht_type]})")
    versie = (r.text(header, "BerichtVersie"), r.text(header, "BerichtSubversie"))
    if versie != ("3", "2"):
        r.fail(header, "Header/BerichtVersie and BerichtSubversie are not 3 and 2 (iJw 3.2)")
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


def _items(parent, name: str):
    return [c for c in parent if _local(c.tag) == name]


def _product(r: _Reader, el) -> dict:
    """CDT_Product (absent for a generic assignment; Code absent for an aspecific one)."""
    product = r.child(el, "Product", required=False)
    if product is None:
        return {"product_categorie": None, "product_code": None}
    return {"product_categorie": r.text(product, "Categorie"), "product_code": r.text(product, "Code", required=False)}


def _omvang(r: _Reader, el) -> dict:
    omvang = r.child(el, "Omvang", required=False)
    if omvang is None:
        return {"volume": None, "eenheid": None, "frequentie": None}
    return {
        "volume": r.integer(omvang, "Volume"),
        "eenheid": r.text(omvang, "Eenheid"),
        "frequentie": r.text(omvang, "Frequentie"),
    }


def _retour_codes(r: _Reader, el, required: bool = True) -> list[str] | None:
    codes = r.child(el, "RetourCodes", required=required)
    if codes is None:
        return None
    return [c.text.strip() for c in _items(codes, "RetourCode") if c.text and c.text.strip()]


def _to_gemeente(header: dict) -> dict:
    """Messages from a provider to a gemeente."""
    return {**header, "gemeente": header["ontvanger"], "aanbieder": header["afzender"]}


def _to_aanbieder(header: dict) -> dict:
    """Messages from a gemeente to a provider."""
    return {**header, "gemeente": header["afzender"], "aanbieder": header["ontvanger"]}


def _time(r: _Reader, el, name: str) -> dt.time:
    value = r.text(el, name)
    if not _TIME_RE.fullmatch(value):
        r.fail(el, f"{_local(el.tag)}/{name} is not a valid time (hh:mm:ss)")
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        r.fail(el, f"{_local(el.tag)}/{name} is not a valid time (hh:mm:ss)")


def _parse_jw301(r: _Reader, root, header: dict, pseudonymise) -> Message:
    msg = Message("JW301", _to_aanbieder(header))
    client = r.child(root, "Client")
    attrs = _client_attrs(r, client, pseudonymise)
    attrs["postcode4"] = _postcode4(client)
    for tp in _items(r.child(client, "ToegewezenProducten"), "ToegewezenProduct"):
        item = {
            "toewijzing_nummer": r.integer(tp, "ToewijzingNummer"),
            "referentie_aanbieder": r.text(tp, "ReferentieAanbieder", required=False),
            **_product(r, tp),
            "toewijzingsdatum": r.date(tp, "Toewijzingsdatum"),
            "toewijzingstijd": _time(r, tp, "Toewijzingstijd"),
            "ingangsdatum": r.date(tp, "Ingangsdatum"),
            "einddatum": r.date(tp, "Einddatum", required=False),
            "reden_wijziging": r.text(tp, "RedenWijziging", required=False),
            **_omvang(r, tp),
            "budget": r.integer(tp, "Budget", required=False),
        }
        msg.records.append(Record(attrs, item, tp.sourceline))
    if not msg.records:
        r.fail(client, "no ToegewezenProduct in ToegewezenProducten")
    return msg


def _start_stop(r: _Reader, root, header: dict, pseudonymise, bericht_type: str) -> Message:
    """JW305 StartProduct / JW307 StopProduct: delta records with StatusAanlevering 1 or 3."""
    msg = Message(bericht_type, _to_gemeente(header))
    client = r.child(root, "Client")
    attrs = _client_attrs(r, client, pseudonymise)
    stop = bericht_type == "JW307"
    container, name = ("StopProducten", "StopProduct") if stop else ("StartProducten", "StartProduct")
    for el in _items(r.child(client, container), name):
        status = r.text(el, "StatusAanlevering")
        if status not in ("1", "3"):
            r.fail(el, f"{name}/StatusAanlevering is not 1 (add) or 3 (delete) (CS058)")
        item = {
            "toewijzing_nummer": r.integer(el, "ToewijzingNummer", required=False),
            **_product(r, el),
            "toewijzing_ingangsdatum": r.date(el, "ToewijzingIngangsdatum", required=False),
            "begindatum": r.date(el, "Begindatum"),
            "status_aanlevering": status,
        }
        if stop:
            item["reden_beeindiging"] = r.text(el, "RedenBeeindiging")
            item["einddatum"] = r.date(el, "Einddatum")
        msg.records.append(Record(attrs, item, el.sourceline))
    if not msg.records:
        r.fail(client, f"no {name} in {container}")
    return msg


def _parse_jw305(r, root, header, pseudonymise) -> Message:
    return _start_stop(r, root, header, pseudonymise, "JW305")


def _parse_jw307(r, root, header, pseudonymise) -> Message:
    return _start_stop(r, root, header, pseudonymise, "JW307")


def _parse_jw315(r: _Reader, root, header: dict, pseudonymise) -> Message:
    msg = Message("JW315", _to_gemeente(header))
    client = r.child(root, "Client")
    attrs = _client_attrs(r, client, pseudonymise)
    for ap in _items(r.child(client, "AangevraagdeProducten"), "AangevraagdProduct"):
        verwijzer = r.child(ap, "Verwijzer")
        item = {
            "referentie_aanbieder": r.text(ap, "ReferentieAanbieder"),
            "beschikking_nummer": r.integer(ap, "BeschikkingNummer", required=False),
            **_product(r, ap),
            "beschikking_ingangsdatum": r.date(ap, "BeschikkingIngangsdatum", required=False),
            "toewijzing_ingangsdatum": r.date(ap, "ToewijzingIngangsdatum"),
            "toewijzing_einddatum": r.date(ap, "ToewijzingEinddatum", required=False),
            **_omvang(r, ap),
            "budget": r.integer(ap, "Budget", required=False),
            # the referrer's type and professional AGB code; the referrer's name is not read
            "verwijzer_type": r.text(verwijzer, "Type"),
            "verwijzer_zorgverlener_code": r.text(verwijzer, "ZorgverlenerCode", required=False),
            "raamcontract": r.text(ap, "Raamcontract", required=False),
        }
        msg.records.append(Record(attrs, item, ap.sourceline))
    if not msg.records:
        r.fail(client, "no AangevraagdProduct in AangevraagdeProducten")
    return msg


_VOW_SOORTEN = (
    ("OngewijzigdeProducten", "OngewijzigdProduct", "ongewijzigd"),
    ("TeWijzigenProducten", "TeWijzigenProduct", "te_wijzigen"),
    ("NieuweProducten", "NieuwProduct", "nieuw"),
)


def _parse_jw317(r: _Reader, root, header: dict, pseudonymise) -> Message:
    msg = Message("JW317", _to_gemeente(header))
    client = r.child(root, "Client")
    attrs = _client_attrs(r, client, pseudonymise)
    verzoek = r.child(client, "Verzoek")
    common = {
        "referentie_aanbieder": r.text(verzoek, "ReferentieAanbieder"),
        "reden_verzoek": r.text(verzoek, "RedenVerzoek"),
    }
    for container, name, soort in _VOW_SOORTEN:
        group = r.child(verzoek, container, required=False)
        for el in _items(group, name) if group is not None else []:
            item = {
                **common,
                "soort_product": soort,
                "toewijzing_nummer": r.integer(el, "ToewijzingNummer", required=soort != "nieuw"),
                **_product(r, el),
                "gewenste_ingangsdatum": r.date(el, "GewensteIngangsdatum", required=soort != "ongewijzigd"),
                "einddatum": r.date(el, "Einddatum", required=False),
                **_omvang(r, el),
                "budget": r.integer(el, "Budget", required=False),
            }
            msg.records.append(Record(attrs, item, el.sourceline))
    if not msg.records:
        r.fail(verzoek, "Verzoek lists no product (TR349: it must list all current assignments)")
    return msg


def _parse_jw319(r: _Reader, root, header: dict, pseudonymise) -> Message:
    msg = Message("JW319", _to_aanbieder(header))
    antwoord = r.child(root, "Antwoord")
    wpb = r.child(antwoord, "Woonplaatsbeginsel", required=False)
    item = {
        "referentie_aanbieder": r.text(antwoord, "ReferentieAanbieder"),
        "verzoek_antwoord": r.text(antwoord, "VerzoekAntwoord"),
        "reden_afwijzing_verzoek": r.text(antwoord, "RedenAfwijzingVerzoek", required=False),
        "woonplaatsbeginsel_gemeente": r.text(wpb, "Gemeente") if wpb is not None else None,
    }
    msg.records.append(Record({}, item, antwoord.sourceline))
    return msg


def _parse_jw323(r: _Reader, root, header: dict, pseudonymise, texts: bool = False) -> Message:
    decl = r.child(root, "Declaratie")
    periode = r.child(decl, "DeclaratiePeriode")
    header = {
        **_to_gemeente(header),
        "declaratie_nummer": r.text(decl, "DeclaratieNummer"),
        "declaratie_periode_begindatum": r.date(periode, "Begindatum"),
        "declaratie_periode_einddatum": r.date(periode, "Einddatum"),
        "declaratie_dagtekening": r.date(decl, "DeclaratieDagtekening"),
        "totaal_ingediend_bedrag": _signed(r, r.child(decl, "TotaalIngediendBedrag"), "TotaalBedrag"),
    }
    msg = Message("JW323", header)
    prestatie = _prestatie_or_texts if texts else _prestatie
    for client in _items(r.child(decl, "Clienten"), "Client"):
        attrs = _client_attrs(r, client, pseudonymise)
        for p in _items(r.child(client, "Prestaties"), "Prestatie"):
            msg.records.append(Record(attrs, prestatie(r, p), p.sourceline))
        r.forget()
    if not msg.records:
        r.fail(decl, "declaration has no Prestatie")
    return msg


class _Irregular(Exception):
    """Not the plain case the fast path reads; the careful path reads it (or says what is wrong)."""


#: the fields of a Prestatie, in the order of :func:`_prestatie` and of its texts tuple
PRESTATIE_FIELDS = (
    "referentie_nummer", "vorig_referentie_nummer", "toewijzing_nummer", "product_categorie", "product_code",
    "product_periode_begindatum", "product_periode_einddatum", "geleverd_volume", "eenheid", "product_tarief",
    "ingediend_bedrag", "debet_credit",
)


def _prestatie(r: _Reader, p) -> dict:
    """A JW323 Prestatie (also returned, unchanged, in a JW325). The hot loop of a declaration:
    a fast read of the plain case, else the careful read with its exact error."""
    try:
        return prestatie_item(_prestatie_texts(p))
    except (_Irregular, KeyError, AttributeError):
        return _prestatie_careful(r, p)


def _prestatie_or_texts(r: _Reader, p) -> tuple | dict:
    """``parse(texts=True)``: the texts of a plain Prestatie, else what :func:`_prestatie` gives."""
    try:
        return _prestatie_texts(p)
    except (_Irregular, KeyError, AttributeError):
        return _prestatie_careful(r, p)


def prestatie_item(texts: tuple) -> dict:
    """The item :func:`parse` gives for a Prestatie, from its texts (see :func:`_prestatie_texts`)."""
    referentie, vorig, toewijzing, categorie, code, begin, eind, volume, eenheid, tarief, bedrag, dc = texts
    return {
        "referentie_nummer": referentie,
        "vorig_referentie_nummer": vorig,
        "toewijzing_nummer": int(toewijzing),
        "product_categorie": categorie,
        "product_code": code,
        "product_periode_begindatum": _DATES.get(begin) or dt.date.fromisoformat(begin),
        "product_periode_einddatum": _DATES.get(eind) or dt.date.fromisoformat(eind),
        "geleverd_volume": int(volume),
        "eenheid": eenheid,
        "product_tarief": None if tarief is None else int(tarief),
        "ingediend_bedrag": int(bedrag),
        "debet_credit": dc,
    }


def _canonical(digits: str) -> str:
    return digits if digits[0] != "0" or len(digits) == 1 else str(int(digits))


def _prestatie_texts(p) -> tuple:
    """The plain case in one pass over the Prestatie's elements: each local name once, exactly
    the expected elements at the expected places, every value present and well-formed, dates
    seen before (``_DATES``). Anything else raises and :func:`_prestatie_careful` decides; where
    this returns, the careful read gives the same (``prestatie_item`` of this tuple).

    The tuple holds the texts in PRESTATIE_FIELDS order: stripped, None for an absent optional
    field, whole numbers in plain decimal (no leading zeros), dates as YYYY-MM-DD."""
    names = _LOCAL_NAMES
    els = {}
    n = 0
    for el in p.iter():
        els[names[el.tag]] = el
        n += 1
    ref, pp, bedrag = els["ProductReferentie"], els["ProductPeriode"], els["IngediendBedrag"]
    vorig, tarief = els.get("VorigReferentieNummer"), els.get("ProductTarief")
    direct = 8 if tarief is None else 9  # children of the Prestatie, the three groups included
    leaves = 5 if vorig is None else 6  # children of the groups
    referentie, begin, eind = els["ReferentieNummer"], els["Begindatum"], els["Einddatum"]
    bedrag_el, dc = els["Bedrag"], els["DebetCredit"]
    # every local name once (len), nothing else (n), the groups' children in their group, so
    # the other expected elements are exactly the Prestatie's children (len(p))
    if (len(els) != n or n != 1 + direct + leaves or len(p) != direct
            or referentie.getparent() is not ref or begin.getparent() is not pp or eind.getparent() is not pp
            or bedrag_el.getparent() is not bedrag or dc.getparent() is not bedrag
            or (vorig is not None and vorig.getparent() is not ref)):
        raise _Irregular
    if vorig is not None:
        vorig = vorig.text
        vorig = (vorig.strip() or None) if vorig is not None else None
    if tarief is not None:
        tarief = tarief.text.strip()
    referentie = referentie.text.strip()
    toewijzing = els["ToewijzingNummer"].text.strip()
    categorie = els["ProductCategorie"].text.strip()
    code = els["ProductCode"].text.strip()
    begin = begin.text.strip()
    eind = eind.text.strip()
    volume = els["GeleverdVolume"].text.strip()
    eenheid = els["Eenheid"].text.strip()
    bedrag_text = bedrag_el.text.strip()
    dc = dc.text.strip()
    digits = toewijzing + volume + bedrag_text + (tarief or "")
    if not (referentie and toewijzing and categorie and code and volume and eenheid and bedrag_text
            and tarief != "" and (dc == "D" or dc == "C") and digits.isdigit() and digits.isascii()
            and begin in _DATES and eind in _DATES):
        raise _Irregular
    return (referentie, vorig, _canonical(toewijzing), categorie, code, begin, eind, _canonical(volume), eenheid,
            None if tarief is None else _canonical(tarief), _canonical(bedrag_text), dc)


def _prestatie_careful(r: _Reader, p) -> dict:
    kids: dict = {}
    repeated = False
    for c in p:
        name = _LOCAL_NAMES.get(c.tag) or _local(c.tag)
        if name in kids:
            repeated = True
        else:
            kids[name] = c
    groups = r.children(p) if repeated else kids  # a repeated group element: the last one counts
    ref, pp, bedrag = groups.get("ProductReferentie"), groups.get("ProductPeriode"), groups.get("IngediendBedrag")
    if ref is None or pp is None or bedrag is None:
        r.fail(p, "Prestatie lacks ProductReferentie, ProductPeriode or IngediendBedrag")
    ref_kids, pp_kids, bedrag_kids = _first_children(ref), _first_children(pp), _first_children(bedrag)
    item = {
        "referentie_nummer": r.ktext(ref, ref_kids, "ReferentieNummer"),
        "vorig_referentie_nummer": r.ktext(ref, ref_kids, "VorigReferentieNummer", False),
        "toewijzing_nummer": r.kinteger(p, kids, "ToewijzingNummer"),
        "product_categorie": r.ktext(p, kids, "ProductCategorie"),
        "product_code": r.ktext(p, kids, "ProductCode"),
        "product_periode_begindatum": r.kdate(pp, pp_kids, "Begindatum"),
        "product_periode_einddatum": r.kdate(pp, pp_kids, "Einddatum"),
        "geleverd_volume": r.kinteger(p, kids, "GeleverdVolume"),
        "eenheid": r.ktext(p, kids, "Eenheid"),
        "product_tarief": r.kinteger(p, kids, "ProductTarief", False),
        "ingediend_bedrag": r.kinteger(bedrag, bedrag_kids, "Bedrag"),
    }
    dc = r.ktext(bedrag, bedrag_kids, "DebetCredit")
    if dc != "D" and dc != "C":
        r.fail(bedrag, "IngediendBedrag/DebetCredit is not D or C")
    item["debet_credit"] = dc
    return item


def _parse_jw325(r: _Reader, root, header_fields: dict, pseudonymise) -> Message:
    """JW325: the verdict on one JW323. Only rejected lines are listed (IJW.md section 5)."""
    header_el = r.child(root, "Header")
    decl_id = r.child(header_el, "DeclaratieIdentificatie")
    header = {
        **_to_aanbieder(header_fields),
        "declaratie_identificatie": r.text(decl_id, "Identificatie"),
        "declaratie_identificatie_dagtekening": r.date(decl_id, "Dagtekening"),
        "header_retour_codes": _retour_codes(r, header_el),
        "declaratie_nummer": None,
        "totaal_ingediend_bedrag": None,
        "totaal_toegekend_bedrag": None,
        "antwoord_retour_codes": None,
    }
    msg = Message("JW325", header)
    antwoord = r.child(root, "DeclaratieAntwoord", required=False)
    if antwoord is None:
        return msg  # whole message rejected at header level: no lines
    header.update(
        declaratie_nummer=r.text(antwoord, "DeclaratieNummer"),
        totaal_ingediend_bedrag=_signed(r, r.child(antwoord, "TotaalIngediendBedrag"), "TotaalBedrag"),
        totaal_toegekend_bedrag=_signed(r, r.child(antwoord, "TotaalToegekendBedrag"), "TotaalBedrag"),
        antwoord_retour_codes=_retour_codes(r, antwoord),
    )
    clienten = r.child(antwoord, "Clienten", required=False)
    for client in _items(clienten, "Client") if clienten is not None else []:
        attrs = {**_client_attrs(r, client, pseudonymise), "client_retour_codes": _retour_codes(r, client)}
        for p in _items(r.child(client, "Prestaties"), "Prestatie"):
            item = {**_prestatie(r, p), "retour_codes": _retour_codes(r, p)}
            msg.records.append(Record(attrs, item, p.sourceline))
    return msg


_PARSERS = {
    "JW301": _parse_jw301,
    "JW305": _parse_jw305,
    "JW307": _parse_jw307,
    "JW315": _parse_jw315,
    "JW317": _parse_jw317,
    "JW319": _parse_jw319,
    "JW323": _parse_jw323,
    "JW325": _parse_jw325,
}


def parse(
    path: str | os.PathLike,
    pseudonymise: Callable[[str], str],
    *,
    data: bytes | None = None,
    xsd_dir: str | os.PathLike | None = None,
    texts: bool = False,
) -> Message:
    """Parse one iJw file. ``xsd_dir`` (or env ``IJW_XSD_DIR``) enables official XSD validation.

    With ``texts`` (staging, which writes text anyway) the item of a plain JW323 Prestatie is the
    tuple of its checked texts instead of a dict (``prestatie_item`` turns it into the dict,
    ``Record.flat`` does so itself): no round trip through int and date for every line."""
    root = read_document(path, data)
    bericht_type = message_type(path, root)
    xsd_dir = xsd_dir or os.environ.get("IJW_XSD_DIR")
    if xsd_dir:
        schema = _schema(str(xsd_dir), bericht_type)
        if not schema.validate(root.getroottree()):
            err = schema.error_log.last_error
            reason = _xsd_reason(root, err, _schema_names(str(xsd_dir)))
            raise IjwParseError(path, f"not valid against {bericht_type}.xsd: {reason}", err.line)
    r = _Reader(path)
    header = _header(r, root, bericht_type)
    if texts and bericht_type == "JW323":
        return _parse_jw323(r, root, header, pseudonymise, texts=True)
    return _PARSERS[bericht_type](r, root, header, pseudonymise)
