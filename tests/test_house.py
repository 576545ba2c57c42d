"""The house rules a maintainer relies on (issue 17): no import circle in the kit, no function over 60 lines."""
import ast

from autograder import paths

PACKAGE = paths.KIT_ROOT / "autograder"
MAX_LINES = 60


def kit_modules():
    """{dotted name: path} of the kit's modules; the graders' answer panels are students' code, not the kit's."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(paths.KIT_ROOT).with_suffix("")
        if {"alternatives", "nulls"} & set(rel.parts):
            continue
        name = ".".join(rel.parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports_of(name, path, modules):
    """The kit's modules that `name` imports, at the top or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:     # `from pkg import module` imports the module, not the package's body
                member = f"{target}.{alias.name}"
                found.add(member if member in modules else target)
    return {m for m in found if m in modules and m != name}


def cycles(graph):
    """Every import circle, each as the sorted tuple of its modules (Tarjan's strongly connected components)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(tuple(sorted(component)))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b", "c")]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_in_the_kit():
    modules = kit_modules()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    # a package's __init__ re-exporting its own modules is not a circle of logic
    for name in graph:
        graph[name] = {m for m in graph[name] if not (name.startswith(m + ".") and m in modules)}
    assert cycles(graph) == []


def test_no_function_over_60_lines_in_the_kit():
    long = [f"{path.relative_to(paths.KIT_ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path in kit_modules().values()
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_LINES]
    assert long == []
