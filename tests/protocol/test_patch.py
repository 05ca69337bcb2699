"""The PATCH engine against every form in docs/idp-dialects.md and RFC 7644 §3.5.2."""

import copy

import pytest

from cosmo_scim.protocol.errors import ScimError
from cosmo_scim.protocol.patch.operations import parse_operations
from cosmo_scim.protocol.patch.patcher import apply_patch
from cosmo_scim.protocol.schema.resolve import GROUP, USER
from cosmo_scim.protocol.urns import (
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    PATCH_OP_SCHEMA,
    USER_SCHEMA,
)

ENT = ENTERPRISE_USER_SCHEMA


def user():
    return {
        "schemas": [USER_SCHEMA, ENT],
        "id": "u1",
        "externalId": "ext-1",
        "userName": "jane@acme.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "displayName": "Jane Doe",
        "active": True,
        "emails": [{"value": "jane@acme.com", "type": "work", "primary": True}],
        "groups": [{"value": "g1", "display": "Eng"}],
        ENT: {"department": "R&D", "manager": {"value": "boss", "displayName": "Boss"}},
        "meta": {"resourceType": "User", "location": "https://h/scim/v2/Users/u1"},
    }


def group():
    return {
        "schemas": [GROUP_SCHEMA],
        "id": "g1",
        "displayName": "Eng",
        "members": [{"value": "a", "display": "A"}, {"value": "b", "display": "B"}],
    }


def body(*ops):
    return {"schemas": [PATCH_OP_SCHEMA], "Operations": list(ops)}


def patch_user(*ops, resource=None):
    return apply_patch(resource or user(), body(*ops), USER)


def patch_group(*ops):
    return apply_patch(group(), body(*ops), GROUP)


def error_of(func, *args):
    with pytest.raises(ScimError) as info:
        func(*args)
    return info.value


# --- Operations envelope --------------------------------------------------------------------


@pytest.mark.parametrize("patch", [body(), {"schemas": [PATCH_OP_SCHEMA]}, [], "x", [1]])
def test_operations_must_be_non_empty_list_of_objects(patch):
    err = error_of(apply_patch, user(), patch, USER)
    assert err.status == 400
    assert err.scim_type == "invalidSyntax"


def test_wrong_message_schema_refused():
    err = error_of(apply_patch, user(), {"schemas": ["urn:x"], "Operations": []}, USER)
    assert err.scim_type == "invalidSyntax"


def test_unknown_op():
    err = error_of(patch_user, {"op": "merge", "path": "title", "value": "x"})
    assert err.status == 400 and err.scim_type == "invalidSyntax"
    assert "merge" in err.detail


@pytest.mark.parametrize("op", ["add", "Add", "ADD", "replace", "Replace", "rEpLaCe"])
def test_op_case_insensitive(op):
    assert patch_user({"op": op, "path": "title", "value": "CTO"})["title"] == "CTO"


def test_add_without_value_refused():
    assert error_of(patch_user, {"op": "add", "path": "title"}).scim_type == "invalidSyntax"


def test_bare_operation_list_and_resource_type_name_accepted():
    result = apply_patch(group(), [{"op": "replace", "path": "displayName", "value": "X"}], "Group")
    assert result["displayName"] == "X"


def test_parse_operations_normalises():
    ops = parse_operations(body({"OP": "Remove", "Path": " title "}))
    assert ops[0].op == "remove" and ops[0].path == "title"


# --- Paths ----------------------------------------------------------------------------------


def test_plain_path():
    result = patch_user({"op": "replace", "path": "title", "value": "CTO"})
    assert result["title"] == "CTO"


def test_path_case_insensitive_and_canonical_name():
    result = patch_user({"op": "replace", "path": "DISPLAYNAME", "value": "J"})
    assert result["displayName"] == "J"
    assert "DISPLAYNAME" not in result


def test_dotted_path_merges_into_complex():
    result = patch_user({"op": "replace", "path": "name.givenName", "value": "Janet"})
    assert result["name"] == {"givenName": "Janet", "familyName": "Doe"}


def test_core_urn_prefixed_path():
    result = patch_user({"op": "replace", "path": f"{USER_SCHEMA}:userName", "value": "j@a.com"})
    assert result["userName"] == "j@a.com"
    result = patch_user({"op": "replace", "path": f"{USER_SCHEMA}:name.familyName", "value": "D"})
    assert result["name"]["familyName"] == "D"


