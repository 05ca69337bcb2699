"""Invitations with eager Celery (the zero-setup default): sending, exactly once, failure,
the sweep, the accept page, admin resend."""

import io
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from scimkit import accept_link, deactivate_patch, host, reactivate_patch, user_body

from cosmo_scim import conf
from cosmo_scim.models import Invitation, ScimUser
from cosmo_scim.provisioning import acceptance, invitation_delivery, invitations

# Real commits: invitations are queued with on_commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "jane@acme.example"


@pytest.fixture
def provisioned(scim):
    response = scim.post("/Users", user_body(EMAIL, given="Jane"))
    assert response.status_code == 201
    return response.json()["id"]


def path_of(link):
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_provisioning_sends_one_invitation(provisioned, settings):
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    product = conf.get("PRODUCT_NAME")  # Cosmo's "Cosmo", the workspace host's "Workspace"
    assert message.subject == f"Acme Inc. invites you to join them on {product}"
    link = accept_link(message)
    assert link.startswith(settings.PUBLIC_BASE_URL + "/invitations/")
    assert "Jane Doe" in message.body and link in message.alternatives[0][0]
    invitation = Invitation.objects.get()
    assert invitation.status == "pending" and invitation.sent_at and invitation.send_attempts == 1
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == invitations.hash_token(token)
    assert token not in str(Invitation.objects.values().get())
    assert invitation.expires_at - invitation.sent_at < timedelta(days=7, seconds=5)


def test_adopted_and_inactive_members_get_no_invitation(scim, org, make_member):
    make_member(org, email="old@acme.example")
    assert scim.post("/Users", user_body("old@acme.example")).status_code == 201
    assert scim.post("/Users", user_body("off@acme.example", active=False)).status_code == 201
    assert mail.outbox == []


def test_a_second_delivery_sends_nothing(provisioned):
    invitation = Invitation.objects.get()
    assert invitation_delivery.deliver(invitation.pk) is False
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=None)  # even unrecorded...
    assert invitation_delivery.deliver(invitation.pk) is False  # ...the claim stands
    assert len(mail.outbox) == 1


