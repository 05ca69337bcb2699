"""Values per multi-valued attribute (cosmo_scim/protocol/limits.py): the generic bound, a
group's members, and a resource type's own, stricter bounds (the User attribute table's
``max_values``), which win — in a body and after every PATCH operation alike."""

import pytest

from cosmo_scim.protocol import limits
from cosmo_scim.protocol.errors import ScimError
from cosmo_scim.protocol.patch.patcher import apply_patch
from cosmo_scim.protocol.schema.resolve import GROUP, USER
from cosmo_scim.protocol.urns import USER_SCHEMA

PHONES = USER.resolve("phoneNumbers").attr
MEMBERS = GROUP.resolve("members").attr


def _phones(count):
    return [{"value": f"+1 555 {i:04}"} for i in range(count)]


def test_the_stricter_bound_wins():
    assert limits.max_values(PHONES) == limits.MAX_VALUES
    assert limits.max_values(PHONES, {"phoneNumbers": 3}) == 3
    # A looser bound than the generic one does not loosen it.
    assert limits.max_values(PHONES, {"phoneNumbers": 10**6}) == limits.MAX_VALUES
    assert limits.max_values(MEMBERS) == limits.MAX_VALUES_BY_ATTRIBUTE["members"] == 10_000


def test_a_body_is_counted_against_the_bounds():
    body = {"schemas": [USER_SCHEMA], "phoneNumbers": _phones(4)}
    limits.check_values(body, USER)
    with pytest.raises(ScimError) as refused:
        limits.check_values(body, USER, {"phoneNumbers": 3})
    assert refused.value.status == 400
    assert "phoneNumbers holds at most 3 values, got 4" in refused.value.detail


def test_a_patch_is_counted_after_every_operation():
    user = {"schemas": [USER_SCHEMA], "userName": "a", "phoneNumbers": _phones(2)}
    one_more = [{"op": "add", "path": "phoneNumbers", "value": _phones(3)[2:]}]
    assert (
        len(apply_patch(user, one_more, USER, max_values={"phoneNumbers": 3})["phoneNumbers"]) == 3
    )
    # Two values added one by one, then one removed: the bound holds in between too.
    grow = [
        {"op": "add", "path": "phoneNumbers", "value": [{"value": "+1 555 9998"}]},
        {"op": "add", "path": "phoneNumbers", "value": [{"value": "+1 555 9999"}]},
        {"op": "remove", "path": 'phoneNumbers[value eq "+1 555 9999"]'},
    ]
    apply_patch(user, grow, USER)
    with pytest.raises(ScimError) as refused:
        apply_patch(user, grow, USER, max_values={"phoneNumbers": 3})
    assert "Operations[1]" in refused.value.detail
    assert "phoneNumbers holds at most 3 values, got 4" in refused.value.detail
