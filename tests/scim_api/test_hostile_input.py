"""The input boundary (cosmo_scim/protocol/limits.py, applied by scim/base.py and the admin
site): every string field of Users and Groups, every verb, path ids, filters, /.search,
PATCH paths and values, the documented limits, admin URLs. Each refusal is a SCIM error
and changes nothing.

On SQLite most of these inputs would be stored without complaint; on PostgreSQL (CI's
first pass) they were psycopg ``DataError`` and ``UnicodeEncodeError`` 500s. The fields
come from the User attribute table (``COLUMNS``, and the sub-attributes of every one of
``MULTI_VALUED``: emails, phoneNumbers, ims, photos, addresses), so an attribute added
there is tested here without another line.
"""

import json
from types import SimpleNamespace

import pytest
from django.test import Client
from hostile import POISONS, assert_scim_error, db_state
from scimkit import GROUP_SCHEMA, USER_SCHEMA, okta_group, okta_user, patch_op, user_body

from cosmo_scim.protocol import limits
from cosmo_scim.protocol.urns import ENTERPRISE_USER_SCHEMA
from cosmo_scim.scim.user_attributes import COLUMNS, MULTI_VALUED

pytestmark = pytest.mark.django_db

# (SCIM path, the table's Column): every stored string of a User, sub-attributes included.
USER_STRINGS = [(column.path, column) for column in COLUMNS] + [
    (f"{attribute.path}.{column.path}", column)
    for attribute in MULTI_VALUED
    for column in attribute.columns
]
USER_FIELDS = [path for path, _ in USER_STRINGS]
MULTI_VALUED_NAMES = {attribute.path for attribute in MULTI_VALUED}
GROUP_FIELDS = ["displayName", "externalId", "members.value"]


@pytest.fixture
def seeded(scim):
    """Alice and a group holding her; then the database as it must stay."""
    alice = scim.create_user("alice@acme.example", title="Engineer")
    response = scim.post("/Groups", okta_group("Engineering", [alice["id"]]))
    assert response.status_code == 201, response.content
    return SimpleNamespace(user=alice, group=response.json(), state=db_state())


def _set(body, path, value):
    """Put ``value`` at the SCIM attribute ``path`` of a User or Group body."""
    if path.startswith(ENTERPRISE_USER_SCHEMA):
        body = body.setdefault(ENTERPRISE_USER_SCHEMA, {})
        path = path[len(ENTERPRISE_USER_SCHEMA) + 1 :]
    name, _, sub = path.partition(".")
    if name in MULTI_VALUED_NAMES or name == "members":
        # The body's first value (emails, members), or a work one (phone numbers, ...).
        body[name] = body.get(name) or [{"type": "work"}]
        body[name][0][sub] = value
    elif sub:
        body.setdefault(name, {})[sub] = value
    else:
        body[name] = value


def _user(path, value):
    body = okta_user("alice@acme.example", title="Engineer")
    _set(body, path, value)
    return body


def _group(path, value, member_id):
    body = okta_group("Engineering", [member_id])
    _set(body, path, value)
    return body


def _patch_value(path, value):
    """The PATCH operation writing ``value`` at ``path``, the way IdPs address it."""
    name, _, sub = path.partition(".")
    if name in MULTI_VALUED_NAMES:
        # Entra's value paths: phoneNumbers[type eq "work"].value, and so on.
        return {"op": "replace", "path": f'{name}[type eq "work"].{sub}', "value": value}
    if path == "members.value":
        return {"op": "add", "path": "members", "value": [{"value": value}]}
    return {"op": "replace", "path": path, "value": value}


# -- strings PostgreSQL cannot store -------------------------------------------------------


@pytest.mark.parametrize("poison", POISONS)
@pytest.mark.parametrize("path", USER_FIELDS)
def test_unstorable_user_strings_are_refused_by_every_verb(scim, seeded, path, poison):
    value = POISONS[poison]
    user_id = seeded.user["id"]
    answers = [
        scim.post("/Users", _user(path, value)),
        scim.put(f"/Users/{user_id}", _user(path, value)),
        scim.patch(f"/Users/{user_id}", patch_op(_patch_value(path, value))),
        scim.patch(f"/Users/{user_id}", patch_op({"op": "add", "value": {path: value}})),
    ]
    for response in answers:
        assert_scim_error(response, 400, "invalidValue")
    assert db_state() == seeded.state


