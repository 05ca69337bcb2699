#!/usr/bin/env python
"""SCIM load benchmark: PostgreSQL + Redis + gunicorn, on loopback only.

    python bench/scim_bench.py            # N = 100,000 users per organization (~4-5 minutes)
    python bench/scim_bench.py --quick    # N = 1,000 (under a minute)

One run:

1. creates a dedicated database (``cosmo_scim_bench``, dropped at the end), migrates it and
   seeds two Enterprise organizations of N users each (accounts.User, organizations.Membership,
   cosmo_scim.ScimUser and ScimUserEmail, set-based in SQL), plus a 1,000-user one so
   lookups can be compared at 1,000 and at N in the same run;
2. counts the SQL queries of each request kind in-process (Django's test ``Client`` against
   the same database, ``CaptureQueriesContext``), at 1,000 and at N users;
3. starts ``gunicorn cosmo_project.wsgi -w 2`` on 127.0.0.1 with production-like settings
   (DEBUG off, CONN_MAX_AGE=600, a Redis Celery broker);
4. drives each request kind for a fixed time with a few concurrent keep-alive clients,
   then runs an Okta-style import (``userName eq`` lookup, then POST, for M new users);
5. records each worker's VmHWM/VmRSS before and after, prints a table and writes JSON.

Every request goes to 127.0.0.1; every loop stops at a deadline and a request cap. The API
keys live in this process only: they are neither printed nor written to the JSON.
"""

import argparse
import http.client
import itertools
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "cosmo_scim_bench"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS_DB = 14
HOST = "127.0.0.1"
SCIM = "/scim/v2"
SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MAX_REQUESTS_PER_KIND = 200_000  # a hard cap on top of the duration


def bench_env(extra_hosts=()):
    env = {
        "DATABASE_URL": f"{PG}/{BENCH_DB}",
        "CONN_MAX_AGE": "600",
        "DEBUG": "0",
        "CELERY_BROKER_URL": f"redis://{HOST}:6379/{REDIS_DB}",
        "CACHE_URL": f"redis://{HOST}:6379/{REDIS_DB}",
        "ALLOWED_HOSTS": ",".join([HOST, *extra_hosts]),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "cosmo_project.settings",
        "SECRET_KEY": "bench-" + "x" * 50,
        # The benchmark measures how fast the server answers one key's requests, so the
        # rate limits (50 a second per key, 100 per organization by default,
        # docs/security.md) must not cap it.
        "SCIM_RATE_LIMIT": "1000000",
        "SCIM_ORGANIZATION_RATE_LIMIT": "1000000",
    }
    return env


# ------------------------------------------------------------------------------------------
# Database: create, migrate, seed
# ------------------------------------------------------------------------------------------


def admin_sql(statement):
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def create_database():
    admin_sql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {BENCH_DB}")


def drop_database():
    from django.db import connections

    connections.close_all()
    admin_sql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def setup_django():
    os.environ.update(bench_env(extra_hosts=["testserver"]))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def user_name(slug, i):
    # Stored mixed-case; the benchmark looks people up in lower case (caseExact false).
    return f"User{i:06d}@{slug.title()}.example"


def external_id(slug, i):
    return f"{slug}-ext-{i:06d}"


