"""A seeded barrage of mutated bodies against every writing endpoint.

Each request starts from a body an IdP really sends, gets a few random mutations (a value
of another type, a key dropped, a list repeated, a huge string...) and always at least one
poison the input boundary must refuse wherever it sits: a NUL or a lone surrogate in a
random string or member name, nesting past the bound, or bytes that are not UTF-8 JSON.
Whatever the mix, the answer is a 4xx SCIM error (never a 5xx, never HTML) and the
database is exactly as it was. The seed is fixed, so a failure replays.
"""

import json
import random

import pytest
from hostile import POISONS, assert_scim_error, db_state
from scimkit import okta_group, okta_user, patch_op

from cosmo_scim.protocol import limits
from cosmo_scim.protocol.urns import ENTERPRISE_USER_SCHEMA

pytestmark = pytest.mark.django_db

SEED = 7643
REQUESTS = 400
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def _templates(user_id, group_id, member_id):
    """(method, path, body) as IdPs send them."""
    user = okta_user(
        "carol@acme.example",
        title="Engineer",
        # What Entra's default mapping sends beside the names (the full User, issue 16).
        phoneNumbers=[
            {"value": "+1 555 0100", "type": "work"},
            {"value": "+1 555 0199", "type": "mobile"},
        ],
        addresses=[{"streetAddress": "1 Main St", "locality": "Springfield", "type": "work"}],
        **{ENTERPRISE_USER_SCHEMA: {"department": "R&D", "manager": {"value": user_id}}},
    )
    return [
        ("post", "/Users", user),
        ("put", f"/Users/{user_id}", okta_user("alice@acme.example", title="Lead")),
        (
            "patch",
            f"/Users/{user_id}",
            patch_op(
                {"op": "Replace", "path": "title", "value": "Boss"},
                {
                    "op": "replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "a@acme.example",
                },
                {"op": "add", "value": {"name.givenName": "Al", "active": "False"}},
                {"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555"},
                {"op": "replace", "path": 'addresses[type eq "work"].locality', "value": "Paris"},
            ),
        ),
        ("post", "/Groups", okta_group("Ops", [member_id])),
        ("put", f"/Groups/{group_id}", okta_group("Engineering", [member_id])),
        (
            "patch",
            f"/Groups/{group_id}",
            patch_op(
                {"op": "add", "path": "members", "value": [{"value": member_id}]},
                {"op": "remove", "path": f'members[value eq "{member_id}"]'},
                {"op": "replace", "value": {"id": group_id, "displayName": "Eng"}},
            ),
        ),
        (
            "post",
            "/Users/.search",
            {"schemas": [SEARCH], "filter": 'userName eq "alice@acme.example"', "count": 5},
        ),
        ("post", "/Groups/.search", {"schemas": [SEARCH], "attributes": ["displayName"]}),
    ]


def _nodes(value, parent=None, key=None):
    """Every (container, key) slot of a JSON document, depth first."""
    slots = [] if parent is None else [(parent, key)]
    if isinstance(value, dict):
        for name in list(value):
            slots += _nodes(value[name], value, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            slots += _nodes(item, value, index)
    return slots


def _noise(rng, value):
    return rng.choice(
        [
            None,
            0,
            -1,
            2**70,
            1.5,
            True,
            "",
            " ",
            "x" * rng.choice([1, 255, 256, 5000]),
            [],
            {},
            [value, value],
            {"value": value},
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            'emails[type eq "work"',
        ]
    )


def _mutate(rng, body):
    """A few random mutations, then one poison; returns the bytes to send."""
    for _ in range(rng.randint(0, 3)):
        slots = _nodes(body)
        if not slots:
            break
        container, key = rng.choice(slots)
        action = rng.random()
        if action < 0.6:
            container[key] = _noise(rng, container[key])
        elif action < 0.8 and isinstance(container, dict):
            del container[key]
        elif isinstance(container, list):
            container.extend([container[key]] * rng.randint(1, 3))
    poison = rng.choice(["string", "name", "nesting", "bytes"])
    slots = _nodes(body)
    if poison == "bytes" or not slots:
        raw = json.dumps(body).encode()
        cut = rng.randint(0, len(raw))
        return rng.choice([raw[:cut] + b"\xff\xfe" + raw[cut:], raw[:cut] + b"\x00", raw[:cut]])
    text = rng.choice(list(POISONS.values()))
    container, key = rng.choice(slots)
    if poison == "string":
        current = container[key]
        container[key] = current[:3] + text + current[3:] if isinstance(current, str) else text
    elif poison == "name" and isinstance(container, dict):
        container[rng.choice([key + text, text])] = container.pop(key)
    else:
        deep = value = []
        for _ in range(limits.MAX_DEPTH + rng.randint(1, 50)):
            value.append([])
            value = value[0]
        container[key] = deep
    return json.dumps(body).encode()


def test_a_barrage_of_mutated_bodies_changes_nothing(scim):
    alice = scim.create_user("alice@acme.example", title="Engineer")
    bob = scim.create_user("bob@acme.example")
    group = scim.post("/Groups", okta_group("Engineering", [alice["id"]])).json()
    templates = _templates(alice["id"], group["id"], bob["id"])
    before = db_state()
    rng = random.Random(SEED)
    refusals = set()
    for number in range(REQUESTS):
        method, path, template = rng.choice(templates)
        payload = _mutate(rng, json.loads(json.dumps(template)))
        response = getattr(scim, method)(path, payload)
        assert 400 <= response.status_code < 500, (number, method, path, payload[:300])
        body = assert_scim_error(response, response.status_code)
        refusals.add(body.get("scimType"))
    assert db_state() == before
    # Both kinds of poison were met: unstorable text and malformed or too deep JSON.
    assert {"invalidValue", "invalidSyntax"} <= refusals
