"""The whole RFC 7643 User through HTTP: every attribute stored and returned, the rules of
multi-valued attributes (RFC 7643 §2.4: one primary, ``type``, value paths in PATCH) and the
limits the attribute table declares (cosmo_scim.scim.users)."""

from urllib.parse import quote

import pytest
from scimkit import patch_op, user_body

from cosmo_project.organizations.scim import CosmoHostAdapter
from cosmo_scim.models import AuditEvent, ScimUser
from cosmo_scim.protocol.schema.resolve import USER
from cosmo_scim.scim.user_attributes import COLUMNS, MULTI_VALUED

pytestmark = pytest.mark.django_db

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIMITS = {attribute.path: attribute for attribute in MULTI_VALUED}


def full_user(user_name="jane@acme.com"):
    """Every attribute this server stores, each with a value."""
    return user_body(
        user_name,
        schemas=["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        externalId="ext-jane",
        name={
            "formatted": "Ms. Jane Q. Doe III",
            "familyName": "Doe",
            "givenName": "Jane",
            "middleName": "Quinn",
            "honorificPrefix": "Ms.",
            "honorificSuffix": "III",
        },
        displayName="Jane Doe",
        nickName="JD",
        profileUrl="https://people.acme.com/jane",
        title="Engineer",
        userType="Employee",
        preferredLanguage="en-GB",
        locale="en-GB",
        timezone="Europe/London",
        active=True,
        phoneNumbers=[
            {"value": "+44 20 7946 0000", "type": "work", "primary": True},
            {"value": "+44 7700 900000", "type": "mobile", "display": "mobile"},
        ],
        ims=[{"value": "jane@xmpp.acme.com", "type": "xmpp"}],
        photos=[{"value": "https://photos.acme.com/jane.jpg", "type": "photo"}],
        addresses=[
            {
                "type": "work",
                "formatted": "1 Acme Way\nLondon EC1A 1AA\nGB",
                "streetAddress": "1 Acme Way",
                "locality": "London",
                "region": "Greater London",
                "postalCode": "EC1A 1AA",
                "country": "GB",
                "primary": True,
            }
        ],
        **{
            ENTERPRISE: {
                "employeeNumber": "42",
                "costCenter": "CC-7",
                "organization": "Acme Ltd",
                "division": "Products",
                "department": "R&D",
                "manager": {"value": "boss-id"},
            }
        },
    )


def without_server_attributes(resource):
    body = {k: v for k, v in resource.items() if k not in ("id", "meta", "groups")}
    enterprise = dict(body.get(ENTERPRISE, {}))
    if "manager" in enterprise:
        enterprise["manager"] = {"value": enterprise["manager"]["value"]}
        body[ENTERPRISE] = enterprise
    return body


@pytest.fixture
def jane(scim):
    response = scim.post("/Users", full_user())
    assert response.status_code == 201, response.content
    return response.json()


def test_every_attribute_reads_back_as_written(scim, jane):
    written = full_user()
    assert without_server_attributes(jane) == written
    read = scim.get(f"/Users/{jane['id']}").json()
    assert without_server_attributes(read) == written
    assert read[ENTERPRISE]["manager"]["$ref"].endswith("/Users/boss-id")


def test_a_put_of_what_was_read_changes_nothing(scim, jane):
    """The second sync cycle: the IdP sends what it read, the server sees no difference."""
    read = scim.get(f"/Users/{jane['id']}").json()
    response = scim.put(f"/Users/{jane['id']}", read)
    assert response.status_code == 200
    assert response.json()["meta"]["version"] == jane["meta"]["version"]
    assert AuditEvent.objects.filter(action="updated").count() == 0


def test_put_replaces_every_new_attribute(scim, jane):
    response = scim.put(f"/Users/{jane['id']}", user_body("jane@acme.com"))
    body = response.json()
    for name in ("nickName", "phoneNumbers", "addresses", "ims", "photos", "timezone"):
        assert name not in body
    assert ENTERPRISE not in body
    assert ScimUser.objects.get().phone_numbers == []


def test_new_attributes_are_filterable_and_sortable(scim, jane):
    for query in (
        'nickName eq "jd"',
        'userType eq "employee"',
        'timezone sw "Europe/"',
        'name.middleName eq "Quinn"',
        f'{ENTERPRISE}:costCenter eq "CC-7"',
        f'{ENTERPRISE}:organization co "acme"',
        f"{ENTERPRISE}:division pr",
    ):
        found = scim.get(f"/Users?filter={query}").json()
        assert [r["id"] for r in found["Resources"]] == [jane["id"]], query
    assert scim.get("/Users?sortBy=nickName").status_code == 200


def test_a_new_primary_clears_the_others(scim, jane):
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op(
            {
                "op": "add",
                "path": "phoneNumbers",
                "value": [{"value": "+44 20 7946 0999", "type": "home", "primary": True}],
            }
        ),
    )
    phones = response.json()["phoneNumbers"]
    assert [(p["type"], p.get("primary")) for p in phones] == [
        ("work", False),
        ("mobile", None),
        ("home", True),
    ]