def seed_org(slug, n):
    """An Enterprise organization with n SCIM-provisioned members, and a SCIM key.

    The rows (accounts.User, organizations.Membership, cosmo_scim.ScimUser and ScimUserEmail,
    consistent with each other) are made set-based in PostgreSQL, ``INSERT ... SELECT`` over
    ``generate_series``, with table and column names taken from the models: the ORM's
    ``bulk_create`` needs ~130 s for 2 x 100,000 people on this machine (Python builds every
    instance and parameter), this takes seconds.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from cosmo_project.organizations.models import Membership, Organization
    from cosmo_scim.models import APIKey, ScimUser, ScimUserEmail

    org = Organization.objects.create(slug=slug, name=slug.title(), plan="enterprise")
    _, key = APIKey.objects.create_key(organization=org, name="bench", scim=True)

    def table(model):
        return connection.ops.quote_name(model._meta.db_table)

    def col(model, name):
        return connection.ops.quote_name(model._meta.get_field(name).column)

    User = get_user_model()
    U, M, S, E = User, Membership, ScimUser, ScimUserEmail
    number = "lpad(i::text, 6, '0')"
    # userName is stored mixed-case ("User000042@Big-A.example"); the login email lower-case.
    name_sql = f"'User' || {number} || '@{slug.title()}.example'"
    # The index i of a row, recovered from its login email ("user000042@big-a.example").
    index_of = f"substr(u.{col(U, 'email')}, 5, 6)::int"
    statements = [
        f"""INSERT INTO {table(U)} ({col(U, "email")}, {col(U, "first_name")},
            {col(U, "last_name")}, {col(U, "password")}, {col(U, "is_active")},
            {col(U, "is_staff")}, {col(U, "is_superuser")}, {col(U, "date_joined")})
            SELECT lower({name_sql}), 'Given' || i, 'Family' || i, '!bench-unusable',
            true, false, false, now() FROM generate_series(0, %(n)s - 1) AS i""",
        f"""INSERT INTO {table(M)} ({col(M, "user")}, {col(M, "organization")}, {col(M, "role")},
            {col(M, "is_active")}, {col(M, "created_at")}, {col(M, "updated_at")})
            SELECT u.{col(U, "id")}, %(org)s, 'developer', true, now(), now()
            FROM {table(U)} u WHERE u.{col(U, "email")} LIKE %(domain)s""",
        f"""INSERT INTO {table(S)} ({col(S, "scim_id")}, {col(S, "organization")},
            {col(S, "membership")}, {col(S, "user_name")}, {col(S, "external_id")},
            {col(S, "given_name")}, {col(S, "family_name")}, {col(S, "formatted_name")},
            {col(S, "display_name")}, {col(S, "title")}, {col(S, "locale")},
            {col(S, "preferred_language")}, {col(S, "employee_number")}, {col(S, "department")},
            {col(S, "manager_id")}, {col(S, "created")}, {col(S, "last_modified")},
            {col(S, "version")}, {col(S, "consent_pending")}, {col(S, "middle_name")},
            {col(S, "honorific_prefix")}, {col(S, "honorific_suffix")}, {col(S, "nick_name")},
            {col(S, "profile_url")}, {col(S, "user_type")}, {col(S, "time_zone")},
            {col(S, "cost_center")}, {col(S, "organization_name")}, {col(S, "division")},
            {col(S, "phone_numbers")}, {col(S, "ims")}, {col(S, "photos")},
            {col(S, "addresses")})
            SELECT gen_random_uuid()::text, %(org)s, m.{col(M, "id")},
            'User' || lpad(i::text, 6, '0') || '@{slug.title()}.example',
            %(slug)s || '-ext-' || lpad(i::text, 6, '0'), 'Given' || i, 'Family' || i, '',
            'Given' || i || ' Family' || i, '', '', '', i::text, 'Dept ' || (i %% 50), '',
            now(), now(), 1, false, '', '', '', '', '', 'Employee', 'Europe/Berlin',
            'CC-' || (i %% 20), 'Acme', 'Cloud',
            -- What Entra's default mapping sends: work and mobile numbers, a work address.
            jsonb_build_array(
                jsonb_build_object('value', '+49 30 ' || {number}, 'type', 'work'),
                jsonb_build_object('value', '+49 170 ' || {number}, 'type', 'mobile')),
            '[]'::jsonb, '[]'::jsonb,
            jsonb_build_array(jsonb_build_object('type', 'work', 'locality', 'Berlin',
                'postalCode', '10115', 'country', 'DE', 'streetAddress', 'Hauptstr. ' || i))
            FROM {table(M)} m JOIN {table(U)} u ON u.{col(U, "id")} = m.{col(M, "user")},
            LATERAL (SELECT {index_of} AS i) AS idx
            WHERE m.{col(M, "organization")} = %(org)s""",
        f"""INSERT INTO {table(E)} ({col(E, "scim_user")}, {col(E, "value")}, {col(E, "type")},
            {col(E, "primary")}, {col(E, "display")})
            SELECT s.{col(S, "id")}, s.{col(S, "user_name")}, 'work', true, ''
            FROM {table(S)} s WHERE s.{col(S, "organization")} = %(org)s""",
    ]
    params = {"n": n, "org": org.pk, "slug": slug, "domain": f"%@{slug}.example"}
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
    return org, key


def vacuum_analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# ------------------------------------------------------------------------------------------
# Request kinds
# ------------------------------------------------------------------------------------------


class Target:
    """What the request kinds of one organization need: key, size, ids."""

    def __init__(self, slug, n, key, scim_ids):
        self.slug, self.n, self.key, self.scim_ids = slug, n, key, scim_ids

    def headers(self):
        return {"Authorization": f"Bearer {self.key}", "Accept": SCIM_JSON}


def q(params):
    return "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def patch_body(active):
    return json.dumps(
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "value": {"active": active}}],
        }
    )


def new_user_body(slug, i):
    name = f"new{i:06d}@{slug}.example"
    return name, json.dumps(
        {
            "schemas": [USER_SCHEMA],
            "userName": name,
            "externalId": f"{slug}-new-{i:06d}",
            "name": {"givenName": f"New{i}", "familyName": "Hire"},
            "emails": [{"value": name, "type": "work", "primary": True}],
            "active": True,
            "password": "Okta-sends-one-1!",
        }
    )


def kinds_for(target, rng):
    """Request factories: each call returns (method, path, body, expected status)."""
    n, slug = target.n, target.slug
    deep_start = max(1, n - 100 + 1)

    def floor():
        return "GET", f"{SCIM}/ServiceProviderConfig", None, 200

    def list_first():
        return "GET", f"{SCIM}/Users" + q({"startIndex": 1, "count": 100}), None, 200

    def list_deep():
        return "GET", f"{SCIM}/Users" + q({"startIndex": deep_start, "count": 100}), None, 200

    pages = max(1, n // 100)
    walk = itertools.count(rng.randrange(pages))  # this client's own walk

    def list_walk():
        # Okta's import pages through /Users one page after the other (startIndex 1, 101,
        # 201, ...): each client is such a walker, from a random page on, wrapping around.
        start = 1 + 100 * (next(walk) % pages)
        return "GET", f"{SCIM}/Users" + q({"startIndex": start, "count": 100}), None, 200

    def list_deep_cold():
        # A page in the last tenth that no request asked for yet (almost never remembered).
        start = rng.randrange(max(1, n - n // 10), deep_start + 1)
        return "GET", f"{SCIM}/Users" + q({"startIndex": start, "count": 100}), None, 200

    def username_eq():
        name = user_name(slug, rng.randrange(n)).lower()
        return "GET", f"{SCIM}/Users" + q({"filter": f'userName eq "{name}"'}), None, 200

    def externalid_eq():
        ext = external_id(slug, rng.randrange(n))
        return "GET", f"{SCIM}/Users" + q({"filter": f'externalId eq "{ext}"'}), None, 200

    def email_eq():
        email = user_name(slug, rng.randrange(n)).upper()
        return "GET", f"{SCIM}/Users" + q({"filter": f'emails.value eq "{email}"'}), None, 200

    def get_by_id():
        return "GET", f"{SCIM}/Users/{rng.choice(target.scim_ids)}", None, 200

    return {
        "floor": floor,
        "list_first": list_first,
        "list_deep": list_deep,
        "list_walk": list_walk,
        "list_deep_cold": list_deep_cold,
        "username_eq": username_eq,
        "externalid_eq": externalid_eq,
        "email_eq": email_eq,
        "get_by_id": get_by_id,
    }


class PatchToggler:
    """PATCH deactivate / reactivate: each client owns a disjoint slice of users and flips
    each one's ``active`` (a deactivate, then a reactivate the next time round)."""

    def __init__(self, target, clients):
        self.target = target
        self.clients = clients
        self.cursor = [0] * clients
        self.state = {}

    def factory(self, client):
        ids = self.target.scim_ids[client :: self.clients]

        def make():
            scim_id = ids[self.cursor[client] % len(ids)]
            self.cursor[client] += 1
            active = not self.state.get(scim_id, True)
            self.state[scim_id] = active
            return "PATCH", f"{SCIM}/Users/{scim_id}", patch_body(active), 200

        return make


