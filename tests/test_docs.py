"""The guides cannot rot: every shell command in the setup guides runs here, and the
settings table of docs/integrate.md matches cosmo_scim/conf.py.

The guides are the documents org admins and integrating teams follow step by step (GUIDES);
docs/performance.md's benchmark commands are run by hand, minutes each, and are not among
them. Commands are read from the guides' fenced ``sh`` blocks. Each kind of command has a
runner below; a command of a kind with no runner fails the suite, so a new guide command
comes with a way to run it.
"""

import os
import re
import shlex
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from cosmo_scim import conf, keys

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
GUIDES = ("okta.md", "entra.md", "integrate.md", "security.md")


def shell_commands(path):
    """``(line number, command)`` of each command in the file's ```sh blocks."""
    found, in_sh, pending = [], False, None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        fence = line.strip().startswith("```")
        if not in_sh:
            in_sh = fence and line.strip() == "```sh"
            continue
        if fence:
            in_sh = False
            continue
        text = line.strip()
        if pending:
            start, head = pending
            text, pending = f"{head} {text}", None
            number = start
        if text.endswith("\\"):
            pending = (number, text[:-1].strip())
            continue
        if text and not text.startswith("#"):
            found.append((number, text))
    return found


COMMANDS = [
    pytest.param(name, command, id=f"{name}:{number}")
    for name in GUIDES
    for number, command in shell_commands(ROOT / "docs" / name)
]


def test_the_guides_have_commands():
    by_guide = {name: [c for c in COMMANDS if c.values[0] == name] for name in GUIDES}
    for guide in ("okta.md", "entra.md", "integrate.md"):
        assert by_guide[guide], f"{guide} has no sh command"


def test_the_readme_links_every_guide():
    readme = (ROOT / "README.md").read_text()
    for doc in DOCS:
        assert f"(docs/{doc.name})" in readme, f"README does not link docs/{doc.name}"


def _expected_default(name, default):
    if name in conf.REQUIRED:
        return "required"
    return f'`"{default}"`' if isinstance(default, str) else f"`{default!r}`"


def test_integrate_documents_every_setting_with_its_default():
    text = (ROOT / "docs" / "integrate.md").read_text()
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| ([^|]+?) \|", text, flags=re.MULTILINE))
    assert set(rows) == set(conf.DEFAULTS), "the table and conf.DEFAULTS list other keys"
    for name, default in conf.DEFAULTS.items():
        assert rows[name] == _expected_default(name, default), name


# -- running the commands ---------------------------------------------------------------------


@pytest.fixture
def guide_world(org, make_key, make_member):
    """What the guides assume: Acme on Enterprise, with a SCIM key and a hand-added member."""
    make_member(org, email="hand@acme.example")
    return {"scim_key": make_key(org, name="Docs")[1]}


def run_manage(args, world, request):
    out = StringIO()
    call_command(*args, stdout=out)
    output = out.getvalue()
    if args[0] == "create_api_key":
        api_key = keys.authenticate(f"Bearer {output.strip().splitlines()[-1]}")
        assert api_key.scim == ("--scim" in args)
    elif args[0] == "sendtestemail":
        assert [m.to for m in mail.outbox] == [[args[1]]]
    elif args[0] == "scim_orphans":
        assert "hand@acme.example" in output


def run_curl(command, world, request):
    live_server = request.getfixturevalue("live_server")
    env = {**os.environ, "COSMO_URL": live_server.url, "SCIM_KEY": world["scim_key"]}
    result = subprocess.run(  # noqa: S603 (our own documented command)
        ["bash", "-c", command], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


def run_pip_install(args, world, request, tmp_path):
    """Install a copy of the checkout as the guide says, into a scratch directory (not this
    venv), and check that the package carries its templates and migrations."""
    import shutil

    shutil.copytree(
        ROOT,
        tmp_path / "cosmo-scim",
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "test-artifacts"
        ),
    )
    target = tmp_path / "site"
    result = subprocess.run(  # noqa: S603
        [sys.executable, *args[1:], "--no-deps", "--quiet", "--target", str(target)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    package = target / "cosmo_scim"
    assert (package / "migrations" / "0001_initial.py").exists()
    assert (package / "templates" / "admin" / "cosmo_scim" / "apikey" / "key_created.html").exists()


READY = {"worker": " ready.", "beat": "beat: Starting..."}


def run_celery(args, world, request, tmp_path):
    """Start the worker or beat as documented, wait until it says it is up, stop it. It
    gets a broker database of its own and this test's database, and the broker database is
    emptied afterwards, so nothing it queued reaches other tests. It runs in a scratch
    directory, where beat keeps its schedule file, with the checkout on its path."""
    broker = os.environ.get("CELERY_BROKER_URL")
    if not broker:
        pytest.skip("needs CELERY_BROKER_URL (a reachable Redis)")
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("a separate process cannot share this test database")
    database_url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**settings_dict)
    private_broker = re.sub(r"/\d+$", "", broker) + "/14"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": private_broker,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "celery"), *args[1:]],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if READY[args[3]] in line:
                break
        assert any(READY[args[3]] in line for line in output), "".join(output)
    finally:
        # Read what it still writes while it shuts down, so a full pipe cannot hold it up;
        # past the grace period it is killed: only its start was under test.
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        import redis

        redis.Redis.from_url(private_broker).flushdb()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("doc", "command"), COMMANDS)
def test_documented_command_runs(doc, command, guide_world, request, tmp_path):
    args = shlex.split(command)
    if args[:2] == ["python", "manage.py"]:
        run_manage(args[2:], guide_world, request)
    elif args[0] == "curl":
        run_curl(command, guide_world, request)
    elif args[:4] == ["python", "-m", "pip", "install"]:
        run_pip_install(args, guide_world, request, tmp_path)
    elif args[:3] == ["celery", "-A", "cosmo_project"] and args[3] in READY:
        run_celery(args, guide_world, request, tmp_path)
    else:
        pytest.fail(f"{doc}: no runner for {command!r}; add one to tests/test_docs.py")