def test_crash_between_sending_and_recording_is_unconfirmed_for_an_admin(
    provisioned, settings, admin_client
):
    invitation = Invitation.objects.get()
    # What a worker dying after SMTP accepted the email leaves behind.
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=None)
    assert invitation_delivery.send_pending() == 0  # the claim is young: not sent again
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "INVITATION_CLAIM_TIMEOUT": 0}
    assert invitation_delivery.send_pending() == 0
    invitation.refresh_from_db()
    assert invitation.status == "unconfirmed" and "may have gone out" in invitation.last_error
    assert len(mail.outbox) == 1
    old_link = accept_link(mail.outbox[0])
    response = admin_client.post(
        "/admin/cosmo_scim/invitation/",
        {"action": "resend", "_selected_action": [invitation.pk]},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 2 and accept_link(mail.outbox[1]) != old_link
    assert "does not work" in Client().get(path_of(old_link), follow=True).content.decode()


def test_smtp_failure_is_retried_by_the_sweep_then_failed_visible_in_admin(
    scim, settings, admin_client
):
    """Eager Celery does not retry (backoff retries are tested with a real worker); the
    sweep carries on with the same attempt budget, here without a backoff."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.COSMO_SCIM = {
        **settings.COSMO_SCIM,
        "INVITATION_SEND_ATTEMPTS": 3,
        "INVITATION_RETRY_DELAY": 0,
    }
    response = scim.post("/Users", user_body(EMAIL))
    assert response.status_code == 201  # the SCIM request does not fail with the email
    invitation = Invitation.objects.get()
    assert invitation.status == "pending" and invitation.send_attempts == 1
    assert invitation.sent_at is None and invitation.claimed_at is None
    assert invitation_delivery.send_pending() == 0
    assert invitation_delivery.send_pending() == 0
    invitation.refresh_from_db()
    assert invitation.status == "failed" and invitation.send_attempts == 3
    assert invitation.last_error.startswith("Not sent after 3 tries: ConnectionRefusedError")
    page = admin_client.get("/admin/cosmo_scim/invitation/", {"status__exact": "failed"})
    assert EMAIL in page.content.decode() and "ConnectionRefusedError" in page.content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin_client.post(
        "/admin/cosmo_scim/invitation/", {"action": "resend", "_selected_action": [invitation.pk]}
    )
    invitation.refresh_from_db()
    assert invitation.status == "pending" and invitation.sent_at and len(mail.outbox) == 1


def test_sweep_and_command_send_what_was_never_queued(org, make_member, settings):
    scim_user = ScimUser.objects.create(
        organization=org, membership=make_member(org, email=EMAIL), user_name=EMAIL
    )
    invitations.create(scim_user, EMAIL)  # as if the broker had been down at commit
    first, second = io.StringIO(), io.StringIO()
    call_command("send_pending_invitations", stdout=first)
    call_command("send_pending_invitations", stdout=second)
    assert len(mail.outbox) == 1
    assert first.getvalue() == "Sent 1 invitation(s).\n"
    assert second.getvalue() == "Sent 0 invitation(s).\n"


def test_a_sender_that_died_before_transmitting_is_taken_over_and_sent(org, make_member, settings):
    scim_user = ScimUser.objects.create(
        organization=org, membership=make_member(org, email=EMAIL), user_name=EMAIL
    )
    invitation = invitations.create(scim_user, EMAIL)
    # What a worker killed between its claim and the SMTP transaction leaves behind.
    Invitation.objects.filter(pk=invitation.pk).update(
        claimed_at=timezone.now(), send_attempts=1, token_hash="0" * 64
    )
    assert invitation_delivery.send_pending() == 0  # it may still be connecting
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "INVITATION_START_TIMEOUT": 0}
    assert invitation_delivery.send_pending() == 1
    assert invitation_delivery.send_pending() == 0
    invitation.refresh_from_db()
    assert len(mail.outbox) == 1 and invitation.sent_at and invitation.send_attempts == 2


def test_sweep_expires_old_links(provisioned):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    invitation_delivery.send_pending()
    assert Invitation.objects.get().status == "expired"


# -- the accept page ------------------------------------------------------------------------


def test_new_person_sets_a_password_and_lands_on_the_dashboard(provisioned):
    browser = Client()
    link = path_of(accept_link(mail.outbox[0]))
    page = browser.get(link, follow=True).content.decode()
    assert "Acme Inc." in page and EMAIL in page and "Choose a password" in page
    weak = browser.post("/invitations/accept/", {"new_password1": "123", "new_password2": "123"})
    assert "too short" in weak.content.decode()
    response = browser.post(
        "/invitations/accept/",
        {
            "new_password1": "stellar-nebula-42",
            "new_password2": "stellar-nebula-42",
        },
    )
    landing = host.landing_url(host.membership_of())
    assert response.status_code == 302 and response["Location"] == landing
    assert browser.get(landing).status_code == 200
    assert Invitation.objects.get().status == "accepted"
    assert ScimUser.objects.get().accepted_at is not None
    assert Client().login(
        username=host.person(host.membership_of()).get_username(), password="stellar-nebula-42"
    )
    # Single use.
    assert "already been accepted" in Client().get(link, follow=True).content.decode()


def test_existing_account_logs_in_to_accept(scim, make_user):
    make_user(email=EMAIL, password="old-account-pass-9")
    scim.post("/Users", user_body(EMAIL))
    link = path_of(accept_link(mail.outbox[0]))
    browser = Client()
    assert "enter its password" in browser.get(link, follow=True).content.decode()
    wrong = browser.post("/invitations/accept/", {"password": "nope"})
    assert "not the password" in wrong.content.decode()
    assert Invitation.objects.get().status == "pending"
    right = browser.post("/invitations/accept/", {"password": "old-account-pass-9"})
    assert right["Location"] == host.landing_url(host.membership_of())
    assert Invitation.objects.get().status == "accepted"


def test_logged_in_invitee_just_accepts_and_others_are_told_to_log_out(scim, make_user):
    person = make_user(email=EMAIL, password="old-account-pass-9")
    scim.post("/Users", user_body(EMAIL))
    link = path_of(accept_link(mail.outbox[0]))
    stranger = Client()
    stranger.force_login(make_user())
    assert "Log out" in stranger.get(link, follow=True).content.decode()
    stranger.post("/invitations/accept/")
    assert Invitation.objects.get().status == "pending"
    invitee = Client()
    invitee.force_login(person)
    invitee.get(link)
    accepted = invitee.post("/invitations/accept/")
    assert accepted["Location"] == host.landing_url(host.membership_of())


def test_expired_revoked_and_unknown_links_say_what_to_do(scim, provisioned):
    link = path_of(accept_link(mail.outbox[0]))
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "has expired" in Client().get(link, follow=True).content.decode()
    Invitation.objects.update(expires_at=timezone.now() + timedelta(days=1))
    scim.patch(f"/Users/{provisioned}", deactivate_patch())
    page = Client().get(link, follow=True)
    assert page.status_code == 200 and "withdrawn" in page.content.decode()
    assert "administrator" in page.content.decode()
    assert (
        "does not work"
        in Client().get("/invitations/not-a-real-token/", follow=True).content.decode()
    )


def test_reactivating_an_unaccepted_member_sends_a_fresh_invitation(scim, provisioned):
    old_link = path_of(accept_link(mail.outbox[0]))
    scim.patch(f"/Users/{provisioned}", deactivate_patch())
    scim.patch(f"/Users/{provisioned}", reactivate_patch())
    assert len(mail.outbox) == 2
    new_link = path_of(accept_link(mail.outbox[1]))
    assert "withdrawn" in Client().get(old_link, follow=True).content.decode()
    assert "Choose a password" in Client().get(new_link, follow=True).content.decode()
    assert list(Invitation.objects.order_by("id").values_list("status", flat=True)) == [
        "revoked",
        "pending",
    ]


def test_reactivating_an_accepted_member_sends_nothing(scim, provisioned):
    acceptance.accept_invitation(Invitation.objects.get())
    scim.patch(f"/Users/{provisioned}", deactivate_patch())
    scim.patch(f"/Users/{provisioned}", reactivate_patch())
    assert len(mail.outbox) == 1


def test_tokens_never_reach_the_logs(scim, caplog):
    with caplog.at_level(logging.DEBUG):
        scim.post("/Users", user_body(EMAIL))
        link = path_of(accept_link(mail.outbox[0]))
        token = link.strip("/").split("/")[-1]
        browser = Client()
        browser.get(link, follow=True)
        browser.post("/invitations/accept/", {"new_password1": "x"})
        browser.post("/invitations/accept/")
    assert token not in caplog.text


def test_the_first_visit_moves_the_token_out_of_the_url(provisioned):
    """As Django's password reset does: the link's token goes into the session (as its hash)
    and every later request — the page, its form, a failed try — has a token-free URL."""
    link = path_of(accept_link(mail.outbox[0]))
    token = link.strip("/").split("/")[-1]
    browser = Client()
    response = browser.get(link)
    assert response.status_code == 302 and response["Location"] == "/invitations/accept/"
    assert token not in response["Location"]
    page = browser.get("/invitations/accept/")
    assert page.status_code == 200 and "Choose a password" in page.content.decode()
    assert token not in page.content.decode()
    assert browser.session["cosmo_scim_invitation"] == invitations.hash_token(token)
    assert token not in str(dict(browser.session))
    browser.post(
        "/invitations/accept/",
        {"new_password1": "stellar-nebula-42", "new_password2": "stellar-nebula-42"},
    )
    assert Invitation.objects.get().status == "accepted"
    assert "cosmo_scim_invitation" not in browser.session
    # A browser that never opened the link gets nothing from the token-free URL.
    assert "does not work" in Client().get("/invitations/accept/").content.decode()


def test_an_unknown_token_is_redirected_like_a_good_one(db):
    response = Client().get("/invitations/not-a-real-token/")
    assert response.status_code == 302 and response["Location"] == "/invitations/accept/"


def test_the_pages_keep_their_address_from_other_sites_without_the_hosts_middleware(
    provisioned, settings
):
    """``Referrer-Policy: same-origin`` comes from the views, not from the host's
    SecurityMiddleware, and no page carries a referrer meta tag (it breaks the form's CSRF
    check in Chromium: tests/invitations/test_shipped_pages_browser.py)."""
    settings.MIDDLEWARE = [
        name
        for name in settings.MIDDLEWARE
        if name != "django.middleware.security.SecurityMiddleware"
    ]
    browser = Client()
    redirected = browser.get(path_of(accept_link(mail.outbox[0])))
    page = browser.get("/invitations/accept/")
    unusable = Client().get("/invitations/accept/")
    for response in (redirected, page, unusable):
        assert response["Referrer-Policy"] == "same-origin"
    for response in (page, unusable):
        assert 'name="referrer"' not in response.content.decode()