# ------------------------------------------------------------------------------------------
# Query counts (in-process, Django test client, same database)
# ------------------------------------------------------------------------------------------


def count_queries(target, label):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {target.key}")
    rng = random.Random(7)
    kinds = kinds_for(target, rng)
    extra = {
        "list_count1": lambda: ("GET", f"{SCIM}/Users?startIndex=1&count=1", None, 200),
        "list_count200": lambda: ("GET", f"{SCIM}/Users?startIndex=1&count=200", None, 200),
    }
    scim_id = target.scim_ids[0]
    name, body = new_user_body(f"qc-{label}", 0)

    def run(method, path, body, expected):
        with CaptureQueriesContext(connection) as captured:
            response = client.generic(method, path, body or "", content_type=SCIM_JSON)
        if response.status_code != expected:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.content[:300]}")
        return len(captured), captured.captured_queries

    run(*kinds["floor"]())  # the first request of a key may record last_used_at
    counts, sql = {}, {}
    for kind, make in {**kinds, **extra}.items():
        counts[kind], sql[kind] = run(*make())
    for kind, request in (
        ("patch_deactivate", ("PATCH", f"{SCIM}/Users/{scim_id}", patch_body(False), 200)),
        ("patch_reactivate", ("PATCH", f"{SCIM}/Users/{scim_id}", patch_body(True), 200)),
        (
            "import_lookup",
            ("GET", f"{SCIM}/Users" + q({"filter": f'userName eq "{name}"'}), None, 200),
        ),
        ("import_post", ("POST", f"{SCIM}/Users", body, 201)),
    ):
        counts[kind], sql[kind] = run(*request)
    return counts, sql


