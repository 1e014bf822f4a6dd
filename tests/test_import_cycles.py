"""No import cycles among the modules of api, survey_engine, sampling and reports.

import-linter's contracts keep the packages in layers but say nothing about modules of one package
importing each other in a loop. The graph here counts every import, including those inside functions
(grimp reads them all): an import moved into a function still ties the two modules together, and the
loop comes back as soon as either import moves to the top. Imports under ``if TYPE_CHECKING:`` are left
out, as they never run.
"""

from __future__ import annotations

import grimp

PACKAGES = ("api", "survey_engine", "sampling", "reports")


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules that import each other in a loop (strongly connected components of two or
    more modules, or a module importing itself), each sorted, in sorted order (Tarjan 1972, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if work:  # back in the caller: pass the low-link up
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, []):
                    cycles.append(sorted(component))
    return sorted(cycles)


def _describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    members = set(cycle)
    lines = []
    for importer in cycle:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            where = ", ".join(
                f"line {d['line_number']}"
                for d in graph.get_import_details(importer=importer, imported=imported)
            )
            lines.append(f"  {importer} → {imported} ({where})")
    return "\n".join(lines)


def test_the_cycle_finder_finds_loops_and_only_loops() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in (
        ("p.a", "p.b"),
        ("p.b", "p.c"),
        ("p.c", "p.a"),
        ("p.c", "p.d"),
        ("p.e", "p.e"),
    ):
        graph.add_import(importer=importer, imported=imported)
    graph.add_import(importer="p.f", imported="p.d")
    assert import_cycles(graph) == [["p.a", "p.b", "p.c"], ["p.e"]]
    graph.remove_import(importer="p.c", imported="p.a")
    graph.remove_import(importer="p.e", imported="p.e")
    assert import_cycles(graph) == []


def test_no_import_cycles_between_modules() -> None:
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    cycles = import_cycles(graph)
    assert not cycles, "import cycles (move the shared code to a module both can import):\n" + "\n".join(
        _describe(graph, cycle) for cycle in cycles
    )
