"""The guides cannot rot: every shell command in the setup guides runs here, the
integration tutorial (docs/integrate.md) runs end to end in a scratch project, and its
settings table matches cosmo_scim/conf.py.

The guides are the documents org admins follow step by step (GUIDES);
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
from xdist_workers import own_database

from cosmo_scim import conf, keys

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
GUIDES = ("okta.md", "entra.md", "security.md")
IDP_GUIDES = ("authentik.md", "jumpcloud.md", "pingfederate.md", "onelogin.md")
GUIDES += IDP_GUIDES
# The tutorial, run from `django-admin startproject` on (test_the_integration_tutorial_runs).
TUTORIAL = ROOT / "docs" / "integrate.md"


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
    for guide in ("okta.md", "entra.md", *IDP_GUIDES):
        assert by_guide[guide], f"{guide} has no sh command"
    steps = tutorial_steps(TUTORIAL)
    assert [kind for kind, *_ in steps].count("file") >= 5 and ("sh", "cd myproduct") in {
        (kind, step) for kind, _, step in steps
    }


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
    result = subprocess.run(
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
    result = subprocess.run(
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
    private_broker = re.sub(r"/\d+$", "", broker) + f"/{own_database(broker, 14)}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": private_broker,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
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


# -- the integration tutorial, end to end ------------------------------------------------------


def tutorial_steps(path):
    """The tutorial's steps in document order: ``("sh", line, command)`` for each command
    of a ```sh block, ``("file", path, text)`` for a ```python file=PATH block (written as
    shown), ``("append", path, text)`` for a ```python append=PATH block (added to the end
    of the file)."""
    steps, block, lines = [], None, []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        stripped = line.strip()
        if block is None:
            opening = re.fullmatch(r"```(\w+)(?:\s+(file|append)=(\S+))?", stripped)
            if opening:
                block, lines = (*opening.groups(), number), []
            continue
        if stripped != "```":
            lines.append(line)
            continue
        language, mode, target, start = block
        block = None
        if language == "sh":
            pending = ""
            for offset, text in enumerate(lines, 1):
                text = f"{pending} {text.strip()}".strip()
                if text.endswith("\\"):
                    pending = text[:-1].strip()
                    continue
                pending = ""
                if text and not text.startswith("#"):
                    steps.append(("sh", start + offset, text))
        elif mode:
            steps.append((mode, target, "\n".join(lines) + "\n"))
    return steps


class Inbox:
    """A real SMTP server's handler (aiosmtpd): keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"

    def to(self, address, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for recipients, message in self.messages:
                if address in recipients:
                    return message
            time.sleep(0.2)
        raise AssertionError(f"no email to {address}: {self.messages!r}")


def _free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Scratch:
    """A scratch directory where the tutorial's commands run, with the package installed
    as the tutorial installs it (and nothing of this checkout on the path)."""

    def __init__(self, root, smtp_port, app_port, broker):
        self.cwd = root
        self.site = root / "site"
        self.app_url = f"http://127.0.0.1:{app_port}"
        self.app_port = app_port
        self.background = []
        drop = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL", "PYTHONPATH"}
        self.env = {key: value for key, value in os.environ.items() if key not in drop}
        self.env.update(
            PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            PYTHONPATH=str(self.site),
            CELERY_BROKER_URL=broker,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            PUBLIC_BASE_URL=self.app_url,
            APP_URL=self.app_url,
        )

    def run(self, command):
        args = shlex.split(command)
        if args[0] == "cd":
            self.cwd = self.cwd / args[1]
            return ""
        if args[:4] == ["python", "-m", "pip", "install"]:
            import shutil

            shutil.copytree(
                ROOT,
                self.cwd / "cosmo-scim",
                ignore=shutil.ignore_patterns(
                    ".git",
                    ".venv",
                    "build",
                    "*.egg-info",
                    "__pycache__",
                    ".*_cache",
                    "test-artifacts",
                    "db.sqlite3",
                    "var",
                ),
            )
            command += f" --no-deps --quiet --target {self.site}"
        if args[0] == "celery" or args[2:3] == ["runserver"]:
            return self.start(command.replace("127.0.0.1:8000", f"127.0.0.1:{self.app_port}"))
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        if args[2:3] == ["create_api_key"]:
            self.env["SCIM_KEY"] = result.stdout.strip().splitlines()[-1]
        return result.stdout

    def start(self, command):
        """A server the tutorial starts and leaves running: up once it says so (Celery)
        or answers (runserver). Beat is only started: it has nothing due. Output goes to
        a log file, which a full pipe can never block."""
        log = self.cwd / f"background-{len(self.background)}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                ["bash", "-c", f"exec {command}"],
                cwd=self.cwd,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # runserver's reloader, the worker's pool: one group
            )
        self.background.append(process)
        ready = READY["worker" if " worker" in command else "beat"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if "runserver" in command and self.answers():
                return ""
            if "runserver" not in command and ready in log.read_text():
                return ""
            time.sleep(0.3)
        raise AssertionError(f"{command} did not start:\n{log.read_text()}")

    def answers(self):
        import urllib.error
        import urllib.request

        try:
            urllib.request.urlopen(f"{self.app_url}/admin/login/", timeout=2)
            return True
        except (urllib.error.URLError, ConnectionError):
            return False

    def stop(self):
        import signal

        for process in self.background:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _accept(app_url, link, password):
    """Accept the invitation as a browser would: the page, its CSRF token, the form."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(link, timeout=10).read().decode()
    fields = dict(re.findall(r'name="(csrfmiddlewaretoken|token)" value="([^"]+)"', page))
    fields.update(new_password1=password, new_password2=password)
    landed = opener.open(
        f"{app_url}/invitations/accept/", urllib.parse.urlencode(fields).encode(), timeout=10
    )
    return landed.geturl(), landed.read().decode()


