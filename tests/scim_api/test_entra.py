"""What Microsoft Entra ID sends, in both of its dialects
(docs/idp-dialects.md#microsoft-entra-id)."""

import re

import pytest
from scimkit import host, okta_user, patch_op

pytestmark = pytest.mark.django_db

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def entra_user(user_name="jane@acme.com", **extra):
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": "e1f0c7b2-0000-4000-8000-000000000001",
        "userName": user_name,
        "active": True,
        "displayName": "Jane Doe",
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "name": {"formatted": "Jane Doe", "familyName": "Doe", "givenName": "Jane"},
        "title": "Engineer",
        ENTERPRISE: {"department": "R&D", "employeeNumber": "42"},
    }
    body.update(extra)
    return body


@pytest.fixture
def jane(scim):
    response = scim.post("/Users", entra_user())
    assert response.status_code == 201, response.content
    return response.json()


def test_connection_test_with_random_guid_is_empty_list(scim):
    response = scim.get('/Users?filter=userName eq "7c9e6679-7425-40de-944b-e07fc1f90ae7"')
    assert response.status_code == 200 and response.json()["totalResults"] == 0
    response = scim.get('/Groups?excludedAttributes=members&filter=displayName eq "x1y2"')
    # Groups may or may not exist yet; the connection test must never see HTML or a 500.
    assert response["Content-Type"] == "application/scim+json"


def test_enterprise_extension_round_trip(jane):
    assert jane[ENTERPRISE] == {"department": "R&D", "employeeNumber": "42"}
    assert ENTERPRISE in jane["schemas"]


@pytest.mark.parametrize(
    "query",
    [
        'userName eq "jane@acme.com"',
        'externalId eq "e1f0c7b2-0000-4000-8000-000000000001"',
        'emails[type eq "work"].value eq "JANE@acme.com"',
        'emails.value eq "jane@acme.com"',
    ],
)
def test_existence_checks(scim, jane, query):
    response = scim.get(f"/Users?filter={query}")
    assert [r["id"] for r in response.json()["Resources"]] == [jane["id"]]


def test_external_id_is_case_exact(scim, jane):
    response = scim.get('/Users?filter=externalId eq "E1F0C7B2-0000-4000-8000-000000000001"')
    assert response.json()["totalResults"] == 0


def test_capitalised_ops_and_string_booleans_deactivate(scim, jane):
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op({"op": "Replace", "path": "active", "value": "False"}),
    )
    assert response.status_code == 200 and response.json()["active"] is False
    response = scim.patch(
        f"/Users/{jane['id']}", patch_op({"op": "Replace", "path": "active", "value": "True"})
    )
    assert response.json()["active"] is True


def test_one_attribute_per_operation_by_path(scim, jane):
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op(
            {"op": "Replace", "path": "name.givenName", "value": "Janet"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "janet@acme.com"},
            {"op": "Add", "path": "externalId", "value": "ext-2"},
            {"op": "Replace", "path": "title", "value": "Staff Engineer"},
            {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Platform"},
        ),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"]["givenName"] == "Janet"
    assert body["emails"][0]["value"] == "janet@acme.com"
    assert body["externalId"] == "ext-2"
    assert body["title"] == "Staff Engineer"
    assert body[ENTERPRISE]["department"] == "Platform"
    person = host.person(host.membership_of())
    assert (host.given_name(person), person.email) == ("Janet", "janet@acme.com")


@pytest.mark.parametrize(
    "value", ["boss-id", [{"$ref": None, "value": "boss-id"}], {"value": "boss-id"}]
)
def test_manager_as_string_or_list(scim, jane, value):
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": value}),
    )
    assert response.status_code == 200, response.content
    assert response.json()[ENTERPRISE]["manager"]["value"] == "boss-id"
    found = scim.get(f'/Users?filter={ENTERPRISE}:manager.value eq "boss-id"').json()
    assert found["totalResults"] == 1


def test_remove_manager(scim, jane):
    scim.patch(
        f"/Users/{jane['id']}",
        patch_op({"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": "boss-id"}),
    )
    response = scim.patch(
        f"/Users/{jane['id']}", patch_op({"op": "Remove", "path": f"{ENTERPRISE}:manager"})
    )
    assert "manager" not in response.json().get(ENTERPRISE, {})