# ------------------------------------------------------------------------------------------
# gunicorn
# ------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(port, workers, headers):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(bench_env())
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "cosmo_project.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
            "--chdir",
            str(ROOT),
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited during startup")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", f"{SCIM}/ServiceProviderConfig", headers=headers)
            conn.getresponse().read()
            conn.close()
            workers_found = worker_pids(proc.pid)
            if len(workers_found) == workers:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop_gunicorn(proc)
    raise SystemExit("gunicorn did not start in 30 s")


def stop_gunicorn(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def worker_pids(master):
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return sorted(int(pid) for pid in text.split())


def memory(pid):
    """VmHWM (peak) and VmRSS of a process, in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = round(int(rest.split()[0]) / 1024, 1)
    return values


def peaks_of(pids):
    return [memory(pid)["VmHWM"] for pid in pids]


def gained_since(pids, peaks):
    """The largest peak-RSS growth of any worker since ``peaks`` were read, in MiB."""
    return max(now - then for now, then in zip(peaks_of(pids), peaks, strict=True))


# ------------------------------------------------------------------------------------------
# Load generator
# ------------------------------------------------------------------------------------------


class ClientThread(threading.Thread):
    def __init__(self, port, headers, make, deadline, cap, latencies, errors):
        super().__init__(daemon=True)
        self.port, self.headers, self.make = port, headers, make
        self.deadline, self.cap = deadline, cap
        self.latencies, self.errors = latencies, errors

    def run(self):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        while time.monotonic() < self.deadline and len(self.latencies) < self.cap:
            method, path, body, expected = self.make()
            headers = dict(self.headers)
            if body is not None:
                headers["Content-Type"] = SCIM_JSON
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"{method} {path}: {exc!r}")
                conn.close()
                continue
            elapsed = time.perf_counter() - started
            if response.status != expected:
                self.errors.append(f"{method} {path}: HTTP {response.status}")
            else:
                self.latencies.append(elapsed)
        conn.close()


def drive(port, headers, factories, duration, warmup=0.5):
    """Run one request factory per client until the deadline; latencies in seconds."""
    for phase, seconds in (("warmup", warmup), ("measure", duration)):
        latencies, errors = [], []
        deadline = time.monotonic() + seconds
        threads = [
            ClientThread(port, headers, make, deadline, MAX_REQUESTS_PER_KIND, latencies, errors)
            for make in factories
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 60)
        wall = time.perf_counter() - started
        if phase == "measure":
            return latencies, errors, wall
    raise AssertionError


def summarize(latencies, wall):
    if not latencies:
        return {"requests": 0}
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return {
        "requests": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "rps": round(len(ordered) / wall, 1),
    }


def okta_import(port, target, m, clients):
    """For M new users: GET filter userName eq (expect none), then POST. Returns stats."""
    headers = target.headers()
    pairs, errors = [], []
    lock = threading.Lock()
    todo = list(range(m))

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            with lock:
                if not todo:
                    break
                i = todo.pop()
            name, body = new_user_body(target.slug, i)
            started = time.perf_counter()
            try:
                path = f"{SCIM}/Users" + q({"filter": f'userName eq "{name}"'})
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                found = json.loads(response.read())
                if response.status != 200 or found.get("totalResults") != 0:
                    errors.append(f"lookup {response.status}")
                    continue
                conn.request(
                    "POST",
                    f"{SCIM}/Users",
                    body=body,
                    headers={**headers, "Content-Type": SCIM_JSON},
                )
                response = conn.getresponse()
                response.read()
                if response.status != 201:
                    errors.append(f"POST {response.status}")
                    continue
            except (OSError, http.client.HTTPException) as exc:
                errors.append(repr(exc))
                conn.close()
                continue
            pairs.append(time.perf_counter() - started)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    wall = time.perf_counter() - started
    stats = summarize(pairs, wall)
    stats["users_per_s"] = round(len(pairs) / wall, 1)
    stats["wall_s"] = round(wall, 2)
    return stats, errors


def profile_workers(pids, seconds, out_dir, kind):
    """py-spy on every worker while a kind runs (``--profile``)."""
    py_spy = Path(sys.executable).with_name("py-spy")
    procs = []
    for pid in pids:
        out = out_dir / f"profile-{kind}-{pid}.txt"
        procs.append(
            subprocess.Popen(
                [
                    str(py_spy),
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(int(seconds)),
                    "--rate",
                    "250",
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    return procs


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------


def machine_facts():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "platform": platform.platform(),
    }


def explain(
    sql_by_kind,
    kinds=("list_first", "list_deep", "username_eq", "email_eq", "externalid_eq", "get_by_id"),
):
    """EXPLAIN ANALYZE of the SELECTs the views sent (captured in the query-count pass),
    authentication's key lookup left out."""
    from django.db import connection

    plans = {}
    with connection.cursor() as cursor:
        for kind in kinds:
            plans[kind] = []
            for query in sql_by_kind[kind]:
                text = query["sql"]
                if not text.startswith("SELECT") or "cosmo_scim_apikey" in text:
                    continue
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + text)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                plans[kind].append({"sql": text, "plan": plan})
    return plans


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000, help="N users per organization")
    parser.add_argument("--quick", action="store_true", help="N = 1,000 and shorter runs")
    parser.add_argument("--duration", type=float, help="seconds per request kind (default 8)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved slices per kind")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--import-users", type=int, default=500, help="M for the import")
    parser.add_argument("--json", type=Path, help="where to write the results")
    parser.add_argument("--keep-db", action="store_true", help="keep cosmo_scim_bench")
    parser.add_argument("--profile", nargs="*", default=[], help="kinds to run py-spy on")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    args = parser.parse_args()
    n = 1000 if args.quick else args.users
    duration = args.duration or (4.0 if args.quick else 8.0)
    out = args.json or ROOT / "bench" / "results" / f"scim-{n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    create_database()
    setup_django()
    results = {
        "command": " ".join(["python", "bench/scim_bench.py", *sys.argv[1:]]),
        "users_per_org": n,
        "clients": args.clients,
        "gunicorn_workers": args.workers,
        "duration_per_kind_s": duration,
        "machine": machine_facts(),
    }
    gunicorn = None
    try:
        seeded = time.perf_counter()
        big = seed_org("big-a", n)
        seed_org("big-b", n)  # a second tenant of the same size: scoping is exercised
        small = seed_org("small", 1000) if n != 1000 else big
        vacuum_analyze()
        results["seed_s"] = round(time.perf_counter() - seeded, 1)
        results["seed_rows"] = (2 * n + (1000 if n != 1000 else 0)) * 4
        print(f"seeded 2 x {n:,} users (+1,000) in {results['seed_s']} s", flush=True)

        from cosmo_scim.models import ScimUser

        targets = {}
        for label, (org, key), size in (("N", big, n), ("1k", small, 1000)):
            ids = list(
                ScimUser.objects.filter(organization=org)
                .order_by("?")
                .values_list("scim_id", flat=True)[:4000]
            )
            targets[label] = Target(org.slug, size, key, ids)

        counts, sql = {}, {}
        for label in ("1k", "N"):
            counts[label], sql[label] = count_queries(targets[label], label)
        results["queries"] = counts
        results["explain"] = explain(sql["N"])
        if args.explain:
            for kind, plans in results["explain"].items():
                for entry in plans:
                    print(f"\n-- {kind}\n{entry['sql']}\n{entry['plan']}")
        from django.db import connections

        connections.close_all()

        port = free_port()
        gunicorn = start_gunicorn(port, args.workers, targets["N"].headers())
        pids = worker_pids(gunicorn.pid)
        results["rss_start_mib"] = {str(p): memory(p) for p in pids}

        rng = random.Random(42)
        rows = {}
        profile_dir = out.parent
        plan = [("N", kind) for kind in kinds_for(targets["N"], rng)]
        if n != 1000:
            plan += [
                ("1k", kind)
                for kind in ("list_first", "list_deep", "username_eq", "email_eq", "get_by_id")
            ]
        plan.append(("N", "patch_active"))
        # Each kind runs in `rounds` slices with the kinds interleaved, so a slow spell of
        # this shared machine falls on every kind alike instead of on whichever ran then:
        # the targets compare kinds with each other (ratios to the floor).
        factories_of = {}
        for label, kind in plan:
            target = targets[label]
            if kind == "patch_active":
                toggler = PatchToggler(target, args.clients)
                factories_of[label, kind] = [toggler.factory(c) for c in range(args.clients)]
            else:
                factories_of[label, kind] = [
                    kinds_for(target, random.Random(1000 + c))[kind] for c in range(args.clients)
                ]
        collected = {}
        rss_before = rss_warm = None
        rss_growth = {}  # MiB of peak RSS (VmHWM) gained while each kind ran, summed
        for round_ in range(args.rounds):
            for label, kind in plan:
                target = targets[label]
                name = kind if label == "N" else f"{kind}@1k"
                profilers = []
                if round_ == 0 and kind in args.profile and label == "N":
                    profilers = profile_workers(pids, duration / args.rounds + 1, profile_dir, kind)
                    time.sleep(1)
                peaks = peaks_of(pids)
                latencies, errors, wall = drive(
                    port,
                    target.headers(),
                    factories_of[label, kind],
                    duration / args.rounds,
                    warmup=0.5 if round_ == 0 else 0.1,
                )
                for p in profilers:
                    p.wait(timeout=30)
                if rss_before is None:  # after the floor's warm-up: every worker has served
                    rss_before = {str(p): memory(p) for p in pids}
                if round_ == 1 and rss_warm is None:  # every kind has run once
                    rss_warm = {str(p): memory(p) for p in pids}
                gained = gained_since(pids, peaks)
                rss_growth[name] = round(rss_growth.get(name, 0) + gained, 1)
                so_far = collected.setdefault(name, ([], [], 0.0))
                collected[name] = (so_far[0] + latencies, so_far[1] + errors, so_far[2] + wall)
        for name, (latencies, errors, wall) in collected.items():
            rows[name] = summarize(latencies, wall)
            rows[name]["errors"] = len(errors)
            if errors:
                print(f"  {name}: {len(errors)} errors, e.g. {errors[0]}", file=sys.stderr)
            print(f"  {name}: {rows[name]}", flush=True)
        results["rss_growth_by_kind_mib"] = {k: v for k, v in rss_growth.items() if v}

        peaks = peaks_of(pids)
        stats, errors = okta_import(port, targets["N"], args.import_users, args.clients)
        gained = gained_since(pids, peaks)
        if gained:
            results["rss_growth_by_kind_mib"]["okta_import"] = round(gained, 1)
        stats["errors"] = len(errors)
        if errors:
            print(f"  import: {len(errors)} errors, e.g. {errors[0]}", file=sys.stderr)
        rows["okta_import"] = stats
        print(f"  okta_import: {stats}", flush=True)
        results["rss_before_mib"] = rss_before
        results["rss_warm_mib"] = rss_warm or rss_before
        results["rss_after_mib"] = {str(p): memory(p) for p in pids}
        results["rows"] = rows
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn)
        try:
            import redis

            redis.Redis(host=HOST, port=6379, db=REDIS_DB).flushdb()
        except Exception as exc:
            print(f"could not flush Redis db {REDIS_DB}: {exc}", file=sys.stderr)
        if not args.keep_db:
            drop_database()

    results["total_s"] = round(time.perf_counter() - t0, 1)
    report(results)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