def test_primary_set_by_value_path_with_a_string_boolean(scim, jane):
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op(
            {"op": "Replace", "path": 'phoneNumbers[type eq "mobile"].primary', "value": "True"}
        ),
    )
    phones = {p["type"]: p.get("primary") for p in response.json()["phoneNumbers"]}
    assert phones == {"work": False, "mobile": True}


def test_two_primaries_in_a_put_are_refused(scim, jane):
    body = full_user()
    body["addresses"] = [
        {"type": "work", "locality": "London", "primary": True},
        {"type": "home", "locality": "Leeds", "primary": True},
    ]
    response = scim.put(f"/Users/{jane['id']}", body)
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    assert "addresses" in response.json()["detail"]


@pytest.mark.parametrize(
    "operation,expected",
    [
        (
            {"op": "replace", "path": 'addresses[type eq "work"].locality', "value": "Bristol"},
            {"locality": "Bristol", "postalCode": "EC1A 1AA"},
        ),
        (
            {"op": "add", "path": 'addresses[type eq "home"].locality', "value": "Leeds"},
            {"locality": "London"},
        ),
        ({"op": "remove", "path": 'addresses[type eq "work"].postalCode'}, {"postalCode": None}),
    ],
)
def test_address_value_paths(scim, jane, operation, expected):
    response = scim.patch(f"/Users/{jane['id']}", patch_op(operation))
    assert response.status_code == 200, response.content
    work = next(a for a in response.json()["addresses"] if a["type"] == "work")
    for name, value in expected.items():
        assert work.get(name) == value


def test_remove_by_filter(scim, jane):
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op(
            {"op": "remove", "path": 'phoneNumbers[type eq "mobile"]'},
            {"op": "remove", "path": 'addresses[type eq "work"]'},
            {"op": "remove", "path": "ims"},
        ),
    )
    body = response.json()
    assert [p["type"] for p in body["phoneNumbers"]] == ["work"]
    assert "addresses" not in body and "ims" not in body


def test_a_value_left_with_only_its_type_is_not_kept(scim, jane):
    """Entra clears a phone number by removing ``phoneNumbers[type eq "mobile"].value``."""
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op({"op": "Remove", "path": 'phoneNumbers[type eq "mobile"].value'}),
    )
    assert [p["type"] for p in response.json()["phoneNumbers"]] == ["work"]


@pytest.mark.parametrize("attribute", ["phoneNumbers", "ims", "photos", "addresses", "emails"])
def test_too_many_values_are_refused_and_change_nothing(scim, jane, attribute):
    limit = LIMITS[attribute].max_values
    key = "locality" if attribute == "addresses" else "value"
    values = [{key: f"v{i}@acme.com"} for i in range(limit + 1)]
    body = full_user()
    body[attribute] = values
    response = scim.put(f"/Users/{jane['id']}", body)
    assert response.status_code == 400, response.content
    assert response.json()["scimType"] == "invalidValue"
    assert f"at most {limit}" in response.json()["detail"]
    # By PATCH too: one value more than the limit, added to what is there.
    present = len(jane.get(attribute, []))
    extra = [{key: f"w{i}@acme.com"} for i in range(limit + 1 - present)]
    response = scim.patch(
        f"/Users/{jane['id']}", patch_op({"op": "add", "path": attribute, "value": extra})
    )
    assert response.status_code == 400
    assert scim.get(f"/Users/{jane['id']}").json()["meta"]["version"] == 'W/"1"'


