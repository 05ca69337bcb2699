"""An import-linter contract that the built-in ones leave out: no import cycle between any
two modules of a package, a package's ``__init__`` included.

import-linter's ``acyclic_siblings`` compares a package's children with each other, so a
cycle through the package's own ``__init__`` (``invitations/__init__.py`` importing
``delivery.py`` at its bottom, which imported the ``__init__`` back) is not one of its
cycles. This contract looks at the module graph itself, as grimp builds it: every import
statement counts, those inside a function (a "lazy" import that hides a cycle at import
time) and under ``if TYPE_CHECKING:`` alike. Configured in pyproject.toml
(``[tool.importlinter]``), run by ``make lint``.
"""

from collections.abc import Iterator
from itertools import pairwise

from grimp import ImportGraph
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AcyclicModulesContract(Contract):
    """``packages``: the packages whose modules may not import each other in a circle.
    ``ignore_imports``: imports left out of the graph first, each a known exception."""

    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,
            unmatched_alerting=AlertLevel.ERROR,
        )
        modules = {
            module
            for package in self.packages
            for module in graph.find_descendants(package) | {package}
        }
        cycles = [
            _one_cycle(graph, component)
            for component in _strongly_connected(graph, modules)
            if len(component) > 1
        ]
        return ContractCheck(
            kept=not cycles,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"cycles": cycles},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error("Modules that import each other in a circle:")
            output.new_line()
            for importer, imported, lines in cycle:
                output.indent_cursor()
                output.print_error(f"{importer} -> {imported} (l. {lines})")
            output.new_line()


def _strongly_connected(graph: ImportGraph, modules: set[str]) -> list[list[str]]:
    """Tarjan's algorithm, iterative, over the imports among ``modules``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []

    def successors(module: str) -> Iterator[str]:
        return iter(sorted(graph.find_modules_directly_imported_by(module) & modules))

    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, successors(root))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, pending = work[-1]
            following = next(pending, None)
            if following is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    components.append(sorted(component))
            elif following not in index:
                index[following] = low[following] = len(index)
                stack.append(following)
                on_stack.add(following)
                work.append((following, successors(following)))
            elif following in on_stack:
                low[module] = min(low[module], index[following])
    return components


def _one_cycle(graph: ImportGraph, component: list[str]) -> list[tuple[str, str, str]]:
    """One circle through the component's first module, as (importer, imported, lines)."""
    members = set(component)
    start = component[0]
    chain: tuple[str, ...] | None = None
    for following in sorted(graph.find_modules_directly_imported_by(start) & members):
        back = graph.find_shortest_chain(importer=following, imported=start)
        if back is not None and (chain is None or len(back) < len(chain)):
            chain = back
    assert chain is not None  # a strongly connected component of two or more has a circle
    path = [start, *chain]
    return [
        (
            importer,
            imported,
            ", ".join(
                str(detail["line_number"])
                for detail in graph.get_import_details(importer=importer, imported=imported)
            ),
        )
        for importer, imported in pairwise(path)
    ]