def test_enterprise_urn_path():
    result = patch_user({"op": "Replace", "path": f"{ENT}:department", "value": "Sales"})
    assert result[ENT]["department"] == "Sales"
    assert result[ENT]["manager"] == {"value": "boss", "displayName": "Boss"}


def test_enterprise_urn_path_creates_extension_and_schema():
    resource = user()
    del resource[ENT]
    resource["schemas"] = [USER_SCHEMA]
    result = patch_user(
        {"op": "Add", "path": f"{ENT.upper()}:employeeNumber", "value": "42"}, resource=resource
    )
    assert result[ENT] == {"employeeNumber": "42"}
    assert result["schemas"] == [USER_SCHEMA, ENT]


def test_removing_last_extension_attribute_drops_extension_schema():
    result = patch_user(
        {"op": "remove", "path": f"{ENT}:department"},
        {"op": "remove", "path": f"{ENT}:manager"},
    )
    assert ENT not in result
    assert result["schemas"] == [USER_SCHEMA]


def test_removing_the_manager_of_a_user_without_the_extension_is_a_no_op():
    """scim2-tester removes ``manager`` from a user that never had the extension (was a 500)."""
    resource = {"schemas": [USER_SCHEMA], "id": "u1", "userName": "jane"}
    for path in (f"{ENT}:manager", f"{ENT}:manager.value"):
        result = patch_user({"op": "remove", "path": path}, resource=resource)
        assert result == resource


def test_bare_extension_urn_path():
    result = patch_user({"op": "add", "path": ENT, "value": {"employeeNumber": "7"}})
    assert result[ENT]["employeeNumber"] == "7"
    assert result[ENT]["department"] == "R&D"


@pytest.mark.parametrize("op", ["add", "replace"])
def test_bare_extension_urn_path_value_echoing_its_schema(op):
    # scim2-tester (scim2-models) sends the extension object with its own "schemas".
    value = {"schemas": [ENT.upper()], "employeeNumber": "7", "manager": {"value": "m1"}}
    result = patch_user({"op": op, "path": ENT, "value": value})
    assert result[ENT]["employeeNumber"] == "7"
    assert result[ENT]["manager"] == {"value": "m1"}
    assert "schemas" not in result[ENT]
    assert result["schemas"] == [USER_SCHEMA, ENT]


def test_bare_extension_urn_path_value_naming_another_schema():
    err = error_of(patch_user, {"op": "add", "path": ENT, "value": {"schemas": [USER_SCHEMA]}})
    assert err.scim_type == "invalidValue"


@pytest.mark.parametrize(
    "path",
    ["roles", "name.middle", 'emails[type eq "work"].nope', "urn:x:y:title", "a b", "title."],
)
def test_unknown_path(path):
    err = error_of(patch_user, {"op": "replace", "path": path, "value": "x"})
    assert err.status == 400 and err.scim_type == "invalidPath"


def test_group_urn_on_user_is_invalid_path():
    err = error_of(patch_user, {"op": "replace", "path": f"{GROUP_SCHEMA}:displayName", "value": 1})
    assert err.scim_type == "invalidPath"


def test_malformed_filter():
    err = error_of(patch_user, {"op": "remove", "path": 'emails[type eq "work"'})
    assert err.scim_type == "invalidPath"
    err = error_of(patch_user, {"op": "remove", "path": 'emails[type zz "work"]'})
    assert err.scim_type == "invalidFilter"
    err = error_of(patch_user, {"op": "remove", "path": 'emails[nope eq "work"]'})
    assert err.scim_type == "invalidFilter"


def test_filter_on_single_valued_attribute_is_invalid_path():
    err = error_of(patch_user, {"op": "remove", "path": 'name[givenName eq "Jane"]'})
    assert err.scim_type == "invalidPath"


# --- Path-less add/replace ------------------------------------------------------------------


def test_okta_deactivate_pathless():
    result = patch_user({"op": "replace", "value": {"active": False}})
    assert result["active"] is False


def test_entra_062020_dotted_keys():
    result = patch_user({"op": "replace", "value": {"name.givenName": "A", "name.familyName": "B"}})
    assert result["name"] == {"givenName": "A", "familyName": "B"}


