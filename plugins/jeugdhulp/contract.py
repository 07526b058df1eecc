"""Contract master data: the Excel workbook contract management maintains, validated and versioned.

The workbook (template: ``include/contract/contract_template.xlsx``, made by
:func:`write_template`) has six data sheets, each with a header row of exactly these columns:

===========  ================================================================================
aanbieders   aanbieder (AGB-code, 8 digits), naam, gecontracteerd_vanaf, gecontracteerd_tot
tarieven     jaar, product_categorie (JZ020), product_code, eenheid (WJ756), tarief (euro
             cents; empty for eenheid 83 and for taakgericht products), uitvoeringsvariant
             (inspanningsgericht | outputgericht | taakgericht; empty = inspanningsgericht)
plafonds     jaar, aanbieder, budgetplafond (euro cents)
begroting    jaar, gemeente (CBS code of one of the 11 IJsselland gemeenten), product_categorie,
             begroting (euro cents)
indexatie    jaar, indexatie_promille (integer, 32 = 3,2 %): a year without tariffs of its own
             gets the latest known tariff indexed by every year's promille after it, compounded
             and rounded to whole cents per year (``core.contract_tarief_jaar``)
taakgericht  jaar, maand (1-12), gemeente, aanbieder, product_categorie, bedrag (euro cents):
             the lump sum a gemeente pays a provider for taakgericht care in that month
===========  ================================================================================

plus a sheet ``toelichting`` (explanation in Dutch, ignored when loading). The sheets
``indexatie`` and ``taakgericht`` may be absent (a workbook of before these sheets): that means
no rows.

**All or nothing.** This is master data that tariffs, ceilings and budget figures are judged
against, so a workbook with any bad row is rejected as a whole: :func:`read_workbook` raises
:class:`ContractWorkbookError` listing *every* problem (sheet, row number as Excel shows it,
column, reason and what to enter instead) and nothing is stored. Contract management fixes the
workbook and delivers it again.

**Versions.** Every accepted workbook is a complete snapshot and becomes a new version in
``core.contract_versie``; the rows go to ``core.contract_aanbieder``, ``core.contract_tarief``,
``core.contract_plafond``, ``core.begroting``, ``core.contract_indexatie`` and
``core.contract_taakgericht`` with its ``versie_id``. The views
``core.*_actueel`` show the latest version. A workbook whose SHA-256 was loaded before (also an
older one) is a no-op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from jeugdhulp.reference import EENHEDEN, GEMEENTEN, PRODUCT_CATEGORIEEN

log = logging.getLogger(__name__)

#: sheet -> columns, in order (the header row of the workbook)
SHEETS: dict[str, tuple[str, ...]] = {
    "aanbieders": ("aanbieder", "naam", "gecontracteerd_vanaf", "gecontracteerd_tot"),
    "tarieven": ("jaar", "product_categorie", "product_code", "eenheid", "tarief", "uitvoeringsvariant"),
    "plafonds": ("jaar", "aanbieder", "budgetplafond"),
    "begroting": ("jaar", "gemeente", "product_categorie", "begroting"),
    "indexatie": ("jaar", "indexatie_promille"),
    "taakgericht": ("jaar", "maand", "gemeente", "aanbieder", "product_categorie", "bedrag"),
}
#: key columns per sheet: a key may occur once
KEYS: dict[str, tuple[str, ...]] = {
    "aanbieders": ("aanbieder",),
    "tarieven": ("jaar", "product_categorie", "product_code"),
    "plafonds": ("jaar", "aanbieder"),
    "begroting": ("jaar", "gemeente", "product_categorie"),
    "indexatie": ("jaar",),
    "taakgericht": ("jaar", "maand", "gemeente", "aanbieder", "product_categorie"),
}
#: sheets that must hold at least one row
REQUIRED_ROWS = ("aanbieders", "tarieven")
#: sheets a workbook may lack (added later; absent = no rows)
OPTIONAL_SHEETS = ("indexatie", "taakgericht")
#: the three iJw uitvoeringsvarianten; an empty cell means the first
UITVOERINGSVARIANTEN = ("inspanningsgericht", "outputgericht", "taakgericht")
TAAKGERICHT = "taakgericht"
#: indexation per year in promille lies within this range (-50 % .. +50 %)
INDEXATIE_GRENS = 500
#: Eenheid 83 (euro's): the delivered volume is the amount, there is no tariff
EENHEID_EURO = "83"
MIN_JAAR = 2015  # the Jeugdwet
MAX_JAAR_AHEAD = 10

#: Explanation of each column (the template's toelichting and header comments), in Dutch.
TOELICHTING: dict[str, dict[str, str]] = {
    "aanbieders": {
        "aanbieder": "AGB-code van de aanbieder: precies 8 cijfers, als tekst (voorloopnullen blijven staan).",
        "naam": "Naam van de aanbieder.",
        "gecontracteerd_vanaf": "Eerste dag van het contract (datum).",
        "gecontracteerd_tot": "Laatste dag van het contract (datum); leeg = doorlopend.",
    },
    "tarieven": {
        "jaar": "Jaar waarvoor het tarief geldt (bijv. 2025).",
        "product_categorie": "Productcategorie volgens iJw-codelijst JZ020 (bijv. 45), als tekst.",
        "product_code": "Productcode uit de regionale productcodelijst (5 tekens, bijv. 45A03).",
        "eenheid": "Eenheid volgens iJw-codelijst WJ756 (bijv. 04 = uur, 14 = etmaal), als tekst.",
        "tarief": "Tarief per eenheid in eurocent, geheel getal (10450 = € 104,50). Leeg bij eenheid 83 (euro's) "
                  "en bij taakgerichte producten (die worden bekostigd met de bedragen op het tabblad taakgericht).",
        "uitvoeringsvariant": "inspanningsgericht (volume x tarief per tijdseenheid), outputgericht (een product of "
                              "traject per periode x tarief) of taakgericht (geen declaraties: de gemeente betaalt "
                              "een vast bedrag per maand, tabblad taakgericht). Leeg = inspanningsgericht.",
    },
    "plafonds": {
        "jaar": "Jaar van het budgetplafond.",
        "aanbieder": "AGB-code van de aanbieder (moet op het tabblad aanbieders staan).",
        "budgetplafond": "Budgetplafond in eurocent, geheel getal (150000000 = € 1.500.000,00).",
    },
    "begroting": {
        "jaar": "Begrotingsjaar.",
        "gemeente": "CBS-gemeentecode zonder GM, 4 cijfers als tekst (bijv. 0193 = Zwolle).",
        "product_categorie": "Productcategorie volgens iJw-codelijst JZ020, als tekst.",
        "begroting": "Begroot bedrag in eurocent, geheel getal.",
    },
    "indexatie": {
        "jaar": "Jaar waarvoor de indexatie geldt.",
        "indexatie_promille": "Indexatie in promille, geheel getal (32 = 3,2 %). Geldt voor een jaar zonder eigen "
                              "tarieven: het laatst bekende tarief wordt per ontbrekend jaar met de indexatie van dat "
                              "jaar verhoogd (samengesteld, per jaar afgerond op hele centen). Geen regel = 0.",
    },
    "taakgericht": {
        "jaar": "Jaar van de maand.",
        "maand": "Maandnummer 1-12.",
        "gemeente": "CBS-gemeentecode zonder GM, 4 cijfers als tekst (bijv. 0193 = Zwolle).",
        "aanbieder": "AGB-code van de aanbieder (moet op het tabblad aanbieders staan).",
        "product_categorie": "Productcategorie volgens iJw-codelijst JZ020, als tekst.",
        "bedrag": "Vast bedrag in eurocent dat de gemeente deze maand voor taakgerichte zorg betaalt, geheel getal.",
    },
}

_AGB = re.compile(r"^[0-9]{8}$")
_PRODUCT_CODE = re.compile(r"^[0-9A-Za-z]{5}$")


# --------------------------------------------------------------------------- errors + result


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"sheet '{self.sheet}'"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"


class ContractWorkbookError(ValueError):
    """The workbook was rejected as a whole; ``problems`` lists every bad row."""

    MAX_LISTED = 50

    def __init__(self, file_name: str, problems: list[Problem]):
        self.file_name = file_name
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems[: self.MAX_LISTED])
        more = len(problems) - self.MAX_LISTED
        if more > 0:
            listed += f"\n  ... and {more} more"
        super().__init__(
            f"{file_name}: {len(problems)} problem{'s' if len(problems) != 1 else ''}; the workbook was "
            f"NOT loaded (nothing changed). Fix these rows and deliver the workbook again:\n{listed}"
        )


@dataclass
class ContractData:
    """The validated content of one workbook (codes as text, money as int cents)."""

    aanbieders: list[tuple] = field(default_factory=list)
    tarieven: list[tuple] = field(default_factory=list)
    plafonds: list[tuple] = field(default_factory=list)
    begroting: list[tuple] = field(default_factory=list)
    indexatie: list[tuple] = field(default_factory=list)
    taakgericht: list[tuple] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {sheet: len(getattr(self, sheet)) for sheet in SHEETS}


# --------------------------------------------------------------------------- cell parsing


class _Bad(Exception):
    pass


def _text(value, column: str, *, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _Bad(f"{column} is empty")
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _code(value, column: str, width: int, allowed: dict[str, str], what: str) -> str:
    text = _text(value, column)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and text.isdigit():
        text = text.zfill(width)  # Excel turned '0193' into 193: the width restores it unambiguously
    if text not in allowed:
        raise _Bad(f"{what} {text!r} is not one of {', '.join(sorted(allowed))}")
    return text


def _agb(value, column: str) -> str:
    text = _text(value, column)
    if not _AGB.match(text):
        hint = " (a number lost its leading zeros: format the column as Text)" if isinstance(value, (int, float)) else ""
        raise _Bad(f"AGB-code {text!r} must be exactly 8 digits{hint}")
    return text


def _cents(value, column: str, *, required: bool = True) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _Bad(f"{column} is empty; enter an amount in euro cents (10450 = € 104,50)")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"{column} {value!r} is not a number; enter whole euro cents without € or separators (10450 = € 104,50)")
    if isinstance(value, float):
        if not value.is_integer():
            raise _Bad(f"{column} {value!r} is not a whole number of euro cents (10450 = € 104,50)")
        value = int(value)
    if value < 0:
        raise _Bad(f"{column} {value} is negative; amounts are 0 or more")
    return value


def _jaar(value) -> int:
    this_year = dt.date.today().year
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"jaar {value!r} is not a year (enter e.g. {this_year})")
    if not MIN_JAAR <= value <= this_year + MAX_JAAR_AHEAD:
        raise _Bad(f"jaar {value} is outside {MIN_JAAR}..{this_year + MAX_JAAR_AHEAD}")
    return value


def _date(value, column: str, *, required: bool = True) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _Bad(f"{column} is empty; enter a date")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Bad(f"{column} {value!r} is not a date; enter a date cell (or text YYYY-MM-DD)")


# --------------------------------------------------------------------------- row validation


def _aanbieder_row(v: dict) -> tuple:
    vanaf = _date(v["gecontracteerd_vanaf"], "gecontracteerd_vanaf")
    tot = _date(v["gecontracteerd_tot"], "gecontracteerd_tot", required=False)
    if tot is not None and tot < vanaf:
        raise _Bad(f"gecontracteerd_tot {tot} is before gecontracteerd_vanaf {vanaf}")
    return (_agb(v["aanbieder"], "aanbieder"), _text(v["naam"], "naam"), vanaf, tot)


def _tarief_row(v: dict) -> tuple:
    jaar = _jaar(v["jaar"])
    categorie = _code(v["product_categorie"], "product_categorie", 2, PRODUCT_CATEGORIEEN, "product_categorie (JZ020)")
    code = _text(v["product_code"], "product_code")
    if not _PRODUCT_CODE.match(code):
        raise _Bad(f"product_code {code!r} must be 5 letters/digits (e.g. 45A03)")
    eenheid = _code(v["eenheid"], "eenheid", 2, EENHEDEN, "eenheid (WJ756)")
    variant = (_text(v.get("uitvoeringsvariant"), "uitvoeringsvariant", required=False) or UITVOERINGSVARIANTEN[0]).lower()
    if variant not in UITVOERINGSVARIANTEN:
        raise _Bad(f"uitvoeringsvariant {variant!r} is not one of {', '.join(UITVOERINGSVARIANTEN)} (empty = "
                   f"{UITVOERINGSVARIANTEN[0]})")
    tarief = _cents(v["tarief"], "tarief", required=eenheid != EENHEID_EURO and variant != TAAKGERICHT)
    if eenheid == EENHEID_EURO and tarief is not None:
        raise _Bad("tarief must be empty for eenheid 83 (euro's): the delivered volume is the amount")
    return (jaar, categorie, code.upper(), eenheid, tarief, variant)


def _plafond_row(v: dict) -> tuple:
    return (_jaar(v["jaar"]), _agb(v["aanbieder"], "aanbieder"), _cents(v["budgetplafond"], "budgetplafond"))


def _begroting_row(v: dict) -> tuple:
    return (
        _jaar(v["jaar"]),
        _code(v["gemeente"], "gemeente", 4, GEMEENTEN, "gemeente"),
        _code(v["product_categorie"], "product_categorie", 2, PRODUCT_CATEGORIEEN, "product_categorie (JZ020)"),
        _cents(v["begroting"], "begroting"),
    )


def _indexatie_row(v: dict) -> tuple:
    promille = v["indexatie_promille"]
    if isinstance(promille, float) and promille.is_integer():
        promille = int(promille)
    if isinstance(promille, bool) or not isinstance(promille, int):
        raise _Bad(f"indexatie_promille {promille!r} is not a whole number of promille (32 = 3,2 %)")
    if not -INDEXATIE_GRENS <= promille <= INDEXATIE_GRENS:
        raise _Bad(f"indexatie_promille {promille} is outside -{INDEXATIE_GRENS}..{INDEXATIE_GRENS} (promille: "
                   "32 = 3,2 %, not 3.2 or 320)")
    return (_jaar(v["jaar"]), promille)


def _taakgericht_row(v: dict) -> tuple:
    maand = v["maand"]
    if isinstance(maand, float) and maand.is_integer():
        maand = int(maand)
    if isinstance(maand, str) and maand.strip().isdigit():
        maand = int(maand.strip())
    if isinstance(maand, bool) or not isinstance(maand, int) or not 1 <= maand <= 12:
        raise _Bad(f"maand {maand!r} is not a month number 1-12")
    return (
        _jaar(v["jaar"]),
        maand,
        _code(v["gemeente"], "gemeente", 4, GEMEENTEN, "gemeente"),
        _agb(v["aanbieder"], "aanbieder"),
        _code(v["product_categorie"], "product_categorie", 2, PRODUCT_CATEGORIEEN, "product_categorie (JZ020)"),
        _cents(v["bedrag"], "bedrag"),
    )


_ROW = {"aanbieders": _aanbieder_row, "tarieven": _tarief_row, "plafonds": _plafond_row, "begroting": _begroting_row,
        "indexatie": _indexatie_row, "taakgericht": _taakgericht_row}


def _key_positions(sheet: str) -> list[int]:
    """Positions of the key columns in the validated tuple (same order as SHEETS, minus none)."""
    return [SHEETS[sheet].index(c) for c in KEYS[sheet]]


def read_workbook(path: str | Path) -> ContractData:
    """Read and validate a contract workbook (streaming, read-only).

    Raises :class:`ContractWorkbookError` listing every bad row when anything is wrong: the
    workbook is master data and is accepted only as a whole.
    """
    from openpyxl import load_workbook

    path = Path(path)
    problems: list[Problem] = []
    data = ContractData()
    row_numbers: dict[str, list[int]] = {sheet: [] for sheet in SHEETS}
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # not a zip, not xlsx, ...
        raise ContractWorkbookError(path.name, [Problem("(workbook)", None, None, f"cannot be opened as .xlsx: {exc}")]) from exc
    try:
        for sheet, columns in SHEETS.items():
            if sheet not in wb.sheetnames:
                if sheet in OPTIONAL_SHEETS:
                    continue
                problems.append(Problem(sheet, None, None, f"sheet is missing (expected sheets: {', '.join(SHEETS)})"))
                continue
            rows = wb[sheet].iter_rows(values_only=True)
            header = next(rows, None) or ()
            got = [str(h).strip().lower() if h is not None else "" for h in header]
            while got and got[-1] == "":
                got.pop()
            if got != list(columns):
                problems.append(Problem(sheet, 1, None, f"header row is {got}; expected exactly {list(columns)}"))
                continue
            seen: dict[tuple, int] = {}
            out = getattr(data, sheet)
            for number, row in enumerate(rows, start=2):
                row = tuple(row) + (None,) * max(0, len(columns) - len(row))
                if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
                    continue  # empty row
                extra = [c for c in row[len(columns):] if c is not None]
                values = dict(zip(columns, row))
                try:
                    if extra:
                        raise _Bad(f"values right of column {columns[-1]} ({extra[:3]}); remove them")
                    parsed = _ROW[sheet](values)
                except _Bad as exc:
                    problems.append(Problem(sheet, number, None, str(exc)))
                    continue
                key = tuple(parsed[i] for i in _key_positions(sheet))
                if key in seen:
                    problems.append(Problem(
                        sheet, number, None,
                        f"duplicate {'/'.join(KEYS[sheet])} {'/'.join(map(str, key))}: already on row {seen[key]}",
                    ))
                    continue
                seen[key] = number
                out.append(parsed)
                row_numbers[sheet].append(number)
            if sheet in REQUIRED_ROWS and not out and not any(p.sheet == sheet for p in problems):
                problems.append(Problem(sheet, None, None, "sheet has no rows; it must list at least one"))
    finally:
        wb.close()
    # plafonds and lump sums must name a contracted provider (checked when the aanbieders sheet itself is clean)
    contracted = {a[0] for a in data.aanbieders}
    if contracted and not any(p.sheet == "aanbieders" for p in problems):
        for sheet, position in (("plafonds", 1), ("taakgericht", 3)):
            for number, row in zip(row_numbers[sheet], getattr(data, sheet)):
                if row[position] not in contracted:
                    problems.append(Problem(sheet, number, "aanbieder", f"AGB-code {row[position]} is not on sheet "
                                                                        "'aanbieders'; add the provider there"))
    if problems:
        raise ContractWorkbookError(path.name, problems)
    return data


# --------------------------------------------------------------------------- loading


@dataclass
class LoadResult:
    file_name: str
    file_sha256: str
    versie_id: int | None
    loaded: bool  # False: this exact file was loaded before (no-op)
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"file": self.file_name, "file_sha256": self.file_sha256, "versie_id": self.versie_id,
                "loaded": self.loaded, "counts": self.counts}


_INSERTS = {
    "aanbieders": "INSERT INTO core.contract_aanbieder (versie_id, aanbieder, aanbieder_naam, gecontracteerd_vanaf, "
                  "gecontracteerd_tot) VALUES (%s, %s, %s, %s, %s)",
    "tarieven": "INSERT INTO core.contract_tarief (versie_id, jaar, product_categorie, product_code, eenheid, tarief, "
                "uitvoeringsvariant) VALUES (%s, %s, %s, %s, %s, %s, %s)",
    "plafonds": "INSERT INTO core.contract_plafond (versie_id, jaar, aanbieder, budgetplafond) VALUES (%s, %s, %s, %s)",
    "begroting": "INSERT INTO core.begroting (versie_id, jaar, gemeente, product_categorie, begroting) "
                 "VALUES (%s, %s, %s, %s, %s)",
    "indexatie": "INSERT INTO core.contract_indexatie (versie_id, jaar, indexatie_promille) VALUES (%s, %s, %s)",
    "taakgericht": "INSERT INTO core.contract_taakgericht (versie_id, jaar, maand, gemeente, aanbieder, "
                   "product_categorie, bedrag) VALUES (%s, %s, %s, %s, %s, %s, %s)",
}


def load(conn: psycopg.Connection, path: str | Path) -> LoadResult:
    """Validate the workbook and store it as a new version (all or nothing, one transaction).

    A file with a known SHA-256 is a no-op (``loaded=False``), checked before validating.
    Raises :class:`ContractWorkbookError` when any row is bad.
    """
    path = Path(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    known = conn.execute("SELECT versie_id FROM core.contract_versie WHERE file_sha256 = %s", (sha,)).fetchone()
    if known:
        log.info("contract workbook %s already loaded as versie %s", path.name, known[0])
        return LoadResult(path.name, sha, known[0], False)
    data = read_workbook(path)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('jeugdhulp.contract'))")
        row = conn.execute(
            "INSERT INTO core.contract_versie (file_sha256, bestandsnaam) VALUES (%s, %s) "
            "ON CONFLICT (file_sha256) DO NOTHING RETURNING versie_id",
            (sha, path.name),
        ).fetchone()
        if row is None:  # loaded concurrently
            versie = conn.execute("SELECT versie_id FROM core.contract_versie WHERE file_sha256 = %s", (sha,)).fetchone()[0]
            return LoadResult(path.name, sha, versie, False)
        versie = row[0]
        with conn.cursor() as cur:
            for sheet, sql in _INSERTS.items():
                rows = getattr(data, sheet)
                if rows:
                    cur.executemany(sql, [(versie, *r) for r in rows])
    log.info("contract workbook %s loaded as versie %s: %s", path.name, versie, data.counts())
    return LoadResult(path.name, sha, versie, True, data.counts())


def newest_workbook(folder: str | Path) -> Path | None:
    """The most recently modified ``*.xlsx`` in ``folder`` (not Excel's ``~$`` lock files)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    files = [p for p in folder.iterdir()
             if p.is_file() and p.suffix.lower() == ".xlsx" and not p.name.startswith(("~$", "."))]
    return max(files, key=lambda p: (p.stat().st_mtime, p.name), default=None)