@pytest.mark.processes
@pytest.mark.redis
def test_the_integration_tutorial_runs(tmp_path):
    """docs/integrate.md from `django-admin startproject` to an Okta-shaped POST /Users: the
    files as shown, the commands in order, a real worker, a real SMTP server; the person
    accepts the invitation and lands on the product's page, a member."""
    from aiosmtpd.controller import Controller

    inbox, smtp_port = Inbox(), _free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    scratch = Scratch(tmp_path, smtp_port, _free_port(), os.environ["CELERY_BROKER_URL"])
    outputs = []
    try:
        for kind, where, step in tutorial_steps(TUTORIAL):
            if kind == "sh":
                outputs.append(scratch.run(step))
                continue
            target = scratch.cwd / where
            assert kind == "file" or target.exists(), f"{where}: nothing to append to"
            with target.open("a" if kind == "append" else "w") as file:
                file.write(("\n" if kind == "append" else "") + step)
        assert "Your organizations" not in "".join(outputs)
        assert inbox.to("admin@acme.example")  # sendtestemail, through the real server
        invitation = inbox.to("jane@acme.example")
        link = re.search(
            r"https?://\S+/invitations/[\w-]+/", invitation.get_body(("plain",)).get_content()
        ).group(0)
        assert link.startswith(scratch.app_url)
        landed_at, page = _accept(scratch.app_url, link, "stellar-nebula-42")
        assert landed_at == f"{scratch.app_url}/" and page == "Your organizations: Acme"
        assert (scratch.cwd / "staticfiles" / "admin" / "css" / "base.css").exists()
    finally:
        scratch.stop()
        smtp.stop()


def test_security_lists_the_input_limits_the_code_enforces():
    """docs/security.md's "Input limits": each named constant with its value, each User
    attribute's value count, and the string attributes (sub-attributes included) whose
    length is not 255 characters."""
    from cosmo_scim.protocol import limits
    from cosmo_scim.protocol.filters import syntax
    from cosmo_scim.scim.user_attributes import COLUMNS, MULTI_VALUED

    text = (ROOT / "docs" / "security.md").read_text()
    section = text.split("## Input limits", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| [^|`]*`(MAX_\w+)` \| ([\d,]+)", section, re.M))
    documented = {name: int(value.replace(",", "")) for name, value in rows.items()}
    assert documented == {
        "MAX_BODY_BYTES": limits.MAX_BODY_BYTES,
        "MAX_DEPTH": limits.MAX_DEPTH,
        "MAX_OPERATIONS": limits.MAX_OPERATIONS,
        "MAX_VALUES": limits.MAX_VALUES,
        "MAX_VALUES_BY_ATTRIBUTE": limits.MAX_VALUES_BY_ATTRIBUTE["members"],
        "MAX_FILTER_LENGTH": syntax.MAX_FILTER_LENGTH,
    }
    assert f"{syntax.MAX_NESTING} levels of parentheses, {syntax.MAX_TERMS} comparisons" in section
    values_row = next(line for line in section.splitlines() if "`MAX_VALUES`" in line)
    for attribute in MULTI_VALUED:
        assert re.search(rf"`{attribute.path}`[^0-9|]*{attribute.max_values}\b", values_row)
    lengths = {column.label: column.max_length for column in COLUMNS}
    for attribute in MULTI_VALUED:
        lengths.update({f"{attribute.path}.{c.path}": c.max_length for c in attribute.columns})
    exceptions = {name: length for name, length in lengths.items() if length != 255}
    sentence = " ".join(section.split("String lengths are the columns'", 1)[1].split())
    sentence = sentence.split("never truncated", 1)[0]
    for name, length in exceptions.items():
        assert re.search(rf"`{re.escape(name)}`[^()]*\({length}\)", sentence), name
    mentioned = set(re.findall(r"`([\w.]+)`", sentence))
    assert mentioned <= set(exceptions), mentioned - set(exceptions)