def test_pathless_urn_keys_and_extension_object():
    result = patch_user(
        {
            "op": "replace",
            "value": {
                f"{ENT}:department": "Ops",
                ENT: {"employeeNumber": "9"},
                "externalId": "ext-2",
                "schemas": [USER_SCHEMA],
            },
        }
    )
    assert result[ENT]["department"] == "Ops"
    assert result[ENT]["employeeNumber"] == "9"
    assert result["externalId"] == "ext-2"
    assert ENT in result["schemas"]


def test_pathless_value_path_key():
    result = patch_user({"op": "replace", "value": {'emails[type eq "work"].value': "n@a.com"}})
    assert result["emails"] == [{"value": "n@a.com", "type": "work", "primary": True}]


def test_pathless_complex_replace_merges_sub_attributes():
    # RFC 7644 §3.5.2.3: sub-attributes not specified are left unchanged.
    result = patch_user({"op": "replace", "value": {"name": {"givenName": "Z"}}})
    assert result["name"] == {"givenName": "Z", "familyName": "Doe"}


def test_okta_group_rename_with_same_id():
    result = patch_group({"op": "replace", "value": {"id": "g1", "displayName": "Platform"}})
    assert result["displayName"] == "Platform"
    assert result["id"] == "g1"


def test_okta_group_rename_with_other_id_refused():
    err = error_of(patch_group, {"op": "replace", "value": {"id": "zz", "displayName": "P"}})
    assert err.status == 400 and err.scim_type == "mutability"


def test_pathless_needs_object():
    assert error_of(patch_user, {"op": "add", "value": "x"}).scim_type == "invalidSyntax"


def test_pathless_unknown_key():
    err = error_of(patch_user, {"op": "replace", "value": {"shoeSize": 9}})
    assert err.scim_type == "invalidPath"


# --- Types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected", [("False", False), ("false", False), ("TRUE", True), ("True", True)]
)
def test_entra_string_booleans(raw, expected):
    result = patch_user({"op": "Replace", "path": "active", "value": raw})
    assert result["active"] is expected


def test_real_booleans():
    assert patch_user({"op": "replace", "path": "active", "value": False})["active"] is False


@pytest.mark.parametrize(
    "path,value",
    [("active", "yes"), ("active", 0), ("title", 5), ("userName", True), ("name", "x")],
)
def test_wrong_types(path, value):
    err = error_of(patch_user, {"op": "replace", "path": path, "value": value})
    assert err.status == 400 and err.scim_type == "invalidValue"


def test_string_boolean_in_sub_attribute():
    result = patch_user(
        {"op": "add", "path": "emails", "value": [{"value": "x@a", "primary": "True"}]}
    )
    assert result["emails"][1]["primary"] is True
    assert result["emails"][0]["primary"] is False


# --- manager --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["m2", {"value": "m2"}, [{"$ref": None, "value": "m2"}], {"value": "m2", "displayName": "X"}],
)
@pytest.mark.parametrize("op", ["Add", "Replace"])
def test_manager_forms(op, value):
    result = patch_user({"op": op, "path": f"{ENT}:manager", "value": value})
    assert result[ENT]["manager"] == {"value": "m2"}


def test_manager_value_path_replaces_whole_reference():
    result = patch_user({"op": "replace", "path": f"{ENT}:manager.value", "value": "m3"})
    assert result[ENT]["manager"] == {"value": "m3"}


def test_manager_remove():
    result = patch_user({"op": "Remove", "path": f"{ENT}:manager"})
    assert "manager" not in result[ENT]
    assert result[ENT]["department"] == "R&D"


@pytest.mark.parametrize("path", [f"{ENT}:manager", f"{ENT}:manager.value"])
def test_manager_remove_without_extension_is_a_no_op(path):
    # scim2-tester removed the extension object, then manager: that was a 500.
    resource = user()
    del resource[ENT]
    resource["schemas"] = [USER_SCHEMA]
    result = patch_user({"op": "remove", "path": path}, resource=resource)
    assert ENT not in result
    assert result["schemas"] == [USER_SCHEMA]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "remove", "path": "active"},
        {"op": "Replace", "path": "active", "value": None},
    ],
)
def test_active_cannot_be_removed(operation):
    _assert_required_removal_refused(operation)


def test_emails_cannot_be_removed_whole():
    _assert_required_removal_refused({"op": "remove", "path": "emails"})


