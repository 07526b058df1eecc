"""Who may read what: finance_reader reads schema mart only; a gemeente role sees only its own rows
(secured view over the materialized mart); a role without grants sees nothing."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from mart_seed import seed_declaraties

from jeugdhulp.reference import GEMEENTEN

pytestmark = pytest.mark.integration

SECURED = "mart.declaratie_gemeente_maand_beveiligd"


@pytest.fixture
def seeded(conn):
    seed_declaraties(conn)
    return conn


@pytest.fixture
def as_role(seeded, pg_server):
    """Run queries as another role (SET ROLE from the superuser test connection); login roles
    made here are dropped afterwards."""
    made = []

    def make_login(*member_of: str) -> str:
        name = f"t_user_{uuid.uuid4().hex[:8]}"
        seeded.execute(f'CREATE ROLE "{name}" LOGIN')
        for role in member_of:
            seeded.execute(f'GRANT "{role}" TO "{name}"')
        made.append(name)
        return name

    def select(role: str, query: str):
        with seeded.transaction():
            seeded.execute(f'SET LOCAL ROLE "{role}"')
            return seeded.execute(query).fetchall()

    yield make_login, select
    seeded.execute("RESET ROLE")
    for name in made:
        seeded.execute(f'DROP OWNED BY "{name}"')
        seeded.execute(f'DROP ROLE "{name}"')


def test_roles_exist_for_every_gemeente_and_mapping_matches_reference(seeded):
    roles = {r[0] for r in seeded.execute("SELECT rolname FROM pg_roles")}
    assert "finance_reader" in roles
    assert {f"gemeente_{g}" for g in GEMEENTEN} <= roles
    mapping = dict(seeded.execute("SELECT gemeente, rol FROM core.gemeente_rol").fetchall())
    assert mapping == {g: f"gemeente_{g}" for g in GEMEENTEN}
    for role in ["finance_reader", *mapping.values()]:
        assert not seeded.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (role,)).fetchone()[0]


def test_finance_reader_reads_every_mart_row(as_role):
    _, select = as_role
    rows = select("finance_reader", "SELECT gemeente, ingediend_bedrag FROM mart.declaratie_gemeente_maand ORDER BY 1")
    assert rows == [("0150", 97450), ("0193", 123456)]
    assert select("finance_reader", f"SELECT count(*) FROM {SECURED}") == [(2,)]
    assert select("finance_reader", "SELECT count(*) FROM mart.dq_scorecard_aanbieder_maand") == [(0,)]


@pytest.mark.parametrize("table", ["core.declaratie_regel", "core.gemeente_rol", "staging.jw323_prestatie",
                                   "dq.quarantine", "meta.file_manifest", "core.contract_tarief"])
def test_finance_reader_cannot_read_outside_mart(as_role, table):
    _, select = as_role
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        select("finance_reader", f"SELECT 1 FROM {table} LIMIT 1")


def test_gemeente_role_sees_only_its_own_rows(as_role):
    make_login, select = as_role
    zwolle = select("gemeente_0193", f"SELECT gemeente, ingediend_bedrag FROM {SECURED}")
    assert zwolle == [("0193", 123456)]
    # asking for another gemeente explicitly gives nothing, not an error
    assert select("gemeente_0193", f"SELECT * FROM {SECURED} WHERE gemeente = '0150'") == []
    assert select("gemeente_0150", f"SELECT gemeente, ingediend_bedrag FROM {SECURED}") == [("0150", 97450)]
    # a person's login role that is a member of the group role sees the same
    analist = make_login("gemeente_0193")
    assert select(analist, f"SELECT gemeente FROM {SECURED}") == [("0193",)]
    # member of two gemeenten: both
    beide = make_login("gemeente_0193", "gemeente_0150")
    assert sorted(select(beide, f"SELECT gemeente FROM {SECURED}")) == [("0150",), ("0193",)]


def test_gemeente_role_cannot_bypass_the_secured_view(as_role):
    _, select = as_role
    for query in ("SELECT * FROM mart.declaratie_gemeente_maand",
                  "SELECT * FROM core.declaratie_regel",
                  "SELECT * FROM mart.dq_scorecard_aanbieder_maand"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            select("gemeente_0193", query)


def test_leaky_function_cannot_see_other_gemeenten(as_role, seeded):
    """security_barrier: a cheap function of the reader that raises on every row it sees must not
    be evaluated on rows of another gemeente before the gemeente filter."""
    make_login, select = as_role
    spy = make_login("gemeente_0193")
    seeded.execute(f'GRANT CREATE ON SCHEMA public TO "{spy}"')
    with seeded.transaction():
        seeded.execute(f'SET LOCAL ROLE "{spy}"')
        seeded.execute(
            "CREATE FUNCTION public.lek(g text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS "
            "$$ BEGIN RAISE NOTICE 'gezien: %', g; RETURN true; END $$"
        )
    seen = []
    seeded.add_notice_handler(lambda d: seen.append(d.message_primary))
    rows = select(spy, f"SELECT gemeente FROM {SECURED} WHERE public.lek(gemeente)")
    assert rows == [("0193",)]
    assert seen and all(m == "gezien: 0193" for m in seen), seen


def test_role_without_grants_sees_nothing(as_role, seeded):
    make_login, select = as_role
    nobody = make_login()
    for query in (f"SELECT * FROM {SECURED}", "SELECT * FROM mart.declaratie_gemeente_maand",
                  "SELECT * FROM core.declaratie_regel"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            select(nobody, query)
    # even granted the view itself, a role in no gemeente role gets zero rows
    seeded.execute(f'GRANT USAGE ON SCHEMA mart TO "{nobody}"')
    seeded.execute(f'GRANT SELECT ON {SECURED} TO "{nobody}"')
    assert select(nobody, f"SELECT * FROM {SECURED}") == []


def test_grants_survive_refresh_and_migrate_is_idempotent(as_role, seeded):
    from jeugdhulp import marts, warehouse

    _, select = as_role
    warehouse.migrate(seeded)
    marts.refresh(seeded)
    assert select("gemeente_0193", f"SELECT gemeente FROM {SECURED}") == [("0193",)]
    assert select("finance_reader", "SELECT count(*) FROM mart.declaratie_gemeente_maand") == [(2,)]
