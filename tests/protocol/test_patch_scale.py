"""Large PATCH requests: the engine's work is linear in the operations, and the indexed,
lazily applied additions and removals (elements.WorkingLists) give exactly the result of
applying the operations one by one.

Linearity is asserted by counting element comparisons (``_same_element``) and filter
evaluations, never by timing (bench/patch_bench.py measures the time).
"""

import random

import pytest

from cosmo_scim.protocol.errors import ScimError
from cosmo_scim.protocol.filters import evaluate
from cosmo_scim.protocol.patch import elements
from cosmo_scim.protocol.patch.patcher import apply_patch
from cosmo_scim.protocol.schema.resolve import GROUP, USER
from cosmo_scim.protocol.urns import GROUP_SCHEMA, USER_SCHEMA


def group(size):
    members = [{"value": f"u{i}", "type": "User"} for i in range(size)]
    return {"schemas": [GROUP_SCHEMA], "id": "g", "displayName": "G", "members": members}


def _counting(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _member_ops(count, size):
    ops = []
    for i in range(count // 2):
        value = f"u{i % size}"
        ops.append({"op": "remove", "path": "members", "value": [{"value": value}]})
        ops.append({"op": "add", "path": "members", "value": [{"value": value}]})
    return ops


@pytest.mark.parametrize("size", [100, 5000])
def test_member_operations_compare_only_the_values_they_name(monkeypatch, size):
    """1,000 removals and additions on a group of 100 or of 5,000 members: the same number
    of comparisons, a few per operation."""
    compared = _counting(monkeypatch, elements, "_same_element")
    result = apply_patch(group(size), _member_ops(1000, size), GROUP)
    assert len(compared) <= 3 * 1000
    assert len(result["members"]) == size


def test_value_filter_removals_evaluate_only_the_matching_value(monkeypatch):
    """Entra's ``members[value eq "id"]``: the filter is evaluated on the elements holding
    that value, found in the index, not on every member."""
    evaluated = _counting(monkeypatch, evaluate.ValueFilter, "matches")
    ops = [{"op": "remove", "path": f'members[value eq "u{i}"]'} for i in range(500)]
    result = apply_patch(group(5000), ops, GROUP)
    assert len(evaluated) == 500
    assert [m["value"] for m in result["members"]] == [f"u{i}" for i in range(500, 5000)]


def _one_by_one(resource, operations, schema):
    """The reference: every operation applied in a request of its own."""
    for operation in operations:
        resource = apply_patch(resource, [operation], schema)
    return resource


def _outcome(patch, resource, operations, schema):
    """The patched resource, or the refusal's status and scimType."""
    try:
        return patch(resource, operations, schema)
    except ScimError as error:
        return error.status, error.scim_type


def assert_same_as_one_by_one(resource, operations, schema):
    batched = _outcome(apply_patch, resource, operations, schema)
    assert batched == _outcome(_one_by_one, resource, operations, schema)


def _random_member_ops(rng, count):
    ops = []
    for _ in range(count):
        value = f"u{rng.randrange(30)}"
        ops.append(
            rng.choice(
                [
                    {"op": "add", "path": "members", "value": [{"value": value}]},
                    {"op": "remove", "path": "members", "value": [{"value": value}]},
                    {"op": "remove", "path": f'members[value eq "{value}"]'},
                    {"op": "add", "path": "members", "value": [{"value": value.upper()}]},
                    {"op": "replace", "path": "displayName", "value": value},
                ]
            )
        )
    if rng.random() < 0.1:
        ops.append({"op": "replace", "path": "members", "value": [{"value": "u1"}]})
    return ops


@pytest.mark.parametrize("seed", range(40))
def test_batched_member_operations_equal_one_by_one(seed):
    rng = random.Random(seed)
    ops = _random_member_ops(rng, rng.randint(1, 60))
    start = group(rng.randint(0, 20))
    assert_same_as_one_by_one(start, ops, GROUP)


def _random_email_ops(rng, count):
    ops = []
    for _ in range(count):
        address = f"a{rng.randrange(8)}@acme.example"
        kind = rng.choice(["work", "home", "other"])
        ops.append(
            rng.choice(
                [
                    {"op": "add", "path": "emails", "value": [{"value": address, "type": kind}]},
                    {"op": "add", "path": "emails", "value": {"value": address, "primary": True}},
                    {"op": "remove", "path": f'emails[value eq "{address}"]'},
                    {"op": "replace", "path": f'emails[type eq "{kind}"].value', "value": address},
                    {"op": "replace", "path": f'emails[value eq "{address}"].type', "value": kind},
                    {"op": "remove", "path": f'emails[type eq "{kind}"]'},
                ]
            )
        )
    return ops


@pytest.mark.parametrize("seed", range(40))
def test_batched_email_operations_equal_one_by_one(seed):
    rng = random.Random(seed)
    ops = _random_email_ops(rng, rng.randint(1, 40))
    start = {
        "schemas": [USER_SCHEMA],
        "id": "u",
        "userName": "jane@acme.example",
        "emails": [{"value": "jane@acme.example", "type": "work", "primary": True}],
    }
    assert_same_as_one_by_one(start, ops, USER)


def test_a_patch_cannot_grow_a_list_past_its_bound_one_operation_at_a_time(monkeypatch):
    """The bound is checked after each operation, so at most the bound's worth of values is
    ever built (here: refused at the 101st email, not after 1,000)."""
    ops = [
        {"op": "add", "path": "emails", "value": [{"value": f"a{i}@acme.example"}]}
        for i in range(1000)
    ]
    compared = _counting(monkeypatch, elements, "_same_element")
    start = {"schemas": [USER_SCHEMA], "id": "u", "userName": "u@acme.example"}
    with pytest.raises(ScimError) as info:
        apply_patch(start, ops, USER)
    assert "Operations[100]" in info.value.detail
    assert "emails holds at most 100 values" in info.value.detail
    assert len(compared) == 0  # every address new: no element shares its value
