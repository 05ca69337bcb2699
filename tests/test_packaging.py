"""The package a Django team installs: its metadata, and the built wheel installed into a
fresh virtual environment, where a new project with models of its own, Django's auth.User
and its own Celery app (nothing of Cosmo) passes ``manage.py check``, migrates, renders the
app's templates and provisions a user over SCIM, whose invitation names that project."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def requirement(name):
    (spec,) = [d for d in PROJECT["dependencies"] if d.split(">")[0].split("=")[0] == name]
    return spec


def test_the_license_is_an_spdx_expression_with_its_file():
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"])  # PEP 639


def test_the_long_description_is_the_packages_own_readme():
    readme = (ROOT / PROJECT["readme"]).read_text()
    assert PROJECT["readme"] != "README.md"
    for demo_word in ("make demo", "DATABASE_URL", "cosmo_project", "seed_demo"):
        assert demo_word not in readme


def test_django_range_and_classifiers_cover_the_versions_ci_tests():
    """The oldest run of .ci/django-matrix installs each dependency's floor; the range must
    start there and leave the next Django open."""
    assert requirement("Django") == "Django>=5.2"
    assert "Framework :: Django :: 5.2" in PROJECT["classifiers"]
    assert "Framework :: Django" in PROJECT["classifiers"]
    assert "Programming Language :: Python :: 3.11" in PROJECT["classifiers"]
    matrix = (ROOT / ".ci" / "django-matrix").read_text()
    assert "pyproject.toml" in matrix and "oldest" in matrix and "newest" in matrix


def test_celery_comes_without_a_transport():
    assert requirement("celery") == "celery>=5.3"
    assert not any("[" in d for d in PROJECT["dependencies"])
    # Cosmo, a host with Redis, installs the transport itself.
    assert "celery[redis]==" in (ROOT / "requirements.txt").read_text()


def test_urls_and_authors_are_declared():
    assert PROJECT["authors"]
    assert {"Homepage", "Documentation", "Changelog", "Issues"} <= set(PROJECT["urls"])
    assert all(url.startswith("https://") for url in PROJECT["urls"].values())


# -- the wheel in a fresh virtual environment ---------------------------------------------

MODELS = """
from django.conf import settings
from django.db import models


class Workspace(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    plan = models.CharField(max_length=20, default="enterprise")

    def __str__(self):
        return self.name


class Member(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    organization = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    is_active = models.BooleanField(default=True)
    role = models.CharField(
        max_length=20, default="viewer", choices=[("admin", "Admin"), ("viewer", "Viewer")]
    )


class Squad(models.Model):
    organization = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Member, blank=True)
"""

# Django's stock auth.User takes the username first; this host logs people in by email.
ADAPTER = """
from django.contrib.auth import get_user_model

from cosmo_scim.host import HostAdapter


class TinyAdapter(HostAdapter):
    def create_person(self, *, email, given_name, family_name):
        return get_user_model().objects.create_user(
            username=email, email=email, first_name=given_name, last_name=family_name
        )
"""

SETTINGS = """
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "packaging-test-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "cosmo_scim.apps.OrgAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "tinyhost",
    "cosmo_scim",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cosmo_scim.middleware.SessionIndexMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tiny.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
PUBLIC_BASE_URL = "https://tiny.example"
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "outbox"
CELERY_TASK_ALWAYS_EAGER = True
COSMO_SCIM = {
    "ORGANIZATION_MODEL": "tinyhost.Workspace",
    "MEMBERSHIP_MODEL": "tinyhost.Member",
    "TEAM_MODEL": "tinyhost.Squad",
    "HOST_ADAPTER": "tinyhost.adapter.TinyAdapter",
    "PRODUCT_NAME": "Tiny",
    "API_KEY_PREFIX": "tiny_",
}
"""

URLS = """
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("scim/v2/", include("cosmo_scim.urls")),
    path("invitations/", include("cosmo_scim.invitations.urls")),
]
"""

# The standard Celery recipe: the app in the project package, configured from settings.
CELERY = """
from celery import Celery