@pytest.mark.parametrize(
    "path,length",
    [
        ("nickName", 255),
        ("profileUrl", 2048),
        ("timezone", 64),
        ('phoneNumbers[type eq "work"].value', 64),
        ('photos[type eq "photo"].value', 2048),
        ('addresses[type eq "work"].formatted', 1024),
        ('addresses[type eq "work"].postalCode', 64),
        (f"{ENTERPRISE}:costCenter", 255),
    ],
)
def test_lengths_are_limited(scim, jane, path, length):
    url = f"/Users/{jane['id']}"
    prefix = (
        "https://acme.example/" if path in ("profileUrl", 'photos[type eq "photo"].value') else ""
    )

    def value(size):
        return prefix + "x" * (size - len(prefix))

    ok = scim.patch(url, patch_op({"op": "replace", "path": path, "value": value(length)}))
    assert ok.status_code == 200, ok.content
    too_long = scim.patch(
        url, patch_op({"op": "replace", "path": path, "value": value(length + 1)})
    )
    assert too_long.status_code == 400
    assert too_long.json()["scimType"] == "invalidValue"
    assert f"longer than {length}" in too_long.json()["detail"]


@pytest.mark.parametrize(
    "values",
    [
        "+44 20 7946 0000",
        [{"value": 12345}],
        [{"value": "+1", "primary": "perhaps"}],
        ["+44 20 7946 0000"],
    ],
)
def test_malformed_values_are_refused(scim, jane, values):
    body = full_user()
    body["phoneNumbers"] = values
    response = scim.put(f"/Users/{jane['id']}", body)
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"


def test_unknown_sub_attribute_in_patch_is_invalid_path(scim, jane):
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op({"op": "add", "path": "phoneNumbers", "value": [{"value": "1", "ext": "2"}]}),
    )
    assert response.status_code == 400 and response.json()["scimType"] == "invalidPath"


def test_the_audit_trail_records_the_change(scim, jane):
    scim.patch(
        f"/Users/{jane['id']}",
        patch_op({"op": "replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+1"}),
    )
    event = AuditEvent.objects.get(action="updated")
    before, after = event.changes["phone_numbers"]
    assert before[0]["value"] == "+44 20 7946 0000" and after[0]["value"] == "+1"


def test_schema_characteristics_are_what_the_server_does(scim, jane):
    """/Schemas is read by checkers and IdPs to build their models: each claim checked
    against behaviour."""
    schema = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    emails = next(a for a in schema["attributes"] if a["name"] == "emails")
    value = next(s for s in emails["subAttributes"] if s["name"] == "value")
    # uniqueness server: a login address already a member's is refused.
    assert value["uniqueness"] == "server"
    clash = scim.post("/Users", user_body("other@acme.com", email="JANE@acme.com"))
    assert clash.status_code == 409 and clash.json()["scimType"] == "uniqueness"
    # manager.displayName is returned never: sent, it is not stored or returned.
    body = full_user()
    body[ENTERPRISE]["manager"]["displayName"] = "The Boss"
    read = scim.put(f"/Users/{jane['id']}", body).json()
    assert read[ENTERPRISE]["manager"] == jane[ENTERPRISE]["manager"]
    # password is returned never; groups readOnly (a PATCH is 400 mutability).
    assert "password" not in scim.get(f"/Users/{jane['id']}").json()
    response = scim.patch(
        f"/Users/{jane['id']}", patch_op({"op": "add", "path": "groups", "value": [{"value": "g"}]})
    )
    assert response.json()["scimType"] == "mutability"


def test_filters_compare_case_as_the_schema_says(scim, jane):
    """For every filterable column: caseExact false matches another case, true does not."""
    resource = scim.get(f"/Users/{jane['id']}").json()
    checked = set()
    for column in COLUMNS:
        ref = USER.resolve(column.path)
        container = resource.get(ref.extension) if ref.extension else resource
        value = container
        for name in ref.names:
            value = value.get(name) if isinstance(value, dict) else None
        if not isinstance(value, str) or value.swapcase() == value:
            continue
        query = quote(f'{column.path} eq "{value.swapcase()}"')
        found = scim.get(f"/Users?filter={query}").json()
        assert found["totalResults"] == (0 if ref.definition["caseExact"] else 1), column.path
        checked.add(column.path)
    assert {"externalId", "userName", "nickName", f"{ENTERPRISE}:manager.value"} <= checked


