"""Names longer than the account holds (issue 20, reproduction 6), on every host.

SCIM stored ``name.givenName`` and ``name.familyName`` in 255-character columns, but copied
them onto the person's account, whose name columns hold 150: POST, PUT and PATCH answered
500 for a new account — and 201 where the address's account already existed elsewhere (the
names stayed in the SCIM profile), so the status told an IdP whether an address had an
account outside its organization. The account's own column, asked through the host
adapter, now bounds them: the same 400 ``invalidValue`` naming the limit, either way.
"""

import pytest
from django.contrib.auth import get_user_model
from scimkit import patch_op, user_body

from cosmo_scim.host import host_adapter
from cosmo_scim.host_fields import person_field
from cosmo_scim.models import ScimUser

pytestmark = pytest.mark.django_db


def account_limit(part):
    return get_user_model()._meta.get_field(person_field(part)).max_length


def assert_refused(response, label, limit):
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["status"], body["scimType"]) == ("400", "invalidValue")
    assert body["detail"] == f"{label} is longer than {limit} characters"


@pytest.mark.parametrize(
    ("label", "part"), [("givenName", "given_name"), ("familyName", "family_name")]
)
def test_a_name_the_account_cannot_hold_is_the_same_400_whether_or_not_an_account_exists(
    scim, other_org, make_member, label, part
):
    limit = account_limit(part)
    assert limit < 255  # the SCIM profile's column: the account's is the stricter bound
    make_member(other_org, email="known@beta.test")
    long_name = {"name": {"givenName": "Jane", "familyName": "Doe", label: "n" * (limit + 1)}}
    for address in ("known@beta.test", "unknown@beta.test"):
        assert_refused(
            scim.post("/Users", {**user_body(address), **long_name}), f"name.{label}", limit
        )
    assert not ScimUser.objects.exists()
    exact = {"name": {"givenName": "Jane", "familyName": "Doe", label: "n" * limit}}
    for address in ("known@beta.test", "unknown@beta.test"):
        assert scim.post("/Users", {**user_body(address), **exact}).status_code == 201


def test_put_and_patch_are_bounded_by_the_account_too(scim):
    limit = account_limit("given_name")
    created = scim.create_user("jane@acme.example")
    location = f"/Users/{created['id']}"
    body = user_body("jane@acme.example", given="g" * (limit + 1))
    assert_refused(scim.put(location, body), "name.givenName", limit)
    patch = patch_op({"op": "replace", "path": "name.givenName", "value": "g" * (limit + 1)})
    assert_refused(scim.patch(location, patch), "name.givenName", limit)
    assert scim.get(location).json()["name"]["givenName"] == "Jane"
    patch = patch_op({"op": "replace", "path": "name.givenName", "value": "g" * limit})
    assert scim.patch(location, patch).status_code == 200


def test_the_bound_is_the_hosts_own(scim, monkeypatch):
    """Asked through the host adapter, not written down: a host whose account keeps 40
    characters of a given name gets that bound."""
    adapter = type(host_adapter())
    account_length = adapter.person_max_length
    monkeypatch.setattr(
        adapter,
        "person_max_length",
        lambda self, part: 40 if part == "given_name" else account_length(self, part),
    )
    body = user_body("jane@acme.example", given="g" * 41)
    assert_refused(scim.post("/Users", body), "name.givenName", 40)
    assert scim.post("/Users", user_body("jane@acme.example", given="g" * 40)).status_code == 201
