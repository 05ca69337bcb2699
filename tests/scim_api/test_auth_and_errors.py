"""Authentication, the Enterprise gate, and RFC 7644 §3.12 errors for every kind of bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone
from scimkit import ScimClient, okta_user, patch_op

from cosmo_scim.models import ScimUser

pytestmark = pytest.mark.django_db

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
ENDPOINTS = ["/Users", "/ServiceProviderConfig", "/Schemas", "/ResourceTypes", "/Nope"]


def assert_scim_error(response, status, scim_type=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    return body


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "header", [None, "Bearer", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer cosmo_x.y", "Bearer junk"]
)
def test_missing_or_bad_credentials_are_401_with_bearer_challenge(client, org, path, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/scim/v2" + path, **extra)
    assert_scim_error(response, 401)
    assert response["WWW-Authenticate"].startswith('Bearer realm="')


def test_expired_and_revoked_keys_are_401(client, org, make_key):
    _, expired = make_key(org, expiry_date=timezone.now() - timedelta(minutes=1))
    revoked_key, revoked = make_key(org)
    revoked_key.revoked = True
    revoked_key.save()
    for key in (expired, revoked):
        assert_scim_error(ScimClient(client, key).get("/Users"), 401)


def test_key_without_scim_permission_is_403(client, org, make_key):
    _, key = make_key(org, scim=False)
    body = assert_scim_error(ScimClient(client, key).get("/Users"), 403)
    assert "SCIM permission" in body["detail"]


def test_organization_off_the_enterprise_plan_is_403(client, org, make_key):
    _, key = make_key(org, scim=True)
    org.plan = "team"
    org.save()
    body = assert_scim_error(ScimClient(client, key).post("/Users", okta_user("a@acme.com")), 403)
    assert "requires the Enterprise plan" in body["detail"]
    assert not ScimUser.objects.exists()


@pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_to_discovery_endpoints_are_405(scim, path, method):
    response = scim.request(method, path, {"x": 1})
    assert_scim_error(response, 405)
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("path", ["/Nope", "/Users/a/b", "/Groupz", "/scim/v2/Users"])
def test_unknown_paths_are_scim_404(scim, path):
    assert_scim_error(scim.get(path), 404)


def test_unknown_id_is_404(scim):
    assert_scim_error(scim.get("/Users/0b5f2c1e-0000-4000-8000-000000000000"), 404)


@pytest.mark.parametrize("path", ["/Me", "/Bulk"])
def test_unsupported_optional_endpoints_are_501(scim, path):
    assert_scim_error(scim.post(path, {}), 501)


def test_post_on_a_resource_and_writes_on_the_collection_are_405(scim):
    created = scim.create_user("jane@acme.com")
    assert_scim_error(scim.post(f"/Users/{created['id']}", okta_user("x@acme.com")), 405)
    for method in ("put", "patch", "delete"):
        assert_scim_error(scim.request(method, "/Users", {}), 405)


@pytest.mark.parametrize(
    "raw",
    ["{not json", "", "[]", '"text"', "null", b"\xff\xfe"],
)
def test_malformed_bodies_are_400_invalid_syntax(scim, raw):
    assert_scim_error(scim.post("/Users", raw), 400, "invalidSyntax")
    assert not ScimUser.objects.exists()


def test_oversized_body_is_413(scim, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = okta_user("a@acme.com", title="x" * 2000)
    assert_scim_error(scim.post("/Users", body), 413)
    assert not ScimUser.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]},
        okta_user(""),
        okta_user("a@acme.com", active="maybe"),
        okta_user("a@acme.com", emails="a@acme.com"),
        okta_user("a@acme.com", emails=[{"value": "not-an-email"}]),
        okta_user(
            "a@acme.com",
            emails=[{"value": "a@x.com", "primary": True}, {"value": "b@x.com", "primary": True}],
        ),
        okta_user("a@acme.com", name="Jane"),
        okta_user("a@acme.com", title="x" * 300),
        okta_user("a@acme.com", externalId=42),
        okta_user("a@acme.com", schemas=["urn:example:Other"]),
        okta_user("no-email-user", emails=[]),
    ],
)
def test_invalid_values_are_400_and_change_nothing(scim, body):
    assert_scim_error(scim.post("/Users", body), 400, "invalidValue")
    assert not ScimUser.objects.exists()


@pytest.fixture
def jane(scim):
    return scim.create_user("jane@acme.com")


@pytest.mark.parametrize(
    "operation, scim_type",
    [
        ({"op": "replace", "path": "nickName2", "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "name.middle", "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "id", "value": "x"}, "mutability"),
        ({"op": "replace", "path": "meta.created", "value": "2001-01-01T00:00:00Z"}, "mutability"),
        ({"op": "replace", "path": "active", "value": "perhaps"}, "invalidValue"),
        ({"op": "replace", "path": "title", "value": ["a", "b"]}, "invalidValue"),
        ({"op": "remove"}, "noTarget"),
        ({"op": "frobnicate", "path": "title", "value": "x"}, "invalidSyntax"),
    ],
)
def test_bad_patch_operations_are_400_with_scim_type(scim, jane, operation, scim_type):
    response = scim.patch(f"/Users/{jane['id']}", patch_op(operation))
    assert_scim_error(response, 400, scim_type)


def test_patch_is_atomic(scim, jane):
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op(
            {"op": "replace", "path": "title", "value": "Changed"},
            {"op": "replace", "value": {"active": False}},
            {"op": "replace", "path": "unknownAttribute", "value": "x"},
        ),
    )
    assert_scim_error(response, 400, "invalidPath")
    after = scim.get(f"/Users/{jane['id']}").json()
    assert "title" not in after and after["active"] is True
    assert after["meta"]["version"] == jane["meta"]["version"]


def test_patch_without_operations_is_400(scim, jane):
    assert scim.patch(f"/Users/{jane['id']}", {"schemas": []}).status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        'userName eq "a" and',
        'roles eq "x"',
        'userName eq "a" or bogus eq "b"',
        'meta.created gt "yesterday"',
        "active gt true",
        '((userName eq "a")',
    ],
)
def test_bad_filters_are_400_invalid_filter(scim, jane, query):
    assert_scim_error(scim.get(f"/Users?filter={query}"), 400, "invalidFilter")


@pytest.mark.parametrize("params", ["startIndex=abc", "count=1.5", "count=ten", "sortBy=nope"])
def test_bad_paging_and_sorting_are_400(scim, params):
    assert_scim_error(scim.get(f"/Users?{params}"), 400, "invalidValue")


def test_unexpected_exceptions_are_scim_500_without_internals(scim, monkeypatch):
    from cosmo_scim.provisioning import lifecycle

    def explode(*args, **kwargs):
        raise RuntimeError("relation cosmo_scim_scimuser: secret internals")

    monkeypatch.setattr(lifecycle, "provision", explode)
    body = assert_scim_error(scim.post("/Users", okta_user("a@acme.com")), 500)
    assert "secret internals" not in body["detail"]


def test_request_id_is_echoed_or_issued(scim):
    assert scim.get("/Users", **{"X-Request-Id": "okta-123"})["X-Request-Id"] == "okta-123"
    assert len(scim.get("/Users")["X-Request-Id"]) == 32


def test_etag_preconditions(scim, jane):
    response = scim.get(f"/Users/{jane['id']}")
    etag = response["ETag"]
    assert etag == 'W/"1"'
    assert scim.get(f"/Users/{jane['id']}", **{"If-None-Match": etag}).status_code == 304
    stale = scim.put(
        f"/Users/{jane['id']}", okta_user("jane@acme.com", title="x"), **{"If-Match": 'W/"0"'}
    )
    assert_scim_error(stale, 412)
    fresh = scim.put(
        f"/Users/{jane['id']}", okta_user("jane@acme.com", title="x"), **{"If-Match": etag}
    )
    assert fresh.status_code == 200 and fresh.json()["meta"]["version"] == 'W/"2"'


def test_trailing_slash_is_tolerated(scim):
    assert scim.get("/Users/").status_code == 200
    assert scim.get("/ServiceProviderConfig/").status_code == 200
