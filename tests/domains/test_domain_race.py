"""Two organizations verifying one domain at the same moment, on PostgreSQL: exactly one
wins, the other is refused in words (never an IntegrityError or a 500), both records being
published. The check before the write cannot see an uncommitted verification; the partial
unique constraint refuses the second write, and the service turns that into the refusal."""

import threading

import pytest
from django.db import connection

from cosmo_scim.models import AuditEvent, VerifiedDomain
from cosmo_scim.provisioning import domains
from cosmo_scim.provisioning.lifecycle import Actor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 12


def claims_with_both_records(dns_zone, organizations, domain):
    claims = [domains.claim(organization, domain)[0] for organization in organizations]
    dns_zone.publish(claims[0].txt_name, *(claim.txt_value for claim in claims))
    return claims


def in_threads(*calls):
    """Run the calls at once (a barrier), each on its own connection: their results."""
    start = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        start.wait()
        try:
            results[index] = call()
        except Exception as error:  # an escaping error is the failure this test looks for
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.usefixtures("needs_postgres")
def test_racing_verifications_one_wins(org, other_org, dns_zone):
    for round_ in range(ROUNDS):
        domain = f"race{round_}.example"
        claims = claims_with_both_records(dns_zone, (org, other_org), domain)
        outcomes = in_threads(
            *(lambda claim=claim: domains.verify(claim, Actor(via="race")) for claim in claims)
        )
        assert sorted(outcome.result for outcome in outcomes) == ["found", "taken"], outcomes
        winner = next(outcome for outcome in outcomes if outcome.verified).domain.organization_id
        assert list(
            VerifiedDomain.objects.verified()
            .filter(domain=domain)
            .values_list("organization_id", flat=True)
        ) == [winner]
        loser = next(outcome for outcome in outcomes if not outcome.verified)
        assert "verified by another organization" in loser.message
    events = AuditEvent.objects.values_list("action", flat=True)
    assert sorted(set(events)) == ["domain_refused", "domain_verified"]
    assert len(events) == 2 * ROUNDS


@pytest.mark.usefixtures("needs_postgres")
def test_the_constraint_refuses_a_verification_committed_in_between(
    org, other_org, dns_zone, monkeypatch
):
    """A's verification has written but not committed when B's check looks: B sees
    nothing, writes, waits on the unique index, and is refused once A commits."""
    ours, theirs = claims_with_both_records(dns_zone, (org, other_org), "acme.example")
    written, commit = threading.Event(), threading.Event()
    record = domains.audit.record_domain

    def record_then_wait(action, claim, actor, reason=""):
        event = record(action, claim, actor, reason=reason)
        if claim.organization_id == org.pk:
            written.set()
            assert commit.wait(30)
        return event

    monkeypatch.setattr(domains.audit, "record_domain", record_then_wait)
    results = {}

    def verify(name, claim):
        try:
            results[name] = domains.verify(claim, Actor(via=name))
        finally:
            connection.close()

    first = threading.Thread(target=verify, args=("ours", ours))
    first.start()
    assert written.wait(30)
    second = threading.Thread(target=verify, args=("theirs", theirs))
    second.start()
    _wait_for_a_backend_blocked_on_a_lock()
    commit.set()
    first.join()
    second.join()
    assert results["ours"].result == "found"
    assert results["theirs"].result == "taken"
    assert VerifiedDomain.objects.covers(org, "ann@acme.example")
    assert not VerifiedDomain.objects.covers(other_org, "bob@acme.example")


def _wait_for_a_backend_blocked_on_a_lock():
    """Until PostgreSQL shows the second verification waiting for the first's lock (the
    unique index entry A holds); at most 30 s, then the test fails."""
    import time

    for _ in range(600):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    pytest.fail("the second verification never waited for the first")