def test_aad_opt_flag_dialect(scim, jane):
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op(
            {"op": "replace", "path": "active", "value": False},
            {"op": "replace", "value": {"name.givenName": "A", "name.familyName": "B"}},
        ),
    )
    body = response.json()
    assert body["active"] is False
    assert (body["name"]["givenName"], body["name"]["familyName"]) == ("A", "B")


def test_pathless_replace_with_urn_prefixed_keys(scim, jane):
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op(
            {
                "op": "replace",
                "value": {
                    f"{ENTERPRISE}:department": "Sales",
                    "urn:ietf:params:scim:schemas:core:2.0:User:title": "Rep",
                },
            }
        ),
    )
    body = response.json()
    assert body[ENTERPRISE]["department"] == "Sales" and body["title"] == "Rep"


def test_soft_delete_then_hard_delete_then_reprovision(scim, jane):
    scim.patch(
        f"/Users/{jane['id']}", patch_op({"op": "Replace", "path": "active", "value": "False"})
    )
    found = scim.get('/Users?filter=userName eq "jane@acme.com"').json()
    assert found["Resources"][0]["active"] is False
    assert scim.delete(f"/Users/{jane['id']}").status_code == 204
    assert scim.get(f"/Users/{jane['id']}").status_code == 404
    assert scim.get("/Users").json()["totalResults"] == 0
    again = scim.post("/Users", entra_user())
    assert again.status_code == 201 and again.json()["id"] != jane["id"]


def test_json_and_scim_json_bodies_are_both_accepted(scim):
    a = scim.post("/Users", okta_user("a@acme.com"), content_type="application/json")
    b = scim.post("/Users", okta_user("b@acme.com"), content_type="application/scim+json")
    assert (a.status_code, b.status_code) == (201, 201)


# Entra's default user attribute mapping, plus the enterprise attributes an admin commonly
# maps (docs/idp-dialects.md#microsoft-entra-id): each SCIM path Entra writes, with a value.
# Entra reads each path back and sends again whatever differs.
ENTRA_MAPPING = {
    "userName": "jane@acme.com",
    "active": True,
    "displayName": "Jane Doe",
    "title": "Engineer",
    'emails[type eq "work"].value': "jane@acme.com",
    "preferredLanguage": "en-US",
    "name.givenName": "Jane",
    "name.familyName": "Doe",
    "name.formatted": "Jane Doe",
    'phoneNumbers[type eq "work"].value': "+1 425 555 0100",
    'phoneNumbers[type eq "mobile"].value': "+1 425 555 0101",
    'phoneNumbers[type eq "fax"].value': "+1 425 555 0102",
    'addresses[type eq "work"].formatted': "1 Main St, Redmond, WA 98052, US",
    'addresses[type eq "work"].streetAddress': "1 Main St",
    'addresses[type eq "work"].locality': "Redmond",
    'addresses[type eq "work"].region': "WA",
    'addresses[type eq "work"].postalCode': "98052",
    'addresses[type eq "work"].country': "US",
    "externalId": "e1f0c7b2-0000-4000-8000-000000000001",
    f"{ENTERPRISE}:employeeNumber": "42",
    f"{ENTERPRISE}:department": "R&D",
    f"{ENTERPRISE}:costCenter": "CC-1",
    f"{ENTERPRISE}:organization": "Acme",
    f"{ENTERPRISE}:division": "Cloud",
    f"{ENTERPRISE}:manager": "boss-id",
}
VALUE_PATH = re.compile(r'(\w+)\[type eq "(\w+)"\]\.(\w+)')


def entra_create_body(mapping):
    """The POST Entra builds from a mapping: value paths become elements of their type."""
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]}
    for path, value in mapping.items():
        if match := VALUE_PATH.fullmatch(path):
            name, type_, sub = match.groups()
            elements = body.setdefault(name, [])
            element = next((e for e in elements if e["type"] == type_), None)
            if element is None:
                element = {"type": type_, **({"primary": True} if name == "emails" else {})}
                elements.append(element)
            element[sub] = value
        elif path.startswith(ENTERPRISE):
            name = path[len(ENTERPRISE) + 1 :]
            body.setdefault(ENTERPRISE, {})[name] = {"value": value} if name == "manager" else value
        elif "." in path:
            parent, sub = path.split(".")
            body.setdefault(parent, {})[sub] = value
        else:
            body[path] = value
    return body


