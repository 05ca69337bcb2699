"""Schema definitions, discovery documents and the attribute lookup used by PATCH."""

import pytest

from cosmo_scim.protocol.errors import ScimError
from cosmo_scim.protocol.schema import discovery
from cosmo_scim.protocol.schema.resolve import GROUP, USER, resource_schema
from cosmo_scim.protocol.urns import ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA

BASE = "https://host/scim/v2/"
CHARACTERISTICS = {
    "name",
    "type",
    "multiValued",
    "description",
    "required",
    "caseExact",
    "mutability",
    "returned",
    "uniqueness",
}


def by_name(attributes):
    return {attr["name"]: attr for attr in attributes}


def walk(attributes):
    for attr in attributes:
        yield attr
        yield from walk(attr.get("subAttributes", ()))


def test_list_schemas_ids_and_meta():
    docs = discovery.list_schemas(BASE)
    ids = [doc["id"] for doc in docs]
    assert ids[:3] == [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA]
    # scim2-tester's core_schemas_validation wants the RFC 7643 §8.7.2 schemas too.
    assert {doc["name"] for doc in docs} >= {"Schema", "ResourceType", "ServiceProviderConfig"}
    for doc in docs:
        assert doc["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:Schema"]
        assert doc["meta"] == {
            "resourceType": "Schema",
            "location": f"https://host/scim/v2/Schemas/{doc['id']}",
        }


def test_every_attribute_has_full_characteristics():
    for doc in discovery.list_schemas(BASE):
        for attr in walk(doc["attributes"]):
            assert set(attr) >= CHARACTERISTICS, attr["name"]
            assert ("subAttributes" in attr) == (attr["type"] == "complex")
            assert ("referenceTypes" in attr) == (attr["type"] == "reference")


def test_user_schema():
    attrs = by_name(discovery.get_schema(USER_SCHEMA, BASE)["attributes"])
    assert set(attrs) == {
        "userName",
        "name",
        "displayName",
        "nickName",
        "profileUrl",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "active",
        "password",
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "addresses",
        "groups",
    }
    assert attrs["userName"]["required"] is True
    assert attrs["userName"]["uniqueness"] == "server"
    assert attrs["userName"]["caseExact"] is False
    assert set(by_name(attrs["name"]["subAttributes"])) == {
        "formatted",
        "familyName",
        "givenName",
        "middleName",
        "honorificPrefix",
        "honorificSuffix",
    }
    assert attrs["active"]["type"] == "boolean"
    assert attrs["active"]["required"] is True
    emails = by_name(attrs["emails"]["subAttributes"])
    assert attrs["emails"]["multiValued"] is True
    # The product needs an address to log the member in: emails and their value are
    # required, as POST/PUT enforce (RFC 7643 §7 "required" is the provider's to declare).
    assert attrs["emails"]["required"] is True
    assert emails["value"]["required"] is True
    assert emails["type"]["canonicalValues"] == ["work", "home", "other"]
    assert emails["primary"]["type"] == "boolean"
    assert attrs["password"]["mutability"] == "writeOnly"
    assert attrs["password"]["returned"] == "never"
    assert attrs["groups"]["mutability"] == "readOnly"
    assert by_name(attrs["groups"]["subAttributes"])["$ref"]["type"] == "reference"


def test_common_attributes_not_in_published_schemas():
    # RFC 7643 §3.1: common attributes belong to every resource and no schema.
    for doc in discovery.list_schemas(BASE)[:3]:
        names = {attr["name"] for attr in doc["attributes"]}
        assert not names & {"id", "externalId", "meta"}


def test_enterprise_schema():
    attrs = by_name(discovery.get_schema(ENTERPRISE_USER_SCHEMA, BASE)["attributes"])
    assert set(attrs) == {
        "employeeNumber",
        "costCenter",
        "organization",
        "division",
        "department",
        "manager",
    }
    manager = by_name(attrs["manager"]["subAttributes"])
    assert set(manager) == {"value", "$ref", "displayName"}
    # The server never fills it in (it would go stale without a version change).
    assert manager["displayName"]["mutability"] == "readOnly"
    assert manager["displayName"]["returned"] == "never"


def test_group_schema():
    attrs = by_name(discovery.get_schema(GROUP_SCHEMA, BASE)["attributes"])
    assert attrs["displayName"]["required"] is True
    assert attrs["displayName"]["uniqueness"] == "server"
    members = by_name(attrs["members"]["subAttributes"])
    assert members["value"]["mutability"] == "immutable"
    assert members["type"]["canonicalValues"] == ["User", "Group"]
    assert members["$ref"]["referenceTypes"] == ["User", "Group"]


def test_get_schema_case_insensitive_and_unknown():
    assert discovery.get_schema(USER_SCHEMA.upper(), BASE)["id"] == USER_SCHEMA
    with pytest.raises(ScimError) as info:
        discovery.get_schema("urn:nope", BASE)
    assert info.value.status == 404


def test_rendered_documents_are_copies():
    discovery.get_schema(USER_SCHEMA, BASE)["attributes"].clear()
    assert discovery.get_schema(USER_SCHEMA, BASE)["attributes"]


def test_list_responses():
    body = discovery.schemas_list_response(BASE)
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert body["totalResults"] == len(body["Resources"]) == 6
    assert body["startIndex"] == 1
    assert discovery.resource_types_list_response(BASE)["totalResults"] == 2


def test_resource_types():
    user, group = discovery.list_resource_types(BASE)
    assert user["id"] == "User" and user["endpoint"] == "/Users" and user["schema"] == USER_SCHEMA
    assert user["schemaExtensions"] == [{"schema": ENTERPRISE_USER_SCHEMA, "required": False}]
    assert user["meta"] == {
        "resourceType": "ResourceType",
        "location": "https://host/scim/v2/ResourceTypes/User",
    }
    assert group["schema"] == GROUP_SCHEMA and group["endpoint"] == "/Groups"
    assert discovery.get_resource_type("group", BASE)["id"] == "Group"
    with pytest.raises(ScimError):
        discovery.get_resource_type("Device", BASE)


