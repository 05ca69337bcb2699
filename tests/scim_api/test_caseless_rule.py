"""One caseless rule (cosmo_scim/protocol/caseless.py): wherever a caseExact-false value is
compared — ``same()`` in SQL, a filter through the API, the unique constraint on userName,
a PATCH value filter evaluated in Python — the answer is ``fold(a) == fold(b)``, on
PostgreSQL and on SQLite (CI runs the suite on both), for the characters whose Unicode
case mappings and database ``LOWER``s disagree.
"""

from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import CharField, Value
from scimkit import patch_op, user_body

from cosmo_scim.protocol import caseless
from cosmo_scim.protocol.caseless import fold

pytestmark = pytest.mark.django_db

# Families of values some Unicode case mapping or some database's LOWER makes equal.
FAMILIES = [
    [
        "\u00df",  # ß: case-folds to "ss", lower-cases to itself
        "\u1e9e",  # ẞ: lower-cases to ß
        "ss",
        "SS",
        "\u017f",  # long ſ: upper-cases to "S"
        "S",
        "s",
    ],
    ["\u212a", "K", "k"],  # the Kelvin sign lower-cases to "k"
    [
        "\u0130",  # İ: lower-cases to "i" and a combining dot
        "I",  # a Turkish collation's LOWER makes it "ı"
        "i",
        "\u0131",  # dotless ı: upper-cases to "I"
    ],
    ["\ufb01", "fi", "FI"],  # the ligature ﬁ case-folds to "fi"
    ["\u03a3", "\u03c3", "\u03c2"],  # capital, small and final sigma: ς case-folds to the small one
    ["\u00c9", "\u00e9", "E", "e"],  # É, é: PostgreSQL's LOWER folds them, SQLite's does not
    ["Stra\u00dfe", "STRASSE", "strasse"],
]
TRICKY = [value for family in FAMILIES for value in family]


def alike(value):
    """The values of TRICKY the rule makes equal to ``value``."""
    return {other for other in TRICKY if fold(other) == fold(value)}


def test_the_fold_changes_the_ascii_capitals_only():
    assert fold("\u212a\u00c9\u0130\u1e9eKEI") == "\u212a\u00c9\u0130\u1e9ekei"
    assert alike("K") == {"K", "k"} and alike("\u00df") == {"\u00df"}


def test_same_in_sql(make_user):
    one_row = get_user_model()._default_manager.filter(pk=make_user().pk)
    for value in TRICKY:
        row = one_row.annotate(held=Value(value, output_field=CharField()))
        found = {other for other in TRICKY if row.filter(caseless.same("held", other)).exists()}
        assert found == alike(value), (value, connection.vendor)


def test_user_name_uniqueness_and_filters_through_the_api(scim):
    """One user per folded userName (a second in another ASCII case is a 409), and
    ``userName eq`` / ``co`` find what the rule says."""
    stored = {}
    for index, value in enumerate(TRICKY):
        response = scim.post("/Users", user_body(f"x{value}y", email=f"p{index}@acme.com"))
        expected = 409 if fold(value) in stored else 201
        assert response.status_code == expected, (value, response.content)
        stored.setdefault(fold(value), f"x{value}y")

    def found(text):
        response = scim.get("/Users?" + urlencode({"filter": text, "count": 100}))
        assert response.status_code == 200, response.content
        return {user["userName"] for user in response.json()["Resources"]}

    for value in TRICKY:
        held = stored[fold(value)]
        assert found(f'userName eq "x{value}y"') == {held}, (value, connection.vendor)
        contains = {name for name in stored.values() if fold(value) in fold(name)}
        assert found(f'userName co "{value}"') == contains, (value, connection.vendor)


@pytest.mark.parametrize("operator", ["eq", "sw"])
def test_a_patch_value_filter(scim, operator):
    """``ims[value eq "…"]`` (its elements found by their folded value, then the filter
    evaluated in Python) and ``ims[value sw "…"]`` (evaluated on every element) pick the
    values the rule makes equal, within a family (a user holds 10 ims at most)."""
    for number, family in enumerate(FAMILIES):
        ims = [{"value": f"x{value}y"} for value in family]
        response = scim.post("/Users", user_body(f"ims{number}@acme.com", ims=ims))
        assert response.status_code == 201, response.content
        user = response.json()["id"]
        for index, value in enumerate(family):
            marker = f"hit {index}"
            path = f'ims[value {operator} "x{value}y"].display'
            operation = {"op": "replace", "path": path, "value": marker}
            response = scim.patch(f"/Users/{user}", patch_op(operation))
            assert response.status_code == 200, response.content
            ims = response.json()["ims"]
            hit = {im["value"][1:-1] for im in ims if im.get("display") == marker}
            assert hit == alike(value) & set(family), value
