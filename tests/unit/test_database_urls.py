"""Database URLs: ``postgresql://`` gets the psycopg 3 driver, and nothing else changes."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from skillsprogram.settings import Settings
from skillsprogram.storage.db import normalise_database_url

#: Characters a URL gives meaning to, which a password may hold all the same.
AWKWARD = "@:/%?#+ "
passwords = st.text(alphabet=st.sampled_from(AWKWARD) | st.characters(codec="utf-8"), min_size=1)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=12)


@given(
    scheme=st.sampled_from(["postgresql", "postgres"]),
    user=names,
    password=passwords,
    host=st.sampled_from(["127.0.0.1", "db.example.org", "[::1]"]),
    port=st.integers(1, 65_535),
    database=names,
)
def test_a_postgres_url_gets_psycopg_and_keeps_every_part(
    scheme: str, user: str, password: str, host: str, port: int, database: str
) -> None:
    url = f"{scheme}://{user}:{quote(password, safe='')}@{host}:{port}/{database}?sslmode=require"
    parsed = make_url(normalise_database_url(url))
    assert parsed.drivername == "postgresql+psycopg"
    assert (parsed.username, parsed.password) == (user, password)
    assert (parsed.port, parsed.database) == (port, database)
    assert parsed.host == host.strip("[]")
    assert parsed.query == {"sslmode": "require"}


def test_a_password_with_url_characters_survives() -> None:
    """A password percent-encoded in the URL is decoded to what the database expects."""
    url = "postgres://app:" + quote("p@ss:w/rd%1", safe="") + "@db:5432/skills"
    assert make_url(normalise_database_url(url)).password == "p@ss:w/rd%1"


@given(
    url=st.sampled_from(
        [
            "sqlite:///relative/skills.db",
            "sqlite:////var/lib/skills db.sqlite",
            "sqlite://",
            "postgresql+psycopg://u:p@h/d",
            "postgresql+psycopg2://u:p@h/d",
            "mysql://u:p@h/d",
            "not a url",
        ]
    )
)
def test_other_urls_are_left_as_they_are(url: str) -> None:
    assert normalise_database_url(url) == url


def test_the_setting_is_normalised() -> None:
    settings = Settings(database_url="postgres://u:p%40w@h/d")
    assert settings.resolved_database_url() == "postgresql+psycopg://u:p%40w@h/d"
