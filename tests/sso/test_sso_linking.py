"""Who an SSO sign-in is (cosmo_scim/sso/linking.py), tried as members and as attackers: the
IdP's subject inside the organization, never a bare email, never another organization's
member, never a member SCIM did not provision or deactivated."""

import pytest
from django.contrib.auth import SESSION_KEY
from scimkit import ScimClient, deactivate_patch
from ssokit import account, browser_request, connection, provision, sso_sign_in

from cosmo_scim.models import AuditEvent, ScimUser, SsoIdentity, VerifiedDomain
from cosmo_scim.sso import entry
from cosmo_scim.sso.linking import Refused

Action = AuditEvent.Action


@pytest.fixture
def beta(make_org):
    return make_org("beta", plan="enterprise", name="Beta Corp")


def _verify(org, domain):
    from django.utils import timezone

    VerifiedDomain.objects.create(organization=org, domain=domain, verified_at=timezone.now())


def test_first_sign_in_links_by_username_ignoring_case_then_by_subject(client, org, make_key):
    _, key = make_key(org)
    created = provision(client, key, "jane@acme.example")
    conn = connection(org)

    request, scim_user = sso_sign_in(conn, "JANE@Acme.example")

    person = account("jane@acme.example")
    assert scim_user.scim_id == created["id"]
    assert request.session[SESSION_KEY] == str(person.pk)
    identity = SsoIdentity.objects.get(connection=conn)
    assert (identity.subject, identity.person_id) == ("JANE@Acme.example", person.pk)
    # The IdP changes the person's userName and email: the subject still finds them.
    scim = ScimClient(client, key)
    changed = {"op": "replace", "value": {"userName": "jane.doe@acme.example"}}
    assert (
        scim.patch(
            f"/Users/{created['id']}",
            {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [changed]},
        ).status_code
        == 200
    )
    _, again = sso_sign_in(conn, "JANE@Acme.example")
    assert again.pk == scim_user.pk
    assert SsoIdentity.objects.count() == 1
    actions = list(
        AuditEvent.objects.filter(organization=org, action__startswith="sso").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == sorted(
        [Action.SSO_LINKED, Action.SSO_SIGNED_IN, Action.SSO_SIGNED_IN]
    )


def test_links_by_external_id_the_okta_user_id(client, org, make_key):
    _, key = make_key(org)
    provision(client, key, "sam@acme.example", externalId="00uAbC123")
    conn = connection(org)

    _, scim_user = sso_sign_in(conn, "00uabc123")

    assert scim_user.user_name == "sam@acme.example"


def test_email_links_only_in_a_domain_the_organization_verified(client, org, make_key):
    _, key = make_key(org)
    provision(client, key, "kim", emails=[{"value": "kim@acme.example", "primary": True}])
    conn = connection(org)

    with pytest.raises(Refused) as refused:
        sso_sign_in(conn, "idp-subject-1", email="kim@acme.example")
    assert refused.value.code == "not_provisioned"
    assert not SsoIdentity.objects.exists()

    _verify(org, "acme.example")
    _, scim_user = sso_sign_in(conn, "idp-subject-1", email="KIM@acme.example")
    assert scim_user.user_name == "kim"


def test_another_organizations_idp_never_signs_in_its_member(client, org, beta, make_key):
    """B's IdP asserts A's member's userName, externalId and email (in A's verified domain):
    refused, audited in B, nothing linked, no session."""
    _, key_a = make_key(org)
    provision(client, key_a, "jane@acme.example", externalId="00u-jane")
    _verify(org, "acme.example")
    conn_b = connection(beta)

    for subject, email in [
        ("jane@acme.example", ""),
        ("00u-jane", ""),
        ("someone", "jane@acme.example"),
    ]:
        request = browser_request()
        with pytest.raises(Refused) as refused:
            sso_sign_in(conn_b, subject, email=email, request=request)
        assert refused.value.code == "not_provisioned"
        assert SESSION_KEY not in request.session
    assert not SsoIdentity.objects.exists()
    refusals = AuditEvent.objects.filter(action=Action.SSO_REFUSED)
    assert set(refusals.values_list("organization_id", flat=True)) == {beta.pk}
    assert refusals.count() == 3
    assert all(e.reason.startswith("not_provisioned") for e in refusals)


def test_b_idp_cannot_use_an_identity_linked_through_a(client, org, beta, make_key):
    """The same subject string through B's connection is B's own subject: A's link counts
    for A's connection only."""
    _, key_a = make_key(org)
    provision(client, key_a, "jane@acme.example")
    sso_sign_in(connection(org), "jane@acme.example")

    with pytest.raises(Refused):
        sso_sign_in(connection(beta), "jane@acme.example")


def test_not_provisioned_is_refused_and_creates_nothing(client, org, make_key, django_user_model):
    conn = connection(org)
    before = django_user_model.objects.count()

    with pytest.raises(Refused) as refused:
        sso_sign_in(conn, "new.hire@acme.example", email="new.hire@acme.example")

    assert "has not given you access" in refused.value.message
    assert django_user_model.objects.count() == before
    assert not ScimUser.objects.exists() and not SsoIdentity.objects.exists()


def test_deactivated_member_is_refused_even_when_already_linked(client, org, make_key):
    _, key = make_key(org)
    created = provision(client, key, "leaver@acme.example")
    conn = connection(org)
    sso_sign_in(conn, "leaver@acme.example")

    assert (
        ScimClient(client, key).patch(f"/Users/{created['id']}", deactivate_patch()).status_code
        == 200
    )

    with pytest.raises(Refused) as refused:
        sso_sign_in(conn, "leaver@acme.example")
    assert refused.value.code == "deactivated"
    event = AuditEvent.objects.filter(action=Action.SSO_REFUSED).get()
    assert event.reason.startswith("deactivated") and event.user_name == ""


def test_deactivation_ends_the_session_an_sso_sign_in_made(client, org, make_key):
    _, key = make_key(org)
    created = provision(client, key, "leaver@acme.example")
    request, _ = sso_sign_in(connection(org), "leaver@acme.example")
    from django.contrib.sessions.backends.db import SessionStore

    assert SessionStore().exists(request.session.session_key)
    response = ScimClient(client, key).patch(f"/Users/{created['id']}", deactivate_patch())
    assert response.status_code == 200
    assert not SessionStore().exists(request.session.session_key)


def test_deleted_member_is_refused(client, org, make_key):
    _, key = make_key(org)
    created = provision(client, key, "gone@acme.example")
    conn = connection(org)
    sso_sign_in(conn, "gone@acme.example")

    assert ScimClient(client, key).delete(f"/Users/{created['id']}").status_code == 204

    with pytest.raises(Refused) as refused:
        sso_sign_in(conn, "gone@acme.example")
    assert refused.value.code == "not_provisioned"


def test_attached_account_signs_in_only_through_its_invitation(
    client, org, beta, make_key, make_member, make_user
):
    """B's member's account attached by A awaits consent: A's IdP cannot sign into it,
    except from the browser holding A's invitation for that membership."""
    existing = make_user("shared@beta.example")
    make_member(beta, user=existing)
    _, key_a = make_key(org)
    provision(client, key_a, "shared@beta.example")
    scim_user = ScimUser.objects.get(organization=org)
    assert scim_user.consent_pending
    conn = connection(org)

    with pytest.raises(Refused) as refused:
        sso_sign_in(conn, "shared@beta.example")
    assert refused.value.code == "consent_pending"

    request, signed_in = sso_sign_in(
        conn, "shared@beta.example", invited_membership_id=scim_user.membership_id
    )
    assert signed_in.pk == scim_user.pk
    assert request.session[SESSION_KEY] == str(existing.pk)


def test_a_person_in_two_organizations_signs_in_through_each(client, org, beta, make_key):
    """One account, two organizations, two IdPs: each sign-in adds its organization to the
    session; neither lets the other's IdP in."""
    _, key_a = make_key(org)
    _, key_b = make_key(beta)
    provision(client, key_a, "both@acme.example")
    conn_a, conn_b = connection(org), connection(beta)
    _verify(beta, "acme.example")
    provision(client, key_b, "both-b", emails=[{"value": "both@acme.example", "primary": True}])
    scim_b = ScimUser.objects.get(organization=beta)
    ScimUser.objects.filter(pk=scim_b.pk).update(consent_pending=False)
    from cosmo_scim.host import host_adapter

    host_adapter().set_membership_active(scim_b.membership, True)

    request, _ = sso_sign_in(conn_a, "both@acme.example")
    request.user = account("both@acme.example")
    assert entry.enterable(request, [org.pk, beta.pk]) == {org.pk}

    sso_sign_in(conn_b, "both-b", request=request)
    request.user = account("both@acme.example")
    assert entry.enterable(request, [org.pk, beta.pk]) == {org.pk, beta.pk}


@pytest.mark.parametrize(
    "look_alike",
    ["ſam@acme.example", "sam@acme.examplE".replace("E", "\u212a"), "SAM@ACME.EXAMPLE"],
)
def test_subjects_compare_by_the_one_case_rule(client, org, make_key, look_alike):
    """ASCII case folds (the same member); a look-alike through another case mapping (long
    s, Kelvin sign) is not the member (addresses.py)."""
    _, key = make_key(org)
    provision(client, key, "sam@acme.example")
    conn = connection(org)
    if look_alike.isascii():
        assert sso_sign_in(conn, look_alike)[1].user_name == "sam@acme.example"
        return
    with pytest.raises(Refused):
        sso_sign_in(conn, look_alike)
    assert not SsoIdentity.objects.exists()
