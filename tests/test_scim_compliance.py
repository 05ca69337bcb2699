"""The external SCIM compliance checker, scim2-tester, against a live server of ours.

The product is served on a loopback port by pytest-django's ``live_server`` (a real HTTP
server thread on the test database); scim2-tester talks to it through scim2-client's
httpx2 engine exactly as it would to a deployment. It reads ``/ServiceProviderConfig``,
``/ResourceTypes`` and ``/Schemas``, builds its models from them, then creates, reads,
replaces, patches and deletes resources of each resource type named in
:data:`COMPLIANCE_RESOURCE_TYPES`.

Statuses ERROR (a MUST of RFC 7643/7644 broken) and CRITICAL fail the test. The summary is
printed so CI logs show it (run with ``-s`` or look at the captured output on failure).
See docs/compliance.md.
"""

from collections import Counter

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

pytestmark = pytest.mark.compliance

#: Resource types the checker exercises end to end. ``/ResourceTypes`` also advertises
#: Group; add "Group" here once ``/Groups`` is served.
COMPLIANCE_RESOURCE_TYPES = ["User"]

#: Checks excluded by title, each with the RFC reason (see docs/compliance.md). Empty.
EXCLUDED_CHECKS: dict[str, str] = {}

FAILING = (Status.ERROR, Status.CRITICAL)


def summarize(results):
    counts = Counter(result.status.name for result in results)
    lines = ["scim2-tester: " + ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))]
    for result in results:
        if result.status == Status.SUCCESS:
            continue
        where = f"[{result.resource_type}] " if result.resource_type else ""
        lines.append(f"  {result.status.name:<10} {where}{result.title}: {result.reason}")
    return "\n".join(lines)


@pytest.fixture
def scim_client(live_server, make_org, make_key):
    org = make_org("compliance", plan="enterprise", name="Compliance Inc.")
    _, key = make_key(org, name="scim2-tester")
    http = httpx2.Client(
        base_url=f"{live_server.url}/scim/v2",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    with http:
        yield SyncSCIMClient(http)


def test_scim2_tester_reports_no_error(scim_client):
    results = check_server(scim_client, resource_types=COMPLIANCE_RESOURCE_TYPES)
    results = [result for result in results if result.title not in EXCLUDED_CHECKS]
    summary = summarize(results)
    print(summary)
    failures = [result for result in results if result.status in FAILING]
    assert results, "scim2-tester ran no check"
    assert not failures, summary