@pytest.mark.parametrize("poison", POISONS)
@pytest.mark.parametrize("path", GROUP_FIELDS)
def test_unstorable_group_strings_are_refused_by_every_verb(scim, seeded, path, poison):
    value = POISONS[poison]
    group_id, member_id = seeded.group["id"], seeded.user["id"]
    answers = [
        scim.post("/Groups", _group(path, value, member_id)),
        scim.put(f"/Groups/{group_id}", _group(path, value, member_id)),
        scim.patch(f"/Groups/{group_id}", patch_op(_patch_value(path, value))),
    ]
    for response in answers:
        assert_scim_error(response, 400, "invalidValue")
    assert db_state() == seeded.state


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS)
def test_unstorable_attribute_names_and_ignored_attributes_are_refused(scim, seeded, poison):
    """Anywhere in a body: a member name, a value the server would ignore (``password``),
    an item of ``schemas``."""
    bodies = [
        {**okta_user("new@acme.example"), f"title{poison}": "x"},
        okta_user("new@acme.example", password=poison),
        {**okta_user("new@acme.example"), "schemas": [USER_SCHEMA, poison]},
    ]
    for body in bodies:
        assert_scim_error(scim.post("/Users", body), 400, "invalidValue")
    assert db_state() == seeded.state


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS)
def test_unstorable_patch_paths_are_refused(scim, seeded, poison):
    user_id = seeded.user["id"]
    for operation in (
        {"op": "replace", "path": f"title{poison}", "value": "x"},
        {"op": "remove", "path": f'emails[value eq "{poison}"]'},
        {"op": poison, "path": "title", "value": "x"},
    ):
        assert_scim_error(scim.patch(f"/Users/{user_id}", patch_op(operation)), 400)
    assert db_state() == seeded.state


@pytest.mark.parametrize("resource", ["Users", "Groups"])
def test_unstorable_path_ids_name_nothing(scim, seeded, resource):
    for scim_id in ("abc%00def", "abc%00", "%00"):
        path = f"/{resource}/{scim_id}"
        body = okta_user("alice@acme.example") if resource == "Users" else okta_group("E")
        for response in (
            scim.get(path),
            scim.put(path, body),
            scim.patch(path, patch_op({"op": "replace", "path": "displayName", "value": "x"})),
            scim.delete(path),
        ):
            assert_scim_error(response, 404)
    assert db_state() == seeded.state


@pytest.mark.parametrize("resource", ["Users", "Groups"])
@pytest.mark.parametrize(
    "query",
    [
        'filter=userName eq "a%00b"',
        'filter=displayName eq "a\x00b"',
        "attributes=userName%00",
        "excludedAttributes=%00",
        "sortBy=userName%00",
        "startIndex=1%00",
        "count=%00",
        "a%00b=1",
    ],
)
def test_unstorable_query_parameters_are_refused(scim, seeded, resource, query):
    assert_scim_error(scim.get(f"/{resource}?{query}"), 400, "invalidValue")


@pytest.mark.parametrize("resource", ["Users", "Groups"])
@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff"])
def test_filter_escapes_of_unstorable_text_are_invalid_filters(scim, seeded, resource, escape):
    """``\\u0000`` and lone surrogates written as the filter grammar's JSON escapes."""
    for attribute in ("displayName", "externalId", 'emails[value eq "x"].value'):
        query = f'filter={attribute} eq "a{escape}b"'
        if resource == "Groups" and attribute.startswith("emails"):
            query = f'filter=members[value eq "a{escape}b"]'
        assert_scim_error(scim.get(f"/{resource}?{query}"), 400, "invalidFilter")


@pytest.mark.parametrize("resource", ["Users", "Groups"])
@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS)
def test_unstorable_search_bodies_are_refused(scim, seeded, resource, poison):
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    for extra in (
        {"filter": f'displayName eq "{poison}"'},
        {"filter": f'externalId eq "{poison}"'},
        {"attributes": ["displayName", poison]},
        {"excludedAttributes": [poison]},
        {"sortBy": poison},
    ):
        response = scim.post(f"/{resource}/.search", {**search, **extra})
        assert_scim_error(response, 400, "invalidValue")


# -- nesting and the documented limits ------------------------------------------------------


