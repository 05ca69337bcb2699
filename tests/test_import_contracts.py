"""The import contracts make lint checks: the module-cycle contract finds what import-linter's
own contracts miss, and docs/architecture.md's layer table is the layers contract."""

import re
import tomllib
from pathlib import Path

from grimp import ImportGraph

from tests.import_contracts import AcyclicModulesContract

ROOT = Path(__file__).parents[1]


def _graph(*imports: tuple[str, str, int]) -> ImportGraph:
    graph = ImportGraph()
    graph.add_module("pkg")
    for importer, imported, line in imports:
        graph.add_import(
            importer=importer, imported=imported, line_number=line, line_contents="import"
        )
    return graph


def _check(graph: ImportGraph, **options: object) -> list[list[tuple[str, str, str]]]:
    contract = AcyclicModulesContract(
        name="no module cycles",
        session_options={"root_packages": ["pkg"]},
        contract_options={"packages": ["pkg"], **options},
    )
    check = contract.check(graph, verbose=False)
    assert check.kept is (not check.metadata["cycles"])
    return check.metadata["cycles"]


def test_a_circle_through_a_package_init_is_a_cycle() -> None:
    # The shape invitations/__init__.py had: the package imports a module of its own at its
    # bottom, which imports the package back; acyclic_siblings compares children only.
    graph = _graph(("pkg", "pkg.delivery", 231), ("pkg.delivery", "pkg", 47))
    graph.add_module("pkg.views")
    assert _check(graph) == [[("pkg", "pkg.delivery", "231"), ("pkg.delivery", "pkg", "47")]]


def test_a_longer_circle_is_named_import_by_import() -> None:
    graph = _graph(
        ("pkg.scope", "pkg.scoped_admin", 9),
        ("pkg.scoped_admin", "pkg.organization_filter", 11),
        ("pkg.organization_filter", "pkg.scope", 23),
        ("pkg.api_keys", "pkg.scoped_admin", 28),
    )
    assert _check(graph) == [
        [
            ("pkg.organization_filter", "pkg.scope", "23"),
            ("pkg.scope", "pkg.scoped_admin", "9"),
            ("pkg.scoped_admin", "pkg.organization_filter", "11"),
        ]
    ]


def test_imports_that_go_one_way_keep_it() -> None:
    graph = _graph(("pkg.views", "pkg.services", 3), ("pkg.services", "pkg.models", 5))
    assert _check(graph) == []


def test_an_ignored_import_is_left_out_of_the_graph() -> None:
    graph = _graph(("pkg.host", "pkg.profile", 38), ("pkg.profile", "pkg.host", 11))
    assert _check(graph, ignore_imports=["pkg.host -> pkg.profile"]) == []


def test_the_layer_table_is_the_layers_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    doc = (ROOT / "docs" / "architecture.md").read_text()
    section = doc.split("## Layers, and which way the imports go")[1].split("```")[0]
    first_cells = [
        line[2:].split(" | ")[0] for line in section.splitlines() if line.startswith("| `")
    ]
    assert [re.sub(r"[`/\\]", "", cell) for cell in first_cells] == layers
