"""A few hand-made declaration lines in core, so a mart test knows every expected cell.

mart.declaratie_gemeente_maand after :func:`seed_declaraties` + refresh:
  0193 Zwolle    2025-01-01 cat 45: 123456 cents (1 debet line, 1 client)
  0150 Deventer  2025-02-01 cat 54: 100000 - 2550 = 97450 cents (1 debet + 1 credit line)
"""

from __future__ import annotations

import datetime as dt

from jeugdhulp import marts

SHA = "0" * 64
CLIENT = "c" * 64

LINES = [
    # aanbieder, referentie, declaratie, gemeente, categorie, code, begin, volume, eenheid, tarief, bedrag, D/C
    ("99900001", "R1", "D1", "0193", "45", "45A03", dt.date(2025, 1, 6), 1, "04", 123456, 123456, "D"),
    ("99900002", "R2", "D2", "0150", "54", "54005", dt.date(2025, 2, 3), 1, "04", 100000, 100000, "D"),
    ("99900002", "R3", "D2", "0150", "54", "54005", dt.date(2025, 2, 10), 1, "04", 2550, 2550, "C"),
]


def seed_declaraties(conn) -> None:
    with conn.transaction():
        conn.execute("INSERT INTO core.client (client_pseudoniem, bsn_elfproef) VALUES (%s, true)", (CLIENT,))
        for aanbieder, declaratie, gemeente in {(l[0], l[2], l[3]) for l in LINES}:
            conn.execute(
                "INSERT INTO core.declaratie (aanbieder, declaratie_nummer, gemeente, declaratie_periode_begindatum, "
                "declaratie_periode_einddatum, declaratie_dagtekening, totaal_ingediend_bedrag, bericht_identificatie, "
                "dagtekening, file_sha256, batch_id) VALUES (%s, %s, %s, '2025-01-01', '2025-03-31', '2025-04-01', 0, "
                "'B1', '2025-04-01', %s, 1)",
                (aanbieder, declaratie, gemeente, SHA),
            )
        for (aanbieder, ref, decl, gemeente, cat, code, begin, volume, eenheid, tarief, bedrag, dc) in LINES:
            conn.execute(
                "INSERT INTO core.declaratie_regel (aanbieder, referentie_nummer, declaratie_nummer, gemeente, "
                "client_pseudoniem, toewijzing_nummer, product_categorie, product_code, product_periode_begindatum, "
                "product_periode_einddatum, geleverd_volume, eenheid, product_tarief, ingediend_bedrag, debet_credit, "
                "file_sha256, batch_id) VALUES (%s, %s, %s, %s, %s, 1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1)",
                (aanbieder, ref, decl, gemeente, CLIENT, cat, code, begin, begin + dt.timedelta(days=4), volume,
                 eenheid, tarief, bedrag, dc, SHA),
            )
    marts.refresh(conn)
