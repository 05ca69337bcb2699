"""The provisioning services' contract, called directly (no HTTP, no SCIM parsing): every
state change — provision, update, deactivation, reactivation, removal, an administrator's
deactivation and an invitation's acceptance — is one transaction that writes its audit
event and sends its signal once, with the arguments signals.py documents; a call that
changes nothing writes and sends nothing; receivers run inside the transaction, and what
they defer with ``on_commit`` waits for its commit."""

import pytest
from django.core import mail
from django.db import transaction
from scimkit import host, signals_received

from cosmo_scim import signals
from cosmo_scim.models import AuditEvent, Invitation, ScimUser
from cosmo_scim.provisioning import acceptance, lifecycle
from cosmo_scim.provisioning.user_profile import Email, UserProfile

pytestmark = pytest.mark.django_db

ACTOR = lifecycle.Actor(via="the service contract test")
EMAIL = "jane@acme.example"
USER_SIGNALS = (
    "user_provisioned",
    "user_updated",
    "user_deactivated",
    "user_reactivated",
    "user_removed",
    "user_accepted",
)


class Refused(Exception):
    """What a receiver raises to show that the whole change rolls back with it."""


def profile(email: str = EMAIL, **values: object) -> UserProfile:
    return UserProfile(user_name=email, emails=[Email(email, "work", True)], **values)


@pytest.fixture
def sent():
    """Every user signal sent: (name, sender, its arguments, the audit events written so far
    in its transaction — the signal goes out after its event is written)."""
    with signals_received(USER_SIGNALS, note=actions_so_far) as received:
        yield received


def actions_so_far() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def effects(sent: list, call) -> tuple[list[str], list[str]]:
    """The audit actions ``call`` wrote and the signals it sent, in order."""
    before = len(actions_so_far())
    sent.clear()
    call()
    assert all(sender is ScimUser for _, sender, _, _ in sent)
    return actions_so_far()[before:], [name for name, _, _, _ in sent]


def jane(org) -> ScimUser:
    return lifecycle.provision(org, profile(), ACTOR)


def updating(org, scim_user: ScimUser, **values: object):
    return lambda: lifecycle.update(org, scim_user.scim_id, profile(**values), ACTOR)


def test_provision_records_and_announces_once(org, sent):
    assert effects(sent, lambda: jane(org)) == (["provisioned"], ["user_provisioned"])
    [(_, _, kwargs, so_far)] = sent
    assert so_far[-1] == "provisioned"
    assert kwargs["invitation"] == Invitation.objects.get()
    assert kwargs["organization"] == org and kwargs["actor"] is ACTOR
    assert kwargs["scim_user"].membership == kwargs["membership"]


def test_update_records_what_changed_and_an_unchanged_profile_nothing(org, sent):
    member = jane(org)
    assert effects(sent, updating(org, member, given_name="Janet")) == (
        ["updated"],
        ["user_updated"],
    )
    [(_, _, kwargs, _)] = sent
    assert kwargs["changes"] == {"given_name": ("", "Janet")}
    assert kwargs["invitation"] is None
    assert effects(sent, updating(org, member, given_name="Janet")) == ([], [])


def test_deactivation_and_reactivation_record_and_announce_once(org, sent):
    member = jane(org)
    off = updating(org, member, active=False)
    on = updating(org, member, active=True)
    assert effects(sent, off) == (["deactivated"], ["user_deactivated"])
    assert AuditEvent.objects.order_by("id").last().changes == {"active": [True, False]}
    assert effects(sent, off) == ([], [])
    assert effects(sent, on) == (["reactivated"], ["user_reactivated"])
    [(_, _, kwargs, _)] = sent
    # Never accepted: a fresh invitation, the first one revoked.
    assert kwargs["invitation"] == Invitation.objects.get(status="pending")
    assert effects(sent, on) == ([], [])


def test_remove_deactivates_first_then_announces_the_removal(org, sent):
    member = jane(org)
    remove = lambda: lifecycle.remove(org, member.scim_id, ACTOR)  # noqa: E731
    assert effects(sent, remove) == (
        ["deactivated", "removed"],
        ["user_deactivated", "user_removed"],
    )
    assert not ScimUser.objects.exists()