@pytest.fixture
def john(scim):
    body = user_body(
        "john@acme.com",
        phoneNumbers=[{"value": "+1 555 0100", "type": "home"}],
        addresses=[{"type": "home", "locality": "Leeds", "country": "GB"}],
    )
    response = scim.post("/Users", body)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize(
    "query,who",
    [
        ('phoneNumbers eq "+44 7700 900000"', {"jane"}),
        ('phoneNumbers.value co "555"', {"john"}),
        ('phoneNumbers[type eq "WORK"].value sw "+44"', {"jane"}),
        ('phoneNumbers[type eq "home" and value ew "0100"]', {"john"}),
        ('phoneNumbers[type eq "mobile"].value eq "+1 555 0100"', set()),
        ('phoneNumbers[not (type eq "home")]', {"jane"}),
        ('phoneNumbers.value ne "+1 555 0100"', {"jane"}),
        ("phoneNumbers[primary eq true]", {"jane"}),
        ("phoneNumbers pr", {"jane", "john"}),
        ('addresses[type eq "work"].locality eq "london"', {"jane"}),
        ('addresses.country eq "GB" and not (addresses.locality eq "Leeds")', {"jane"}),
        ('ims[type eq "xmpp"].value pr', {"jane"}),
        ('photos.value co "jane"', {"jane"}),
        ("addresses.postalCode eq null", {"john"}),
    ],
)
def test_multi_valued_attributes_are_filterable(scim, jane, john, query, who):
    names = {"jane": jane["id"], "john": john["id"]}
    found = scim.get(f"/Users?filter={quote(query)}").json()
    assert {r["id"] for r in found["Resources"]} == {names[n] for n in who}, found


@pytest.mark.parametrize(
    "query", ['phoneNumbers.extension eq "1"', 'addresses eq "x"', 'ims[nope eq "x"]']
)
def test_unknown_sub_attributes_in_filters_are_invalid_filter(scim, query):
    response = scim.get(f"/Users?filter={quote(query)}")
    assert response.status_code == 400 and response.json()["scimType"] == "invalidFilter"


class RecordingHost(CosmoHostAdapter):
    """A host keeping the phone numbers in a model of its own (here: a list)."""

    projected = []

    def project_profile(self, membership, profile):
        self.projected.append((membership.pk, profile.phone_numbers))


def test_the_host_adapter_receives_the_profile_when_it_changes(scim, settings):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "HOST_ADAPTER": f"{__name__}.RecordingHost"}
    RecordingHost.projected.clear()
    created = scim.post("/Users", full_user()).json()
    membership_pk = ScimUser.objects.get().membership_id
    assert RecordingHost.projected == [(membership_pk, full_user()["phoneNumbers"])]
    scim.put(f"/Users/{created['id']}", full_user())  # nothing changed: not called
    assert len(RecordingHost.projected) == 1
    scim.patch(
        f"/Users/{created['id']}",
        patch_op({"op": "remove", "path": 'phoneNumbers[type eq "mobile"]'}),
    )
    assert RecordingHost.projected[-1] == (membership_pk, full_user()["phoneNumbers"][:1])


@pytest.mark.parametrize(
    "extra",
    [{"externalId": "x" * 256}, {ENTERPRISE: {"manager": "x" * 256}}],
)
def test_ids_too_long_are_refused_not_cut(scim, extra):
    """A cut id would read back different from what the IdP sent, on every cycle."""
    response = scim.post("/Users", user_body("jane@acme.com", **extra))
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    assert not ScimUser.objects.exists()


def test_projection_of_multi_valued_sub_attributes(scim, jane):
    url = f"/Users/{jane['id']}?attributes=phoneNumbers.value,addresses.locality"
    body = scim.get(url).json()
    assert body["phoneNumbers"] == [{"value": "+44 20 7946 0000"}, {"value": "+44 7700 900000"}]
    assert body["addresses"] == [{"locality": "London"}]
    excluded = scim.get(f"/Users/{jane['id']}?excludedAttributes=phoneNumbers,ims").json()
    assert "phoneNumbers" not in excluded and "ims" not in excluded and "photos" in excluded


def test_sorting_by_a_multi_valued_attribute_is_refused(scim, jane):
    response = scim.get("/Users?sortBy=phoneNumbers.value")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:image/png;base64,AAAA", "/jane"])
def test_urls_a_host_may_render_are_http_or_https_only(scim, jane, url):
    for operation in (
        {"op": "replace", "path": "profileUrl", "value": url},
        {"op": "replace", "path": 'photos[type eq "photo"].value', "value": url},
    ):
        response = scim.patch(f"/Users/{jane['id']}", patch_op(operation))
        assert response.status_code == 400, response.content
        assert "http or https URL" in response.json()["detail"]