def read_path(resource, path):
    """What Entra reads back at a mapping path (None when absent)."""
    if match := VALUE_PATH.fullmatch(path):
        name, type_, sub = match.groups()
        element = next((e for e in resource.get(name, []) if e.get("type") == type_), {})
        return element.get(sub)
    if path.startswith(ENTERPRISE):
        value = resource.get(ENTERPRISE, {}).get(path[len(ENTERPRISE) + 1 :])
        return value["value"] if isinstance(value, dict) else value
    if "." in path:
        parent, sub = path.split(".")
        return resource.get(parent, {}).get(sub)
    return resource.get(path)


def differences(scim, user_id, mapping):
    """The paths Entra's next cycle would send again."""
    resource = scim.get(f"/Users/{user_id}").json()
    return {
        path: read_path(resource, path)
        for path in mapping
        if read_path(resource, path) != mapping[path]
    }


def test_default_mapping_round_trip_after_create(scim):
    response = scim.post("/Users", entra_create_body(ENTRA_MAPPING))
    assert response.status_code == 201, response.content
    assert differences(scim, response.json()["id"], ENTRA_MAPPING) == {}


def test_default_mapping_round_trip_after_patches_one_attribute_each(scim):
    """Entra's default dialect: one capitalised operation per changed attribute, by path,
    booleans as strings; after it, a read shows nothing left to send."""
    created = scim.post("/Users", entra_create_body({"userName": "jane@acme.com", "active": True}))
    user_id = created.json()["id"]
    operations = [
        {"op": "Add" if path.startswith("addresses") else "Replace", "path": path, "value": value}
        for path, value in ENTRA_MAPPING.items()
        if path != "active"
    ]
    operations.append({"op": "Replace", "path": "active", "value": "True"})
    response = scim.patch(f"/Users/{user_id}", patch_op(*operations))
    assert response.status_code == 200, response.content
    assert differences(scim, user_id, ENTRA_MAPPING) == {}
    # The next cycle's changes, in separate requests as Entra sends them.
    changed = {
        **ENTRA_MAPPING,
        'phoneNumbers[type eq "mobile"].value': "+1 425 555 0199",
        'addresses[type eq "work"].locality': "Bellevue",
        f"{ENTERPRISE}:costCenter": "CC-2",
        "active": False,
    }
    for path in ('phoneNumbers[type eq "mobile"].value', 'addresses[type eq "work"].locality'):
        op = {"op": "Replace", "path": path, "value": changed[path]}
        assert scim.patch(f"/Users/{user_id}", patch_op(op)).status_code == 200
    scim.patch(
        f"/Users/{user_id}",
        patch_op(
            {"op": "Replace", "path": f"{ENTERPRISE}:costCenter", "value": "CC-2"},
            {"op": "Replace", "path": "active", "value": "False"},
        ),
    )
    assert differences(scim, user_id, changed) == {}


def test_clearing_a_mapped_phone_number(scim):
    user_id = scim.post("/Users", entra_create_body(ENTRA_MAPPING)).json()["id"]
    fax = 'phoneNumbers[type eq "fax"].value'
    response = scim.patch(f"/Users/{user_id}", patch_op({"op": "Remove", "path": fax}))
    assert response.status_code == 200
    assert [p["type"] for p in response.json()["phoneNumbers"]] == ["work", "mobile"]
    assert differences(scim, user_id, {**ENTRA_MAPPING, fax: None}) == {}


def test_pathless_replace_with_value_path_keys(scim):
    """Path-less replaces (the flagged dialect) whose keys are the mapping's value paths."""
    user_id = scim.post("/Users", entra_create_body(ENTRA_MAPPING)).json()["id"]
    changed = {
        'phoneNumbers[type eq "work"].value': "+1 425 555 0111",
        'addresses[type eq "work"].postalCode': "98004",
        "name.formatted": "Jane Q. Doe",
    }
    response = scim.patch(f"/Users/{user_id}", patch_op({"op": "replace", "value": changed}))
    assert response.status_code == 200, response.content
    assert differences(scim, user_id, {**ENTRA_MAPPING, **changed}) == {}