def _assert_required_removal_refused(operation):
    # /Schemas declares active and emails required (RFC 7643 §7): a member is active or not
    # and logs in at an address. An operation incompatible with the schema is refused
    # (RFC 7644 §3.5.2).
    err = error_of(patch_user, operation)
    assert err.status == 400 and err.scim_type == "invalidValue"


def test_manager_display_name_is_read_only():
    err = error_of(
        patch_user, {"op": "replace", "path": f"{ENT}:manager.displayName", "value": "X"}
    )
    assert err.scim_type == "mutability"


def test_manager_pathless_in_extension_object():
    result = patch_user({"op": "replace", "value": {ENT: {"manager": "m9"}}})
    assert result[ENT]["manager"] == {"value": "m9"}


# --- Multi-valued ---------------------------------------------------------------------------


def test_okta_add_members_dedupes_by_value():
    result = patch_group(
        {"op": "add", "path": "members", "value": [{"value": "c", "display": "C"}, {"value": "a"}]}
    )
    assert [m["value"] for m in result["members"]] == ["a", "b", "c"]
    # display is readOnly: computed by the server, not taken from the client.
    assert result["members"][2] == {"value": "c"}


def test_add_member_needs_value():
    err = error_of(patch_group, {"op": "add", "path": "members", "value": [{"display": "C"}]})
    assert err.scim_type == "invalidValue"


def test_okta_remove_member_by_filter():
    result = patch_group({"op": "remove", "path": 'members[value eq "a"]'})
    assert result["members"] == [{"value": "b", "display": "B"}]


def test_remove_member_filter_no_match_is_noop():
    result = patch_group({"op": "remove", "path": 'members[value eq "zz"]'})
    assert len(result["members"]) == 2


def test_entra_remove_members_by_value_list():
    result = patch_group({"op": "Remove", "path": "members", "value": [{"value": "b"}]})
    assert result["members"] == [{"value": "a", "display": "A"}]


def test_remove_all_members():
    result = patch_group({"op": "remove", "path": "members"})
    assert "members" not in result


def test_replace_members():
    result = patch_group({"op": "replace", "path": "members", "value": [{"value": "z"}]})
    assert result["members"] == [{"value": "z"}]


def test_members_value_is_immutable():
    err = error_of(
        patch_group, {"op": "replace", "path": 'members[value eq "a"].value', "value": "q"}
    )
    assert err.scim_type == "mutability"
    err = error_of(
        patch_group, {"op": "replace", "path": 'members[value eq "a"]', "value": {"value": "q"}}
    )
    assert err.scim_type == "mutability"


def test_add_email_appends_and_moves_primary():
    result = patch_user(
        {
            "op": "add",
            "path": "emails",
            "value": [{"value": "h@x.com", "type": "home", "primary": True}],
        }
    )
    assert result["emails"] == [
        {"value": "jane@acme.com", "type": "work", "primary": False},
        {"value": "h@x.com", "type": "home", "primary": True},
    ]


def test_add_existing_email_does_not_duplicate():
    result = patch_user(
        {"op": "add", "path": "emails", "value": {"value": "JANE@acme.com", "type": "work"}}
    )
    assert len(result["emails"]) == 1


def test_entra_replace_email_value_by_filter():
    result = patch_user({"op": "Replace", "path": 'emails[type eq "work"].value', "value": "n@a"})
    assert result["emails"] == [{"value": "n@a", "type": "work", "primary": True}]


def test_entra_replace_email_value_creates_missing_element():
    result = patch_user({"op": "Replace", "path": 'emails[type eq "home"].value', "value": "h@a"})
    assert result["emails"][1] == {"type": "home", "value": "h@a"}
    assert len(result["emails"]) == 2


def test_add_email_value_creates_missing_element():
    resource = user()
    del resource["emails"]
    result = patch_user(
        {"op": "add", "path": 'emails[type eq "work"].value', "value": "w@a"}, resource=resource
    )
    assert result["emails"] == [{"type": "work", "value": "w@a"}]


def test_filter_match_is_case_insensitive_for_non_case_exact_sub_attribute():
    result = patch_user(
        {"op": "replace", "path": 'emails[type eq "WORK"].display', "value": "Jane"}
    )
    assert result["emails"][0]["display"] == "Jane"
    assert len(result["emails"]) == 1