def _nested(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [limits.MAX_DEPTH + 1, 5000, 100_000])
def test_deep_nesting_is_invalid_syntax_everywhere(scim, seeded, depth):
    head = json.dumps({"schemas": [USER_SCHEMA], "userName": "x@acme.example"})[:-1]
    deep = f'{head}, "x": {_nested(depth)}}}'
    user_id, group_id = seeded.user["id"], seeded.group["id"]
    for method, path in (
        ("post", "/Users"),
        ("put", f"/Users/{user_id}"),
        ("patch", f"/Users/{user_id}"),
        ("post", "/Groups"),
        ("put", f"/Groups/{group_id}"),
        ("patch", f"/Groups/{group_id}"),
        ("post", "/Users/.search"),
        ("post", "/Groups/.search"),
    ):
        assert_scim_error(getattr(scim, method)(path, deep), 400, "invalidSyntax")
    assert db_state() == seeded.state


def test_nesting_within_the_bound_is_read(scim):
    """A value nested as deep as the bound allows is an ordinary type error, not a refusal
    of the body."""
    body = json.dumps({**okta_user("deep@acme.example"), "title": json.loads(_nested(20))})
    assert_scim_error(scim.post("/Users", body), 400, "invalidValue")


def test_too_many_patch_operations(scim, seeded):
    operations = [{"op": "replace", "path": "title", "value": "t"}] * (limits.MAX_OPERATIONS + 1)
    response = scim.patch(f"/Users/{seeded.user['id']}", patch_op(*operations))
    body = assert_scim_error(response, 400, "invalidValue")
    assert str(limits.MAX_OPERATIONS) in body["detail"]
    assert db_state() == seeded.state
    operations = operations[: limits.MAX_OPERATIONS]
    assert scim.patch(f"/Users/{seeded.user['id']}", patch_op(*operations)).status_code == 200


def _values(attribute, count):
    """``count`` distinct, valid values of the multi-valued User ``attribute``."""
    if attribute.path == "emails":
        return [{"value": f"a{i}@acme.example"} for i in range(count)]
    if attribute.path == "photos":
        return [{"value": f"https://acme.example/p{i}.png"} for i in range(count)]
    key = "value" if "value" in attribute.names else "locality"
    return [{key: f"v{i}"} for i in range(count)]


@pytest.mark.parametrize("attribute", MULTI_VALUED, ids=lambda a: a.path)
def test_values_per_multi_valued_attribute(scim, seeded, attribute):
    """The attribute table's ``max_values``, by POST, PUT and PATCH alike; a PATCH cannot
    grow a list past the bound one operation at a time either."""
    bound, name = attribute.max_values, attribute.path
    too_many = _values(attribute, bound + 1)
    user_id = seeded.user["id"]
    for response in (
        scim.post("/Users", okta_user("many@acme.example", **{name: too_many})),
        scim.put(f"/Users/{user_id}", okta_user("alice@acme.example", **{name: too_many})),
        scim.patch(f"/Users/{user_id}", patch_op({"op": "add", "path": name, "value": too_many})),
        scim.patch(
            f"/Users/{user_id}",
            patch_op(*({"op": "add", "path": name, "value": [v]} for v in too_many)),
        ),
    ):
        body = assert_scim_error(response, 400, "invalidValue")
        assert f"{name} holds at most {bound} values" in body["detail"]
    assert db_state() == seeded.state
    enough = okta_user("many@acme.example", **{name: _values(attribute, bound)})
    assert scim.post("/Users", enough).status_code == 201


def test_group_members_have_their_own_bound(scim, seeded):
    bound = limits.MAX_VALUES_BY_ATTRIBUTE["members"]
    members = [{"value": f"id-{i}"} for i in range(bound + 1)]
    body = {"schemas": [GROUP_SCHEMA], "displayName": "Huge", "members": members}
    detail = assert_scim_error(scim.post("/Groups", body), 400, "invalidValue")["detail"]
    assert f"members holds at most {bound} values" in detail
    assert db_state() == seeded.state


@pytest.mark.parametrize("path,column", USER_STRINGS, ids=USER_FIELDS)
def test_strings_longer_than_their_column(scim, seeded, path, column):
    """One character more than the table's length (a column's own, or the length declared
    for a key of a JSON value), written by POST and by the PATCH an IdP sends."""
    value = "x" * (column.max_length + 1)
    if path == "emails.value":  # an address, so that only its length is wrong
        value = value[13:] + "@acme.example"
    user_id = seeded.user["id"]
    for response in (
        scim.post("/Users", _user(path, value)),
        scim.patch(f"/Users/{user_id}", patch_op(_patch_value(path, value))),
    ):
        body = assert_scim_error(response, 400, "invalidValue")
        assert f"longer than {column.max_length}" in body["detail"]
    assert db_state() == seeded.state


