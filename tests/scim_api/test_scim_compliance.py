"""The external SCIM compliance checker, scim2-tester, against a live server of ours.

The product is served on a loopback port by pytest-django's ``live_server`` (a real HTTP
server thread on the test database); scim2-tester talks to it through scim2-client's
httpx2 engine exactly as it would to a deployment. It reads ``/ServiceProviderConfig``,
``/ResourceTypes`` and ``/Schemas``, builds its models from them, then creates, reads,
replaces, patches and deletes resources of each resource type named in
:data:`COMPLIANCE_RESOURCE_TYPES`.

Statuses ERROR (a MUST of RFC 7643/7644 broken) and CRITICAL fail the test. The summary
(counts by status, then every result that is not a SUCCESS) is printed past pytest's
capture, so every CI log shows it. See docs/compliance.md.
"""

from collections import Counter

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

pytestmark = pytest.mark.compliance

#: Resource types the checker exercises end to end: every one ``/ResourceTypes`` advertises.
#: Remove one here only while its endpoint is not served.
COMPLIANCE_RESOURCE_TYPES = ["User", "Group"]

#: Checks whose expectation contradicts RFC 7643/7644, as ``(resource type or None, check
#: title) -> reason citing the RFC``. Excluded results still appear in the printed summary,
#: marked EXCLUDED. Keep it empty unless the RFC is on our side (see docs/compliance.md).
EXCLUDED_CHECKS: dict[tuple[str | None, str], str] = {}

FAILING = (Status.ERROR, Status.CRITICAL)


def excluded(result):
    return EXCLUDED_CHECKS.get((result.resource_type, result.title))


def summarize(results):
    counts = Counter(result.status.name for result in results)
    lines = ["scim2-tester: " + ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))]
    for result in results:
        if result.status == Status.SUCCESS:
            continue
        where = f"[{result.resource_type}] " if result.resource_type else ""
        status = result.status.name + (" (EXCLUDED)" if excluded(result) else "")
        lines.append(f"  {status:<10} {where}{result.title}: {result.reason}")
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


def test_scim2_tester_reports_no_error(scim_client, capsys):
    results = check_server(scim_client, resource_types=COMPLIANCE_RESOURCE_TYPES)
    summary = summarize(results)
    with capsys.disabled():  # in the CI log even when the test passes
        print(f"\n{summary}")
    failures = [r for r in results if r.status in FAILING and not excluded(r)]
    assert not failures, summary
    # Every check runs: root POST /.search is served, so search_with_attributes is not
    # skipped for either resource type.
    assert not [r for r in results if r.status == Status.SKIPPED], summary
    for resource_type in COMPLIANCE_RESOURCE_TYPES:
        checked = [r for r in results if r.resource_type == resource_type]
        assert any(r.status == Status.SUCCESS for r in checked), (
            f"scim2-tester ran no successful check on {resource_type}\n{summary}"
        )