def test_filter_with_and():
    resource = user()
    resource["emails"].append({"value": "o@a", "type": "work"})
    result = patch_user(
        {"op": "remove", "path": 'emails[type eq "work" and primary eq true]'}, resource=resource
    )
    assert result["emails"] == [{"value": "o@a", "type": "work"}]


def test_replace_with_unbuildable_filter_and_no_match_is_no_target():
    err = error_of(
        patch_user, {"op": "replace", "path": 'emails[type ne "work"].value', "value": "x"}
    )
    assert err.scim_type == "noTarget"


def test_replace_whole_element_by_filter():
    result = patch_user(
        {
            "op": "replace",
            "path": 'emails[type eq "work"]',
            "value": {"value": "r@a", "type": "work"},
        }
    )
    assert result["emails"] == [{"value": "r@a", "type": "work"}]


def test_set_primary_by_filter_clears_other_primary():
    resource = user()
    resource["emails"].append({"value": "h@a", "type": "home"})
    result = patch_user(
        {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True},
        resource=resource,
    )
    assert [e.get("primary") for e in result["emails"]] == [False, True]


def test_remove_by_filter_path_sub_attribute():
    result = patch_user({"op": "remove", "path": 'emails[type eq "work"].primary'})
    assert result["emails"] == [{"value": "jane@acme.com", "type": "work"}]


# --- Remove / mutability --------------------------------------------------------------------


def test_remove_without_path_is_no_target():
    err = error_of(patch_user, {"op": "remove"})
    assert err.status == 400 and err.scim_type == "noTarget"


def test_remove_simple_and_sub_attribute():
    result = patch_user(
        {"op": "remove", "path": "displayName"}, {"op": "remove", "path": "name.givenName"}
    )
    assert "displayName" not in result
    assert result["name"] == {"familyName": "Doe"}


def test_remove_required_attribute_refused():
    assert error_of(patch_user, {"op": "remove", "path": "userName"}).scim_type == "invalidValue"


def test_replace_with_null_unassigns():
    assert "displayName" not in patch_user({"op": "replace", "path": "displayName", "value": None})


@pytest.mark.parametrize(
    "op",
    [
        {"op": "replace", "path": "id", "value": "other"},
        {"op": "remove", "path": "id"},
        {"op": "replace", "path": "meta", "value": {"resourceType": "Group"}},
        {"op": "add", "path": "groups", "value": [{"value": "g2"}]},
        {"op": "remove", "path": 'groups[value eq "g1"]'},
        {"op": "replace", "value": {"meta": {"version": "x"}}},
    ],
)
def test_read_only_attributes(op):
    err = error_of(patch_user, op)
    assert err.status == 400 and err.scim_type == "mutability"


def test_external_id_is_writable():
    result = patch_user({"op": "replace", "path": "externalId", "value": "EXT"})
    assert result["externalId"] == "EXT"


def test_password_is_writable():
    assert (
        patch_user({"op": "replace", "path": "password", "value": "s3cret"})["password"] == "s3cret"
    )


# --- Atomicity ------------------------------------------------------------------------------


def test_input_not_mutated():
    resource = user()
    snapshot = copy.deepcopy(resource)
    result = patch_user(
        {"op": "replace", "path": "name.givenName", "value": "X"},
        {"op": "add", "path": "emails", "value": [{"value": "n@a", "primary": True}]},
        {"op": "replace", "path": f"{ENT}:manager", "value": "m2"},
        {"op": "remove", "path": 'emails[type eq "work"].primary'},
        resource=resource,
    )
    assert resource == snapshot
    assert result != snapshot


def test_failing_later_operation_raises_and_leaves_input_alone():
    resource = user()
    snapshot = copy.deepcopy(resource)
    err = error_of(
        apply_patch,
        resource,
        body(
            {"op": "replace", "path": "title", "value": "CTO"},
            {"op": "replace", "path": "active", "value": "maybe"},
        ),
        USER,
    )
    assert err.scim_type == "invalidValue"
    assert "Operations[1]" in err.detail
    assert resource == snapshot


def test_operations_apply_in_order():
    result = patch_user(
        {"op": "replace", "path": "title", "value": "A"},
        {"op": "replace", "path": "title", "value": "B"},
    )
    assert result["title"] == "B"