@pytest.mark.parametrize("field", ["displayName", "externalId"])
def test_group_strings_longer_than_their_column(scim, seeded, field):
    body = okta_group("Engineering", [seeded.user["id"]], **{field: "g" * 256})
    assert_scim_error(scim.post("/Groups", body), 400, "invalidValue")
    assert db_state() == seeded.state


def test_a_body_over_the_size_limit_is_413_before_it_is_read(scim, seeded):
    padding = "x" * limits.MAX_BODY_BYTES
    body = json.dumps(okta_user("big@acme.example", password=padding))
    for method, path in (("post", "/Users"), ("patch", f"/Groups/{seeded.group['id']}")):
        body_ = assert_scim_error(getattr(scim, method)(path, body), 413)
        assert str(limits.MAX_BODY_BYTES) in body_["detail"]
    assert db_state() == seeded.state


# -- validation before lookups, and what a conflict says ------------------------------------


def test_a_nul_username_with_a_provisioned_email_is_400_not_409(scim, seeded):
    body = user_body("alice\x00@acme.example", email="alice@acme.example")
    assert_scim_error(scim.post("/Users", body), 400, "invalidValue")
    assert db_state() == seeded.state


def test_a_retried_post_says_the_user_already_exists(scim, seeded):
    """RFC 7644 §3.3: 409 uniqueness, saying it is the userName that exists — a client
    retrying a POST that succeeded learns its user is there."""
    response = scim.post("/Users", okta_user("alice@acme.example", title="Engineer"))
    detail = assert_scim_error(response, 409, "uniqueness")["detail"]
    assert "User with userName 'alice@acme.example' already exists" in detail
    # Another userName with Alice's email is a different conflict, and says so.
    other = user_body("alice2@acme.example", email="alice@acme.example")
    detail = assert_scim_error(scim.post("/Users", other), 409, "uniqueness")["detail"]
    assert "already the email of the User with userName 'alice@acme.example'" in detail
    assert db_state() == seeded.state


# -- credentials, caching -------------------------------------------------------------------


def test_an_unstorable_credential_is_401(client, seeded):
    for header in ("Bearer cosmo_abc\x00def.x", "Bearer \ud800"):
        try:
            response = client.get("/scim/v2/Users", HTTP_AUTHORIZATION=header)
        except UnicodeEncodeError:  # the test client cannot send a lone surrogate header
            continue
        assert_scim_error(response, 401)


def test_every_scim_response_is_no_store(scim, client, seeded):
    """Personal data, and errors echoing what was sent: never kept by a cache."""
    responses = [
        scim.get("/Users"),
        scim.get(f"/Users/{seeded.user['id']}"),
        scim.get("/Users/nope"),
        scim.get("/ServiceProviderConfig"),
        scim.post("/Users", okta_user("bob@acme.example")),
        scim.patch(f"/Users/{seeded.user['id']}", patch_op({"op": "bad"})),
        scim.delete(f"/Groups/{seeded.group['id']}"),
        Client().get("/scim/v2/Users"),
    ]
    for response in responses:
        assert response["Cache-Control"] == "no-store", response.status_code


# -- the admin's custom views ---------------------------------------------------------------


@pytest.fixture
def superuser_client(admin_client, seeded, scim_key):
    return admin_client


def test_admin_urls_with_unstorable_ids_are_404(superuser_client, org, scim_key):
    before = db_state()
    for object_id in ("a%00b", "a_00b", "%00"):
        for url in (
            f"/admin/cosmo_scim/apikey/{object_id}/rotate/",
            f"/admin/cosmo_scim/apikey/{object_id}/change/",
            f"/admin/cosmo_scim/invitation/{object_id}/change/",
            f"/admin/organizations/organization/{object_id}/scim/",
        ):
            assert superuser_client.get(url).status_code == 404, url
            assert superuser_client.post(url).status_code == 404, url
    assert db_state() == before


