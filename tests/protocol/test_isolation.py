"""The protocol package is SCIM alone: none of its modules imports a cosmo_scim model or
service, so it loads with minimal settings (no cosmo_scim app installed) and its rules can be
read and tested without the product."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import cosmo_scim.protocol

PACKAGE = Path(cosmo_scim.protocol.__file__).parent
ROOT = PACKAGE.parent.parent


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _imported(module, path):
    """The absolute names of the modules ``path`` imports."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def test_protocol_modules_import_nothing_of_cosmo_scim_outside_it():
    for module, path in _modules():
        for name in _imported(module, path):
            if name.startswith("cosmo_scim"):
                inside = name == "cosmo_scim.protocol" or name.startswith("cosmo_scim.protocol.")
                assert inside, f"{module} imports {name}"


def test_protocol_modules_form_no_import_cycle():
    modules = dict(_modules())
    graph = {
        module: {name for name in _imported(module, path) if name in modules and name != module}
        for module, path in modules.items()
    }
    done, visiting = set(), []

    def visit(module):
        assert module not in visiting, " -> ".join([*visiting, module])
        if module in done:
            return
        visiting.append(module)
        for imported in graph[module]:
            visit(imported)
        visiting.pop()
        done.add(module)

    for module in graph:
        visit(module)


def test_protocol_loads_without_the_cosmo_scim_app():
    """Every module imported in a fresh interpreter whose settings install contrib.auth only:
    afterwards no cosmo_scim module but the protocol package (and its parent) is loaded."""
    modules = [module for module, _ in _modules()]
    script = (
        "import django, importlib, sys\n"
        "django.setup()\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('cosmo_scim')))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings_filters"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    loaded = set(ast.literal_eval(result.stdout.strip().splitlines()[-1]))
    assert loaded == {"cosmo_scim", *modules}