# --------------------------------------------------------------------------- writing workbooks


def _new_workbook():
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.remove(wb.active)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E78")
    text_cols = {"aanbieder", "product_categorie", "product_code", "eenheid", "gemeente", "uitvoeringsvariant"}
    money_cols = {"tarief", "budgetplafond", "begroting", "bedrag"}
    date_cols = {"gecontracteerd_vanaf", "gecontracteerd_tot"}
    last = 5000  # validations cover this many rows
    for sheet, columns in SHEETS.items():
        ws = wb.create_sheet(sheet)
        for i, col in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=i, value=col)
            cell.data_type = "s"
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(horizontal="center")
            cell.comment = Comment(TOELICHTING[sheet][col], "jeugdhulp")
            letter = cell.column_letter
            ws.column_dimensions[letter].width = max(14, len(col) + 4)
            rng = f"{letter}2:{letter}{last}"
            dv = None
            if col == "jaar":
                dv = DataValidation(type="whole", operator="between", formula1=str(MIN_JAAR), formula2="2100")
            elif col == "maand":
                dv = DataValidation(type="whole", operator="between", formula1="1", formula2="12")
            elif col == "indexatie_promille":
                dv = DataValidation(type="whole", operator="between", formula1=str(-INDEXATIE_GRENS),
                                    formula2=str(INDEXATIE_GRENS))
            elif col == "uitvoeringsvariant":
                dv = DataValidation(type="list", formula1='"' + ",".join(UITVOERINGSVARIANTEN) + '"', allow_blank=True)
            elif col in money_cols:
                dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                    allow_blank=col == "tarief")
            elif col in date_cols:
                dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
            elif col == "gemeente":
                dv = DataValidation(type="list", formula1='"' + ",".join(GEMEENTEN) + '"')
            elif col == "product_categorie":
                dv = DataValidation(type="list", formula1='"' + ",".join(PRODUCT_CATEGORIEEN) + '"')
            elif col == "eenheid":
                dv = DataValidation(type="list", formula1='"' + ",".join(EENHEDEN) + '"')
            elif col == "aanbieder":
                dv = DataValidation(type="textLength", operator="equal", formula1="8")
            if dv is not None:
                dv.error = TOELICHTING[sheet][col]
                dv.errorTitle = f"Ongeldige waarde in {col}"
                dv.showErrorMessage = True
                ws.add_data_validation(dv)
                dv.add(rng)
        ws.freeze_panes = "A2"
        ws._jeugdhulp_formats = {  # used by _append
            i: ("@" if c in text_cols else "#,##0" if c in money_cols else "yyyy-mm-dd" if c in date_cols else None)
            for i, c in enumerate(columns)
        }
    ws = wb.create_sheet("toelichting")
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 100
    lines = [
        ("Contractgegevens jeugdhulpregio IJsselland", None, None),
        (None, None, None),
        ("Dit werkboek bevat de stamgegevens van contractmanagement: gecontracteerde aanbieders, "
         "tarieven per product per jaar (met de uitvoeringsvariant), budgetplafonds per aanbieder per jaar, "
         "de gemeentelijke begroting per productcategorie per jaar, de jaarlijkse indexatie van de tarieven "
         "en de vaste maandbedragen voor taakgerichte zorg.", None, None),
        ("Bedragen staan in hele eurocenten (10450 = € 104,50). Codes (AGB, gemeente, categorie, "
         "eenheid) zijn tekst: voorloopnullen blijven staan.", None, None),
        ("Het werkboek wordt in zijn geheel geladen of geweigerd: bij één foute regel wordt niets "
         "geladen en krijgt u een lijst met tabblad, regelnummer en wat u moet verbeteren.", None, None),
        ("Elk geladen werkboek is een nieuwe versie; het laatst geladen werkboek is actueel. Lever "
         "daarom altijd het complete werkboek aan.", None, None),
        (None, None, None),
        ("tabblad", "kolom", "toelichting"),
    ]
    lines += [(sheet, col, text) for sheet, cols in TOELICHTING.items() for col, text in cols.items()]
    for line in lines:
        ws.append(line)
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[8]:
        cell.font = Font(bold=True)
    return wb


