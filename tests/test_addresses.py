"""The address rule (cosmo_scim/addresses.py), table-driven over Unicode's case mappings.

The table is generated, not picked: every character of the Basic Multilingual Plane whose
lower, upper and casefold mappings disagree (``ſ``, ``ı``, ``İ``, ``K``, ``ß``, ``ﬁ``, ``ς``,
the Cherokee letters…), with each mapping that changes it. Run on PostgreSQL and on SQLite
(CI runs the suite on both), so the database's form of the key is checked against Python's
on each.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Value

from cosmo_scim.addresses import AddressKey, address_key, refusal
from cosmo_scim.host import host_adapter

MAPPINGS = {"lower": str.lower, "upper": str.upper, "casefold": str.casefold}

BMP = [chr(i) for i in range(1, 0x10000) if not 0xD800 <= i <= 0xDFFF]


def _disagree(c):
    return (
        c.casefold() != c.lower()
        or c.upper().lower() != c.lower()
        or c.lower().upper() != c.upper()
    )


DISAGREEING = [c for c in BMP if _disagree(c)]
# (character, mapping, what the mapping makes of it), for each mapping that changes it.
TABLE = [
    (c, name, mapping(c))
    for c in DISAGREEING
    for name, mapping in MAPPINGS.items()
    if mapping(c) != c
]


def address(text):
    return f"x{text}y@beta.test"


def test_the_table_holds_the_known_lookalikes():
    assert len(DISAGREEING) > 250 and len(TABLE) > len(DISAGREEING)
    for known in "ſıİ\u212aßﬁς\u2126\u212b":  # the Kelvin, Ohm and Angstrom signs too
        assert known in DISAGREEING, f"{known!a}"
    assert ("ſ", "upper", "S") in TABLE and ("\u212a", "lower", "k") in TABLE


@pytest.mark.parametrize(("character", "mapping", "mapped"), TABLE, ids=lambda v: f"{v!a}")
def test_a_lookalike_is_refused_or_the_same_account(character, mapping, mapped):
    """``address(character)`` and ``address(mapped)`` differ only by a case mapping: one of
    them is refused at the door, or both have one key (one account)."""
    lookalike, original = address(character), address(mapped)
    assert refusal(lookalike) is not None
    if refusal(original) is None:
        # What a mapping leaves may be admissible ("ŉ" upper-cases to "ʼN": a caseless
        # apostrophe and an ASCII letter); then its key is its every case mapping.
        key = address_key(original)
        assert key == original.lower() == original.casefold() == original.upper().lower()


def test_for_every_address_let_through_the_key_is_every_case_mapping():
    """Over the whole BMP: a character the door lets through either has no case or is ASCII,
    and there the key is what lower(), casefold() and upper().lower() give."""
    for c in BMP:
        if refusal(c) is None:
            assert address_key(c) == c.lower() == c.casefold() == c.upper().lower(), f"{c!a}"
        else:
            assert not c.isascii()


def test_an_ordinary_address_passes_and_a_lookalike_is_named():
    assert refusal("Jane.Doe+scim@Acme-Corp.example") is None
    assert refusal("jane@xn--bcher-kva.example") is None
    assert "U+017F" in refusal("ſam@beta.test")
    assert "U+00FC" in refusal("sam@bücher.de")


@pytest.mark.django_db
def test_the_database_computes_the_key_python_computes(make_user):
    """Every character of the BMP (NUL and the surrogates aside: no text column holds them),
    and every address of the table, through the database's AddressKey: 256 characters a
    value, 64 values a query."""
    values = ["".join(BMP[i : i + 256]) for i in range(0, len(BMP), 256)]
    values += [address(c) for c, _, _ in TABLE] + [address(m) for _, _, m in TABLE]
    one_row = get_user_model()._default_manager.filter(pk=make_user().pk)
    for start in range(0, len(values), 64):
        chunk = values[start : start + 64]
        keys = {f"k{i}": AddressKey(Value(v)) for i, v in enumerate(chunk)}
        got = one_row.annotate(**keys).values_list(*keys).get()
        assert list(got) == [address_key(v) for v in chunk], connection.vendor


@pytest.mark.django_db
def test_one_account_per_key_and_each_login_finds_its_own(make_user):
    """The unique constraint, the account lookup and the login compare the same key:
    accounts made without the door (before the rule, by hand) for every look-alike and
    its original are each found by their own address, and never by another."""
    model = get_user_model()
    addresses = sorted({address(c) for c, _, _ in TABLE} | {address(m) for _, _, m in TABLE})
    keys = {}
    for value in addresses:
        keys.setdefault(address_key(value), value)
    model._default_manager.bulk_create(model(email=value) for value in keys.values())
    for value in [address(c) for c in "ſıİ\u212aßΣς"] + [address("S"), address("K")]:
        stored = keys.get(address_key(value))
        found = host_adapter().find_person(value)
        assert (found and found.email) == stored
        if stored is not None:
            assert model._default_manager.get_by_natural_key(value).email == stored
    make_user("Sam@beta.test")
    assert model._default_manager.get_by_natural_key("sAM@bETA.TEST").email == "Sam@beta.test"
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user("sam@beta.TEST")


@pytest.mark.django_db
def test_the_admin_searches_addresses_by_the_key(admin_client, make_user, scim):
    """Django's ``icontains`` is ``UPPER(email) LIKE UPPER(…)``: a search for Sam's address
    listed the look-alike made before the rule too. Searches go by the key: the accounts,
    memberships and invitations a login would find, in any ASCII case."""
    make_user("sam@beta.test")
    get_user_model()._default_manager.create(email="ſam@beta.test")
    users = admin_client.get("/admin/accounts/user/", {"q": "SAM@Beta"})
    assert list(users.context["cl"].result_list.values_list("email", flat=True)) == [
        "sam@beta.test"
    ]
    scim.create_user("Hire@beta.test")
    invitations = admin_client.get("/admin/cosmo_scim/invitation/", {"q": "hire@BETA"})
    assert [i.email for i in invitations.context["cl"].result_list] == ["Hire@beta.test"]
    assert (
        not admin_client.get("/admin/cosmo_scim/invitation/", {"q": "hıre"})
        .context["cl"]
        .result_list
    )


@pytest.mark.django_db
def test_the_admin_user_form_refuses_a_lookalike(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"email": "admın@beta.test", "usable_password": "false"},
    )
    assert response.status_code == 200
    assert "U+0131" in str(response.context["adminform"].form.errors["email"])
    assert not get_user_model()._default_manager.filter(email__endswith="beta.test").exists()