app = Celery("tiny")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
"""

# Run in the project: where the package came from, that the templates render, that a key
# made under this host's marker authenticates, that an IdP's POST sends the invitation with
# this host's name and address, and that no broker client was forced in.
PROBE = """
import importlib.util, json
import django
django.setup()
import cosmo_scim
from django.template.loader import get_template
from cosmo_scim import keys
from cosmo_scim.models import APIKey
from tinyhost.models import Workspace

print(cosmo_scim.__file__)
import pathlib
assert (pathlib.Path(cosmo_scim.__file__).parent / "py.typed").is_file(), "no py.typed (PEP 561)"
get_template("admin/cosmo_scim/apikey/key_created.html")
get_template("cosmo_scim/email/invitation.html")
get_template("cosmo_scim/invitations/accept.html")
workspace = Workspace.objects.create(slug="w", name="W")
_, key = APIKey.objects.create_key(organization=workspace, name="IdP", scim=False)
assert key.startswith("tiny_"), key
assert keys.authenticate("Bearer " + key).organization == workspace

from django.conf import settings
from django.test import Client
_, scim_key = APIKey.objects.create_key(organization=workspace, name="Okta", scim=True)
response = Client().post(
    "/scim/v2/Users",
    json.dumps({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "jane@tiny.example",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"value": "jane@tiny.example", "primary": True}],
    }),
    content_type="application/scim+json",
    HTTP_AUTHORIZATION="Bearer " + scim_key,
)
assert response.status_code == 201, response.content
(sent,) = settings.EMAIL_FILE_PATH.iterdir()
text = sent.read_text()
assert "Subject: W invites you to join them on Tiny" in text, text
assert "https://tiny.example/" in text, text
assert importlib.util.find_spec("redis") is None, "celery pulled in a transport"
print("probe ok")
"""


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.packaging
def test_the_wheel_installs_into_a_fresh_venv_and_serves_a_new_project(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "var", "*.sqlite3"
        ),
    )
    run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", "dist", "."],
        cwd=source,
    )
    (wheel,) = (source / "dist").glob("cosmo_scim-*.whl")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "--quiet", str(wheel)])
    metadata = run(
        [python, "-c", "import importlib.metadata as m; print(m.metadata('cosmo-scim'))"]
    )
    assert "License-Expression: MIT" in metadata
    assert "Classifier: Framework :: Django :: 5.2" in metadata
    assert "Requires-Dist: celery>=5.3" in metadata

    project = tmp_path / "project"
    (project / "tinyhost" / "migrations").mkdir(parents=True)
    (project / "tiny").mkdir()
    (project / "tinyhost" / "__init__.py").touch()
    (project / "tinyhost" / "migrations" / "__init__.py").touch()
    (project / "tinyhost" / "models.py").write_text(MODELS)
    (project / "tinyhost" / "adapter.py").write_text(ADAPTER)
    (project / "tiny" / "__init__.py").write_text("from .celery import app as celery_app\n")
    (project / "tiny" / "celery.py").write_text(CELERY)
    (project / "tiny" / "settings.py").write_text(SETTINGS)
    (project / "tiny" / "urls.py").write_text(URLS)
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "tiny.settings",
        "PYTHONPATH": str(project),
    }
    django_admin = [python, "-m", "django"]
    run([*django_admin, "makemigrations", "tinyhost"], cwd=project, env=env)
    run([*django_admin, "check", "--fail-level", "WARNING"], cwd=project, env=env)
    run([*django_admin, "migrate", "--no-input"], cwd=project, env=env)
    installed_at, verdict = run([python, "-c", PROBE], cwd=project, env=env).splitlines()
    assert installed_at.startswith(str(venv)), installed_at
    assert verdict == "probe ok"