QUERY_KIND = {
    "patch_active": "patch_deactivate",
    "okta_import": None,
}


def report(results):
    rows, counts = results["rows"], results["queries"]
    floor = rows["floor"]["median_ms"]
    n = results["users_per_org"]
    print(
        f"\nN = {n:,} users per organization, {results['clients']} clients, "
        f"{results['gunicorn_workers']} gunicorn workers, {results['duration_per_kind_s']} s/kind"
    )
    header = (
        f"{'kind':<20}{'requests':>9}{'median ms':>11}{'p95 ms':>9}{'req/s':>9}"
        f"{'q@1k':>6}{'q@N':>6}{'x floor':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, row in rows.items():
        base = name.split("@")[0]
        if base == "okta_import":
            q1 = f"{counts['1k']['import_lookup']}+{counts['1k']['import_post']}"
            qn = f"{counts['N']['import_lookup']}+{counts['N']['import_post']}"
        else:
            key = QUERY_KIND.get(base, base)
            q1, qn = counts["1k"].get(key, "-"), counts["N"].get(key, "-")
        ratio = row["median_ms"] / floor if row.get("median_ms") else 0
        print(
            f"{name:<20}{row['requests']:>9}{row.get('median_ms', 0):>11}{row.get('p95_ms', 0):>9}"
            f"{row.get('rps', 0):>9}{q1!s:>6}{qn!s:>6}{ratio:>9.2f}"
        )
    imp = rows["okta_import"]
    print(f"\nOkta-style import: {imp['users_per_s']} users/s end to end ({imp['wall_s']} s)")
    print("\nqueries per request (1k / N):")
    for kind in counts["N"]:
        print(f"  {kind:<18}{counts['1k'][kind]:>4}{counts['N'][kind]:>4}")
    print("\nworker memory (MiB): start -> after the floor -> after every kind ran once -> end")
    for pid in results["rss_after_mib"]:
        s, b, w, a = (
            results[k][pid]
            for k in ("rss_start_mib", "rss_before_mib", "rss_warm_mib", "rss_after_mib")
        )
        print(
            f"  worker {pid}: VmHWM {s['VmHWM']} -> {b['VmHWM']} -> {w['VmHWM']} -> "
            f"{a['VmHWM']} (growth {round(a['VmHWM'] - b['VmHWM'], 1)} after the floor, "
            f"{round(a['VmHWM'] - w['VmHWM'], 1)} once warm), VmRSS {a['VmRSS']}"
        )
    growth = ", ".join(f"{k} {v}" for k, v in results["rss_growth_by_kind_mib"].items())
    print(f"  peak growth while each kind ran (MiB, summed over its slices): {growth or 'none'}")
    print(f"\ntotal {results['total_s']} s (seeding {results['seed_s']} s)")


if __name__ == "__main__":
    main()