def _append(ws, row: tuple) -> None:
    ws.append(list(row))
    formats = ws._jeugdhulp_formats
    for i, cell in enumerate(ws[ws.max_row]):
        if formats.get(i):
            cell.number_format = formats[i]


def write_template(path: str | Path) -> Path:
    """Write the empty contract workbook (typed headers, data validation, toelichting)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _new_workbook().save(path)
    return path


def write_workbook(path: str | Path, data: ContractData) -> Path:
    """Write ``data`` into a workbook in the template layout."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = _new_workbook()
    for sheet in SHEETS:
        for row in getattr(data, sheet):
            _append(wb[sheet], row)
    wb.save(path)
    return path


def demo_data(year: int | None = None, providers: int = 12, clients: int = 9000, *, seed: int = 2025,
              profile: str = "steady") -> ContractData:
    """Contract master data consistent with the synthetic region (``jeugdhulp.synth``).

    ``year`` defaults to synth's (the last complete year); ``clients`` above ``synth.MAX_CLIENTS``
    means the calibrated region (``scale="region"``). What the generator delivers with these
    arguments (``synth.simuleer``; the demo's default seed) calibrates the money:

    * aanbieders: ``synth.aanbieders(providers)``, contracted from ``year - 1`` to ``year + 1``;
    * tarieven: every product of ``synth.CATALOGUS`` for ``year - 1`` and ``year`` with its
      uitvoeringsvariant, at the tariffs the declarations use (``synth.tarief``: indexed every
      1 January); taakgericht products without tariff (paid by lump sums);
    * indexatie: ``year + 1`` at ``synth.INDEXATIE_PROMILLE``;
    * taakgericht: per month, gemeente, aanbieder and categorie one twelfth of the value of the
      taakgericht care the generator delivers in the year;
    * begroting per gemeente × categorie: the approved spend the generator gives for it plus the
      lump sums, times a deviation of -5 % to +8 % (fixed per cell and year) so that some budget
      lines are over- and some underspent; at least € 1.000;
    * plafonds: each provider's approved spend plus lump sums, plus 10 %.
    """
    import random

    from jeugdhulp import synth

    year = synth.standaard_jaar() if year is None else year
    if clients > synth.MAX_CLIENTS:  # more youths than test BSNs: the calibrated region (14,000)
        s = synth.simuleer(seed=seed, year=year, scale="region", providers=providers, profile=profile)
    else:
        s = synth.simuleer(seed=seed, year=year, clients=clients, providers=providers, profile=profile)
    data = ContractData()
    aanbieders = synth.aanbieders(providers)
    for a in aanbieders:
        data.aanbieders.append((a.agb, a.naam, dt.date(year - 1, 1, 1), dt.date(year + 1, 12, 31)))
    for jaar in (year - 1, year):
        for p in synth.CATALOGUS:
            taak = p.variant == TAAKGERICHT
            data.tarieven.append((jaar, p.categorie, p.code, p.eenheid, None if taak else synth.tarief(p, jaar),
                                  p.variant))
    data.indexatie.append((year + 1, synth.INDEXATIE_PROMILLE))
    per_gemeente: dict[tuple[str, str], int] = dict(s.toegekend_per_categorie)
    per_aanbieder: dict[str, int] = dict(s.toegekend_per_aanbieder)
    for (gemeente, agb, categorie), waarde in sorted(s.taakgericht_bedrag.items()):
        maandbedrag = round(waarde / 12)
        for maand in range(1, 13):
            data.taakgericht.append((year, maand, gemeente, agb, categorie, maandbedrag))
        per_gemeente[gemeente, categorie] = per_gemeente.get((gemeente, categorie), 0) + 12 * maandbedrag
        per_aanbieder[agb] = per_aanbieder.get(agb, 0) + 12 * maandbedrag
    for a in aanbieders:  # 10 % headroom above the provider's spend
        data.plafonds.append((year, a.agb, round(per_aanbieder.get(a.agb, 0) * 1.1 / 100_000) * 100_000))
    afwijking = random.Random(f"begroting {year}")
    categorieen = sorted({p.categorie for p in synth.CATALOGUS})
    for g in synth.ijsselland():
        for categorie in categorieen:
            bedrag = per_gemeente.get((g.code, categorie), 0) * afwijking.uniform(0.95, 1.08)
            data.begroting.append((year, g.code, categorie, max(100_000, round(bedrag / 10_000) * 10_000)))
    return data


def generate_demo_workbook(path: str | Path, year: int | None = None, *, providers: int = 12,
                           clients: int = 9000, seed: int = 2025, profile: str = "steady") -> Path:
    """A filled workbook for the synthetic region (see :func:`demo_data`)."""
    return write_workbook(path, demo_data(year, providers, clients, seed=seed, profile=profile))