def test_service_provider_config():
    config = discovery.service_provider_config(
        BASE, max_results=200, sort=True, etag=False, documentation_uri="https://docs"
    )
    assert config["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
    assert config["patch"] == {"supported": True}
    assert config["bulk"] == {"supported": False, "maxOperations": 0, "maxPayloadSize": 0}
    assert config["filter"] == {"supported": True, "maxResults": 200}
    assert config["changePassword"] == {"supported": False}
    assert config["sort"] == {"supported": True}
    assert config["etag"] == {"supported": False}
    assert config["documentationUri"] == "https://docs"
    (scheme,) = config["authenticationSchemes"]
    assert scheme["type"] == "oauthbearertoken" and scheme["primary"] is True
    assert config["meta"]["location"] == "https://host/scim/v2/ServiceProviderConfig"
    assert "documentationUri" not in discovery.service_provider_config(BASE)


@pytest.mark.parametrize(
    "path,names,extension",
    [
        ("title", ("title",), None),
        ("TITLE", ("title",), None),
        ("name.givenName", ("name", "givenName"), None),
        ("NAME.GIVENNAME", ("name", "givenName"), None),
        (f"{USER_SCHEMA}:userName", ("userName",), None),
        (f"{USER_SCHEMA}:name.familyName", ("name", "familyName"), None),
        (f"{ENTERPRISE_USER_SCHEMA}:department", ("department",), ENTERPRISE_USER_SCHEMA),
        (
            f"{ENTERPRISE_USER_SCHEMA.lower()}:Manager.Value",
            ("manager", "value"),
            ENTERPRISE_USER_SCHEMA,
        ),
        ("externalId", ("externalId",), None),
        ("id", ("id",), None),
    ],
)
def test_resolve(path, names, extension):
    ref = USER.resolve(path)
    assert ref.names == names
    assert ref.extension == extension


def test_resolve_definitions():
    assert USER.resolve("externalId").definition["caseExact"] is True
    assert USER.resolve("externalId").definition["mutability"] == "readWrite"
    assert USER.resolve("id").definition["mutability"] == "readOnly"
    assert USER.resolve(f"{ENTERPRISE_USER_SCHEMA}:manager").canonical_path == (
        f"{ENTERPRISE_USER_SCHEMA}:manager"
    )
    assert GROUP.resolve("members.value").definition["mutability"] == "immutable"
    assert resource_schema("Group").resolve("displayname").names == ("displayName",)


@pytest.mark.parametrize(
    "path",
    ["roles", "name.nickName", f"{ENTERPRISE_USER_SCHEMA}:title", "urn:x:y", "", "a..b"],
)
def test_resolve_unknown(path):
    with pytest.raises(ScimError) as info:
        USER.resolve(path)
    assert info.value.scim_type == "invalidPath"


def test_group_has_no_enterprise_extension():
    with pytest.raises(ScimError):
        GROUP.resolve(f"{ENTERPRISE_USER_SCHEMA}:department")


def test_scim2_models_can_build_models_from_our_schemas():
    """scim2-tester builds its models this way; skipped where scim2-models is not installed."""
    scim2_models = pytest.importorskip("scim2_models")
    from scim2_models.provider import ScimProvider

    provider = ScimProvider.from_discovery(
        [scim2_models.Schema.model_validate(d) for d in discovery.list_schemas(BASE)],
        [scim2_models.ResourceType.model_validate(d) for d in discovery.list_resource_types(BASE)],
        scim2_models.ServiceProviderConfig.model_validate(discovery.service_provider_config(BASE)),
    )
    assert len(provider.models) == 6


def test_every_non_default_characteristic_is_one_the_server_implements():
    """Each ``returned`` other than default, each ``uniqueness``, each non-readWrite
    mutability is listed here with the code or test that makes it true: adding one to the
    schema without the behaviour fails."""

    def marked(doc, key, default):
        return {
            (path, attr[key]) for path, attr in _paths(doc["attributes"]) if attr[key] != default
        }

    user = discovery.get_schema(USER_SCHEMA, BASE)
    enterprise = discovery.get_schema(ENTERPRISE_USER_SCHEMA, BASE)
    group = discovery.get_schema(GROUP_SCHEMA, BASE)
    # password: never stored (test_okta); displayName: not computed (test_full_user);
    # members.display: only on request (scim/groups.py wants_member_display).
    assert marked(user, "returned", "default") == {("password", "never")}
    assert marked(enterprise, "returned", "default") == {("manager.displayName", "never")}
    assert marked(group, "returned", "default") == {("members.display", "request")}
    # The unique indexes on userName and displayName; the login-address rule (lifecycle).
    assert marked(user, "uniqueness", "none") == {
        ("userName", "server"),
        ("emails.value", "server"),
    }
    assert marked(group, "uniqueness", "none") == {("displayName", "server")}
    assert marked(user, "mutability", "readWrite") == {
        ("password", "writeOnly"),
        ("groups", "readOnly"),
        ("groups.value", "readOnly"),
        ("groups.$ref", "readOnly"),
        ("groups.display", "readOnly"),
        ("groups.type", "readOnly"),
    }
    assert marked(enterprise, "mutability", "readWrite") == {("manager.displayName", "readOnly")}


def _paths(attributes, prefix=""):
    for attr in attributes:
        yield prefix + attr["name"], attr
        yield from _paths(attr.get("subAttributes", ()), f"{prefix}{attr['name']}.")