def test_an_administrators_deactivation_of_an_unprovisioned_member(org, sent, make_member):
    membership = make_member(org, email="hand@acme.example")
    deactivate = lambda: lifecycle.deactivate_membership(membership, ACTOR, "left")  # noqa: E731
    assert effects(sent, deactivate) == (["deactivated"], ["user_deactivated"])
    [(_, _, kwargs, _)] = sent
    assert kwargs["scim_user"] is None and kwargs["membership"].pk == membership.pk
    assert kwargs["organization"] == org
    event = AuditEvent.objects.get()
    assert (event.user_name, event.reason) == ("hand@acme.example", "left")
    assert effects(sent, deactivate) == ([], [])


def test_accepting_records_and_announces_once_and_a_used_link_nothing(org, sent):
    member = jane(org)
    invitation = Invitation.objects.get()
    accept = lambda: acceptance.accept_invitation(invitation)  # noqa: E731
    assert effects(sent, accept) == (["accepted"], ["user_accepted"])
    [(_, _, kwargs, so_far)] = sent
    assert so_far[-1] == "accepted"
    assert kwargs["changes"] == {}
    assert kwargs["scim_user"].pk == member.pk and kwargs["scim_user"].accepted_at is not None
    assert kwargs["actor"].user == host.person(member.membership)
    assert effects(sent, accept) == ([], [])


def test_accepting_a_membership_that_awaited_consent_announces_the_access(
    org, other_org, make_member, sent
):
    make_member(other_org, email=EMAIL)
    member = jane(org)
    assert member.consent_pending and not host.active(member.membership)
    accept = lambda: acceptance.accept_invitation(Invitation.objects.get())  # noqa: E731
    assert effects(sent, accept) == (["accepted"], ["user_accepted"])
    [(_, _, kwargs, _)] = sent
    assert kwargs["changes"] == {"active": (False, True)}
    assert host.active(kwargs["membership"])


def provisioning(org):
    return lambda: jane(org)


def renaming(org):
    return updating(org, jane(org), given_name="Janet")


def deactivating(org):
    return updating(org, jane(org), active=False)


def reactivating(org):
    member = jane(org)
    updating(org, member, active=False)()
    return updating(org, member, active=True)


def removing(org):
    member = jane(org)
    return lambda: lifecycle.remove(org, member.scim_id, ACTOR)


def accepting(org):
    jane(org)
    invitation = Invitation.objects.get()
    return lambda: acceptance.accept_invitation(invitation)


# Each signal's call, once its member is set up.
CALLS = {
    "user_provisioned": provisioning,
    "user_updated": renaming,
    "user_deactivated": deactivating,
    "user_reactivated": reactivating,
    "user_removed": removing,
    "user_accepted": accepting,
}


def rows() -> tuple:
    """What a provisioning change can write, to compare before and after."""
    return (
        actions_so_far(),
        list(ScimUser.objects.values()),
        list(Invitation.objects.values()),
        list(host.memberships().values()),
    )


@pytest.mark.parametrize("name", USER_SIGNALS)
def test_a_receivers_failure_rolls_the_whole_change_back(org, name):
    """The change, its audit event and its signal are one transaction: a receiver that
    raises leaves nothing of the change behind."""

    def refuse(sender: type, **kwargs: object) -> None:
        raise Refused

    call = CALLS[name](org)
    before = rows()
    signal = getattr(signals, name)
    signal.connect(refuse)
    try:
        with pytest.raises(Refused):
            call()
    finally:
        signal.disconnect(refuse)
    assert rows() == before


def test_what_receivers_defer_waits_for_the_commit(org, django_capture_on_commit_callbacks):
    """The app's own receiver queues the invitation email with on_commit: inside the
    service's transaction nothing is sent, and a change that rolls back sends nothing."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        jane(org)
    assert callbacks and mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Refused),
        transaction.atomic(),
    ):
        lifecycle.provision(org, profile("joe@acme.example"), ACTOR)
        raise Refused
    assert callbacks == [] and len(mail.outbox) == 1
