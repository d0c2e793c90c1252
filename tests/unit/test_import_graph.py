"""The architecture's shape, read from the import graph (grimp parses every import statement,
those inside functions too; imports only under TYPE_CHECKING are not run and do not count):
no module imports itself through others, and the vision function knows nothing of the domain."""
from __future__ import annotations

import grimp
import pytest


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("pensioncert", "admin_dash", "vision", "vision_contract", exclude_type_checking_imports=True)


def import_cycles(graph) -> list[tuple[str, ...]]:
    """One chain per cycle found: every cycle contains an import a -> b with a chain b -> ... -> a."""
    cycles = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycle = (importer, *back)
                start = cycle.index(min(cycle[:-1]))  # one spelling per cycle, whatever edge found it
                cycles.add(cycle[start:-1] + cycle[:start + 1])
    return sorted(cycles)


def test_no_import_cycle_anywhere(graph):
    assert import_cycles(graph) == []


def test_a_cycle_is_found_when_there_is_one(graph):
    graph.add_import(importer="pensioncert.rules.lockout", imported="pensioncert.services")  # services imports lockout
    try:
        assert import_cycles(graph) == [("pensioncert.rules.lockout", "pensioncert.services", "pensioncert.rules.lockout")]
    finally:
        graph.remove_import(importer="pensioncert.rules.lockout", imported="pensioncert.services")


def test_the_vision_function_imports_nothing_of_the_domain_or_the_admin(graph):
    assert [(module, imported) for module in graph.find_descendants("vision") | {"vision"}
            for imported in graph.find_modules_directly_imported_by(module)
            if imported.split(".")[0] in ("pensioncert", "admin_dash")] == []


def test_what_the_api_and_vision_share_imports_neither(graph):
    """vision_contract ships in both functions: it may import the standard library only."""
    assert [(module, imported) for module in graph.find_descendants("vision_contract") | {"vision_contract"}
            for imported in graph.find_modules_directly_imported_by(module)
            if imported.split(".")[0] in ("pensioncert", "admin_dash", "vision")] == []
    assert graph.find_modules_directly_imported_by("vision_contract.images") == set()  # stdlib is not in the graph
