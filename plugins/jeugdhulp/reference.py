"""Reference data the product needs at run time (a copy of the public iJw/CBS code lists).

Codes are text: a gemeente is ``"0148"``, never ``148``.
"""

from __future__ import annotations

#: The 11 municipalities of jeugdhulpregio IJsselland (CBS code without ``GM``).
GEMEENTEN: dict[str, str] = {
    "0148": "Dalfsen",
    "0150": "Deventer",
    "0160": "Hardenberg",
    "0166": "Kampen",
    "1773": "Olst-Wijhe",
    "0175": "Ommen",
    "0177": "Raalte",
    "0180": "Staphorst",
    "1708": "Steenwijkerland",
    "1896": "Zwartewaterland",
    "0193": "Zwolle",
}

#: JZ020 product categories.
PRODUCT_CATEGORIEEN: dict[str, str] = {
    "31": "(2015) Zonder verblijf: uitgevoerd door wijk- of buurtteam",
    "32": "(2015) Zonder verblijf: ambulante jeugdhulp op locatie van de aanbieder",
    "33": "(2015) Zonder verblijf: daghulp op locatie van de aanbieder",
    "34": "(2015) Zonder verblijf: jeugdhulp in het netwerk van de jeugdige",
    "35": "(2015) Met verblijf: pleegzorg",
    "36": "(2015) Met verblijf: gezinsgericht",
    "37": "(2015) Met verblijf: gesloten plaatsing",
    "38": "(2015) Met verblijf: overig residentieel",
    "40": "Persoonlijke verzorging",
    "41": "Dagbehandeling",
    "42": "Vervoerdiensten",
    "43": "Jeugdhulp verblijf (incl. behandeling)",
    "44": "Jeugdhulp verblijf (excl. behandeling)",
    "45": "Jeugdhulp ambulant",
    "46": "Jeugdhulp crisis",
    "47": "Jeugdreclassering",
    "48": "Jeugdbescherming",
    "49": "Activiteiten in het preventief justitieel kader",
    "50": "Maatwerkarrangementen jeugd",
    "51": "Generalistische basis-ggz",
    "52": "Specialistische ggz",
    "53": "Kindergeneeskunde",
    "54": "Jeugd-ggz",
    "55": "Landelijk ingekochte zorg",
}

#: WJ756 units.
EENHEDEN: dict[str, str] = {
    "01": "Minuut",
    "04": "Uur",
    "14": "Etmaal",
    "16": "Dagdeel (4 uur)",
    "82": "Stuks (output)",
    "83": "Euro's",
    "84": "Stuks (inspanning)",
}

#: WMO757 frequencies.
FREQUENTIES: dict[str, str] = {
    "1": "Per dag",
    "2": "Per week",
    "4": "Per maand",
    "6": "Totaal binnen geldigheidsduur toewijzing",
}
