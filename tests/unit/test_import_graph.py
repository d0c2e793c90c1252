"""The architecture's shape, read from the import graph (grimp parses every import statement,
those inside functions too; imports only under TYPE_CHECKING are not run and do not count):
no module imports itself through others, the vision function knows nothing of the domain, and
the local stage (localstage/) sits beside the product: it imports the domain, never the reverse."""
from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[2]
# The API function's packages (functions/ is on sys.path: tests/conftest.py) and the admin: what
# ships, with the domain. functions/app.py is a module, not a package: grimp reads packages only.
SHIPPED = ("pensioncert", "admin_dash", "auth", "certify", "query", "vision_contract")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*SHIPPED, "localstage", "vision", exclude_type_checking_imports=True)


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
        # (others too: repositories/staff.py, which services imports, imports the lockout rules)
        assert ("pensioncert.rules.lockout", "pensioncert.services", "pensioncert.rules.lockout") in import_cycles(graph)
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


def test_nothing_that_ships_imports_the_local_stage(graph):
    """The domain, the API function and the admin run on AWS as they run locally, by settings alone;
    what only `make run` needs (emulator, fake authority, demo data, snapshots, loops) is not theirs."""
    assert [(module, imported) for top in SHIPPED for module in graph.find_descendants(top) | {top}
            for imported in graph.find_modules_directly_imported_by(module)
            if imported.split(".")[0] == "localstage"] == []


def test_the_api_apps_module_imports_nothing_of_the_local_stage():
    tree = ast.parse((REPO / "functions" / "app.py").read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported and not [name for name in imported if name.split(".")[0] == "localstage"]


def test_an_import_of_the_local_stage_from_the_domain_is_found(graph):
    graph.add_import(importer="pensioncert.services", imported="localstage.devstack")
    try:
        with pytest.raises(AssertionError):
            test_nothing_that_ships_imports_the_local_stage(graph)
    finally:
        graph.remove_import(importer="pensioncert.services", imported="localstage.devstack")


def test_the_repositories_import_nothing_of_the_dal(graph):
    """The records and repository interfaces (pensioncert/repositories) are what the logic depends
    on; the dal implements them, so they must not lean on it (nor, through it, on PynamoDB)."""
    assert [(module, imported) for module in graph.find_descendants("pensioncert.repositories")
            | {"pensioncert.repositories"}
            for imported in graph.find_modules_directly_imported_by(module)
            if imported.startswith("pensioncert.dal")] == []


def test_a_repository_importing_the_dal_is_found(graph):
    graph.add_import(importer="pensioncert.repositories.contacts", imported="pensioncert.dal.tables")
    try:
        with pytest.raises(AssertionError):
            test_the_repositories_import_nothing_of_the_dal(graph)
    finally:
        graph.remove_import(importer="pensioncert.repositories.contacts", imported="pensioncert.dal.tables")


# Table models whose aggregate has a repository: only the dal (its PynamoDB implementations) builds
# or reads their items; the others follow as their aggregates get repositories (README, Repositories).
TABLES_BEHIND_A_REPOSITORY = {"ContactTable", "ConfirmationTable", "HomeVisitTable", "ReviewTable", "StaffTable",
                              "StaffSessionTable", "LivenessSessionTable", "AccountTable", "ClaimTable"}


def tables_named_outside_the_dal(root: Path) -> list[tuple[str, str]]:
    named = []
    for top in ("pensioncert", "functions", "admin_dash"):
        for path in sorted((root / top).rglob("*.py")):
            if "vendor" in path.parts or path.is_relative_to(root / "pensioncert" / "dal"):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            named += [(path.relative_to(root).as_posix(), alias.name) for node in ast.walk(tree)
                      if isinstance(node, ast.ImportFrom) for alias in node.names
                      if alias.name in TABLES_BEHIND_A_REPOSITORY]
    return named


def test_tables_behind_a_repository_are_named_only_in_the_dal():
    assert tables_named_outside_the_dal(REPO) == []


def test_a_table_behind_a_repository_named_in_the_logic_is_found(tmp_path):
    (tmp_path / "pensioncert" / "logic").mkdir(parents=True)
    (tmp_path / "pensioncert" / "dal").mkdir()
    (tmp_path / "pensioncert" / "logic" / "contacts.py").write_text(
        "def f():\n    from pensioncert.dal.tables import ContactTable, LimitTable\n", encoding="utf-8")
    (tmp_path / "pensioncert" / "dal" / "contacts.py").write_text(
        "from pensioncert.dal.tables import ContactTable\n", encoding="utf-8")
    assert tables_named_outside_the_dal(tmp_path) == [("pensioncert/logic/contacts.py", "ContactTable")]
