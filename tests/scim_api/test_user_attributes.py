"""The User attribute table (cosmo_scim.scim.users.COLUMNS) against what else declares the
User: the published schema, the lifecycle's UserProfile, the models' column sizes and the
/Users filter registry. Where two of them disagree, this fails."""

from dataclasses import fields

from cosmo_scim.models import ScimUser, ScimUserEmail
from cosmo_scim.protocol.schema.definitions import COMMON_ATTRIBUTES
from cosmo_scim.protocol.schema.resolve import USER
from cosmo_scim.provisioning import user_profile
from cosmo_scim.scim.users import COLUMNS, EMAIL_COLUMNS, USER_ATTRIBUTES


def _stored_strings():
    """The paths of every readWrite single-valued string the User schema publishes."""
    paths = set()
    for doc in (USER.core, *USER.extensions):
        prefix = "" if doc is USER.core else f"{doc['id']}:"
        attributes = list(doc["attributes"])
        if doc is USER.core:
            attributes += COMMON_ATTRIBUTES
        for attr in attributes:
            if attr["multiValued"] or attr["mutability"] != "readWrite":
                continue
            if attr["type"] == "string":
                paths.add(prefix + attr["name"])
            for sub in attr.get("subAttributes", ()):
                if sub["type"] == "string" and sub["mutability"] == "readWrite":
                    paths.add(f"{prefix}{attr['name']}.{sub['name']}")
    return paths


def test_every_column_is_a_published_string_with_its_characteristics():
    for column in COLUMNS:
        definition = USER.resolve(column.path).definition
        assert definition["type"] == "string", column.path
        assert definition["caseExact"] is column.case_exact, column.path
        assert definition["required"] is column.required, column.path
        assert definition["mutability"] == "readWrite", column.path


def test_every_published_stored_string_is_a_column():
    assert {column.path for column in COLUMNS} == _stored_strings()


def test_columns_are_the_profile_fields_and_fit_the_model():
    assert {column.field for column in COLUMNS} == set(user_profile.COLUMN_FIELDS)
    profile_fields = {field.name for field in fields(user_profile.UserProfile)}
    assert {column.field for column in COLUMNS} <= profile_fields
    for column in COLUMNS:
        assert ScimUser._meta.get_field(column.field).max_length == column.max_length


def test_email_columns_match_the_schema_and_the_model():
    emails = USER.resolve("emails").attr
    for column in EMAIL_COLUMNS:
        sub = USER.resolve(f"emails.{column.path}").definition
        assert sub["type"] == "string" and sub["required"] is column.required
        assert ScimUserEmail._meta.get_field(column.field).max_length == column.max_length
    strings = {s["name"] for s in emails["subAttributes"] if s["type"] == "string"}
    assert {column.path for column in EMAIL_COLUMNS} == strings


def test_every_column_can_be_filtered():
    for column in COLUMNS:
        scalar = USER_ATTRIBUTES.get(column.path)
        assert (scalar.field, scalar.case_exact) == (column.field, column.case_exact)
