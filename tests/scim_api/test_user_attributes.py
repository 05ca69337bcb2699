"""The User attribute table (cosmo_scim.scim.user_attributes) against what else
declares the User: the published schema, the lifecycle's UserProfile, the models' column
sizes and the /Users filter registry. Where two of them disagree, this fails."""

from dataclasses import fields

from django.db import models

from cosmo_scim.host import host_adapter
from cosmo_scim.models import ScimUser, ScimUserEmail
from cosmo_scim.protocol.schema.definitions import COMMON_ATTRIBUTES
from cosmo_scim.protocol.schema.resolve import USER
from cosmo_scim.provisioning import user_profile
from cosmo_scim.scim.user_attributes import (
    COLUMNS,
    EMAILS,
    JSON_LISTS,
    MULTI_VALUED,
    USER_ATTRIBUTES,
)

STRINGS = ("string", "reference")


def _published():
    """``(single-valued strings, multi-valued complex)`` readWrite attributes the User
    schema publishes, by path."""
    strings, multi = set(), set()
    for doc in (USER.core, *USER.extensions):
        prefix = "" if doc is USER.core else f"{doc['id']}:"
        attributes = list(doc["attributes"])
        if doc is USER.core:
            attributes += COMMON_ATTRIBUTES
        for attr in attributes:
            if attr["mutability"] != "readWrite":
                continue
            if attr["multiValued"]:
                multi.add(prefix + attr["name"])
                continue
            if attr["type"] in STRINGS:
                strings.add(prefix + attr["name"])
            for sub in attr.get("subAttributes", ()):
                # manager.$ref is derived from manager.value, not stored.
                stored = sub["mutability"] == "readWrite" and sub["name"] != "$ref"
                if sub["type"] in STRINGS and stored:
                    strings.add(f"{prefix}{attr['name']}.{sub['name']}")
    return strings, multi


def test_every_column_is_a_published_string_with_its_characteristics():
    for column in COLUMNS:
        definition = USER.resolve(column.path).definition
        assert definition["type"] in STRINGS, column.path
        assert definition["caseExact"] is column.case_exact, column.path
        assert definition["required"] is column.required, column.path
        assert definition["mutability"] == "readWrite", column.path


def test_every_published_stored_attribute_is_in_the_table():
    strings, multi = _published()
    assert {column.path for column in COLUMNS} == strings
    assert {attribute.path for attribute in MULTI_VALUED} == multi


def test_multi_valued_sub_attributes_match_the_schema():
    for attribute in MULTI_VALUED:
        definition = USER.resolve(attribute.path).attr
        subs = {sub["name"]: sub for sub in definition["subAttributes"]}
        assert {c.path for c in attribute.columns} == {
            name for name, sub in subs.items() if sub["type"] in STRINGS
        }, attribute.path
        assert subs["primary"]["type"] == "boolean"
        for column in attribute.columns:
            assert subs[column.path]["required"] is column.required
            assert subs[column.path]["caseExact"] is column.case_exact
        assert 1 <= attribute.max_values <= 10


def test_columns_are_the_profile_fields_and_fit_the_model():
    stored = {column.field for column in COLUMNS} | {a.field for a in JSON_LISTS}
    assert stored == set(user_profile.COLUMN_FIELDS)
    profile_fields = {field.name for field in fields(user_profile.UserProfile)}
    assert EMAILS.field in profile_fields
    for column in COLUMNS:
        # The length bound is the column's own (Column.max_length reads it): a ScimUser
        # CharField, so there is one.
        assert column.model == ScimUser._meta.label and column.length is None
        field = ScimUser._meta.get_field(column.field)
        assert field.get_internal_type() == "CharField", column.path
        # A value copied onto the account fits the account's column too (its names).
        account = column.person and host_adapter().person_max_length(column.person)
        assert column.max_length == min(field.max_length, account or field.max_length)
    for attribute in JSON_LISTS:
        assert isinstance(ScimUser._meta.get_field(attribute.field), models.JSONField)
        for column in attribute.columns:
            # A key of a JSON value has no column: its length is declared, once.
            assert column.model is None and column.max_length == column.length > 0


def test_email_columns_fit_the_email_rows():
    for column in EMAILS.columns:
        assert column.model == ScimUserEmail._meta.label and column.length is None
        field = ScimUserEmail._meta.get_field(column.field)
        assert field.get_internal_type() == "CharField", column.path
        account = column.person and host_adapter().person_max_length(column.person)
        assert column.max_length == min(field.max_length, account or field.max_length)


def test_every_column_can_be_filtered():
    for column in COLUMNS:
        scalar = USER_ATTRIBUTES.get(column.path)
        assert (scalar.field, scalar.case_exact) == (column.field, column.case_exact)


def test_the_filter_registry_compares_as_the_schema_says():
    """Every sub-attribute a filter can name has the published type and caseExact."""
    for attribute in MULTI_VALUED:
        multi = USER_ATTRIBUTES.get(attribute.path)
        for name in [column.path for column in attribute.columns] + ["primary"]:
            scalar = multi.registry.get(name)
            definition = USER.resolve(f"{attribute.path}.{name}").definition
            assert scalar.case_exact is definition["caseExact"], (attribute.path, name)
            expected = "string" if definition["type"] == "reference" else definition["type"]
            assert scalar.type == expected, (attribute.path, name)