def test_admin_queries_and_forms_with_unstorable_values_are_400(superuser_client, scim_key):
    before = db_state()
    for url in ("/admin/cosmo_scim/apikey/?q=a%00b", "/admin/cosmo_scim/auditevent/?q=%00"):
        assert superuser_client.get(url).status_code == 400, url
    response = superuser_client.post(
        "/admin/cosmo_scim/apikey/",
        {"action": "revoke_keys", "_selected_action": ["a\x00b", scim_key[0].pk]},
    )
    assert response.status_code == 400
    assert db_state() == before
    # The well-formed request still works.
    assert superuser_client.get("/admin/cosmo_scim/apikey/?q=okta").status_code == 200


def test_a_malformed_patch_is_refused_before_the_resource_is_looked_up(scim, seeded):
    """A path that names nothing, a broken value filter: 400 even for an id that does not
    exist (the request is wrong whatever the resource), and no query past authentication."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for operation, scim_type in (
        ({"op": "replace", "path": "nosuchattribute", "value": "x"}, "invalidPath"),
        ({"op": "remove", "path": 'emails[type eq "work"'}, "invalidPath"),
        ({"op": "remove", "path": "emails[type zz 1]"}, "invalidFilter"),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = scim.patch("/Users/no-such-user", patch_op(operation))
        assert_scim_error(response, 400, scim_type)
        assert len(queries) <= 2, [q["sql"] for q in queries]  # the key, its last use


def test_the_other_pages_refuse_unstorable_input_without_an_error(client, seeded):
    """The admin's login form and the invitation page: Django's form validation refuses
    a NUL, and the invitation link is looked up by its hash."""
    response = client.post("/admin/login/", {"username": "a\x00b", "password": "x\x00"})
    assert response.status_code == 200  # the form again, with its error
    assert client.get("/invitations/a%00b/").status_code < 500


def test_read_only_values_are_not_counted(scim, seeded):
    """A user's ``groups`` are the server's: a PUT echoing a user in many groups back is
    not refused by the values bound (PATCH reads the user the same way)."""
    groups = [{"value": f"g{i}", "display": f"G{i}"} for i in range(limits.MAX_VALUES + 50)]
    body = okta_user("alice@acme.example", title="Engineer", groups=groups)
    assert scim.put(f"/Users/{seeded.user['id']}", body).status_code == 200


def _writable_strings(rs):
    """(extension URN or None, attribute, sub-attribute or None) of every writable string
    or reference the published schema defines: whatever is added to the schema is here."""
    for doc in (rs.core, *rs.extensions):
        extension = None if doc is rs.core else doc["id"]
        for attr in doc["attributes"]:
            if attr["mutability"] == "readOnly":
                continue
            if attr["type"] in ("string", "reference"):
                yield extension, attr, None
            for sub in attr.get("subAttributes", ()):
                if sub["mutability"] != "readOnly" and sub["type"] in ("string", "reference"):
                    yield extension, attr, sub


def _schema_body(base, extension, attr, sub, value):
    body = json.loads(json.dumps(base))
    container = body.setdefault(extension, {}) if extension else body
    if sub is None:
        container[attr["name"]] = [value] if attr["multiValued"] else value
    elif attr["multiValued"]:
        element = {"value": "long@acme.example"} if attr["name"] == "emails" else {}
        container[attr["name"]] = [{**element, sub["name"]: value}]
    else:
        container[attr["name"]] = {sub["name"]: value}
    return body


def test_no_published_attribute_takes_the_database_down_with_a_long_value(scim, seeded):
    """Every writable string of the User and Group schemas, 5,000 characters long: a SCIM
    answer, never a 500 (on PostgreSQL, a value longer than its varchar column was a
    DataError); a refusal changes nothing."""
    from cosmo_scim.protocol.schema.resolve import GROUP, USER

    cases = [(USER, "/Users", okta_user("long@acme.example"))]
    cases.append((GROUP, "/Groups", okta_group("Long", [seeded.user["id"]])))
    for rs, endpoint, base in cases:
        for extension, attr, sub in _writable_strings(rs):
            body = _schema_body(base, extension, attr, sub, "x" * 5000)
            before = db_state()
            response = scim.post(endpoint, body)
            name = attr["name"] + (f".{sub['name']}" if sub else "")
            assert response.status_code < 500, (endpoint, name, response.content[:200])
            if response.status_code >= 400:
                assert_scim_error(response, response.status_code)
                assert db_state() == before, name
            else:
                scim.delete(f"{endpoint}/{response.json()['id']}")
