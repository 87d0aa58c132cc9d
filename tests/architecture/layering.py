"""Caravan's layering, written down as data, and the check that reads every module's imports against it.

Each top-level module or package of `caravan` ("app") sits on one layer; a module may import its own layer or
lower ones, faces never import each other, and apps never import each other in a circle. Imports are read with
`ast`, so the ones inside functions and the string imports (`import_module("caravan.x")`) count as well.
"""

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    # The package root (`caravan/__init__.py`, only `__version__`) is named "caravan".
    (
        "kernel",
        frozenset(
            {
                "caravan",
                "config",
                "errors",
                "error_codes",
                "negotiation",
                "ids",
                "untrusted",
                "pagination",
                "events",
                "bulk",
                "worker",
                "mail",
                "hijri",
                "django_words",
                "middleware",
                "invalidation",
                "sqlite",
                "postgresql",
            }
        ),
    ),
    ("instance", frozenset({"instance"})),
    ("accounts", frozenset({"accounts"})),
    ("media, social, sign-in limits", frozenset({"media", "social", "throttling"})),
    ("posts", frozenset({"posts"})),
    # lookup needs only accounts and stored posts, and search asks it to resolve handles and links.
    (
        "timelines, notifications, search, lookup",
        frozenset({"timelines", "filters", "notifications", "search", "lookup", "discovery"}),
    ),
    # Link previews read posts, store card images through media and count trends with the timelines' rules.
    ("link previews", frozenset({"previews"})),
    # Changes that span the apps below: the post pipeline, following and blocking, signing up, profiles.
    ("changes that span apps", frozenset({"publishing", "relationships", "signup", "profiles"})),
    # Leaving erases import jobs too, so it sits beside moving; the X-id directory is what moving matches against.
    ("moderation, moving, leaving, directory", frozenset({"moderation", "moving", "leaving", "directory"})),
    # Moving together: pacts and campaigns build on moving (matched people, guided moves) and the directory.
    ("pacts, campaigns", frozenset({"pacts", "campaigns"})),
    # Web Push (a domain app, not a face) sends over the network through federation's address rule and
    # sender, so it sits on the faces' layer: it may import federation, and the API imports it.
    ("faces", frozenset({"web", "api", "federation", "push"})),
    ("entry points", frozenset({"cli", "asgi", "wsgi", "urls", "settings", "__main__", "locale"})),
)
FACES = frozenset({"web", "api", "federation"})


def may_defer_imports(module: str, entry_points: frozenset[str]) -> bool:
    """Where an import of another app may sit inside a function: entry points and management commands run
    only once Django is set up, and an AppConfig (`apps.py`) connects its app to the others in `ready()`,
    when models may be imported. Everywhere else a dependency is imported at the top, where it is seen."""
    parts = module.split(".")
    return (len(parts) > 1 and parts[1] in entry_points) or parts[-1] == "apps" or "commands" in parts[:-1]


STRING_IMPORTERS = frozenset({"import_module", "import_string", "__import__", "include"})


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name, e.g. caravan.accounts.services
    imported: str  # dotted name as written, resolved if relative (may end in a class or function name)
    line: int
    inside_function: bool
    how: str = "import"  # or "string" for import_module("...") and friends

    def where(self) -> str:
        place = "inside a function" if self.inside_function else "at module level"
        kind = " (by string)" if self.how == "string" else ""
        return f"{self.importer} (line {self.line}, {place}) imports {self.imported}{kind}"


def module_name(path: Path, package_dir: Path) -> str:
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(importer: str, is_package: bool, module: str | None, level: int) -> str:
    if not level:
        return module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - level + 1]
    return ".".join(base + ([module] if module else []))


def read_imports(package_dir: Path) -> list[Import]:
    """Every import of the package by the package, migrations aside (Django writes those, from models)."""
    root = package_dir.name
    found: list[Import] = []
    for path in sorted(package_dir.rglob("*.py")):
        if "migrations" in path.relative_to(package_dir).parts:
            continue
        importer = module_name(path, package_dir)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found.extend(_imports_in(tree, importer, path.name == "__init__.py", root))
    return found


def _imports_in(tree: ast.Module, importer: str, is_package: bool, root: str) -> list[Import]:
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(importer, alias.name, node.lineno, in_function))
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(importer, is_package, node.module, node.level)
            for alias in node.names:
                # `from caravan import lookup` names a module; `from caravan.x import f` names something in x.
                found.append(Import(importer, f"{module}.{alias.name}", node.lineno, in_function))
        elif isinstance(node, ast.Call) and _called_name(node.func) in STRING_IMPORTERS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append(Import(importer, first.value, node.lineno, in_function, how="string"))
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return [item for item in found if item.imported == root or item.imported.startswith(root + ".")]


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def apps_of(package_dir: Path) -> set[str]:
    """The package's top-level modules and packages, and the package root itself."""
    apps = {package_dir.name}
    for path in package_dir.iterdir():
        if path.suffix == ".py" and path.stem != "__init__":
            apps.add(path.stem)
        elif path.is_dir() and any(path.rglob("*.py")):
            apps.add(path.name)
    return apps


def app_of(dotted: str, root: str, apps: set[str]) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in apps else root


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    # What stays the same when lines move: (importer, imported) or, for a cycle, the apps in order.
    subject: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


def check(
    package_dir: Path,
    layers: tuple[tuple[str, frozenset[str]], ...] = LAYERS,
    faces: frozenset[str] = FACES,
) -> list[Violation]:
    """Every way the package's imports break the layering, each naming the import and the rule."""
    root = package_dir.name
    apps = apps_of(package_dir)
    layer_of = {app: index for index, (_, members) in enumerate(layers) for app in members}
    entry_points = layers[-1][1]
    violations = [
        Violation(
            "every app has a layer",
            f"{root}.{app} is on no layer: add it to LAYERS in tests/architecture/layering.py "
            "(the lowest layer whose apps are all it needs)",
            (app,),
        )
        for app in sorted(apps - layer_of.keys())
    ]
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for item in read_imports(package_dir):
        source, target = app_of(item.importer, root, apps), app_of(item.imported, root, apps)
        if source == target:
            continue
        edges[source, target].append(item)
        if source not in layer_of or target not in layer_of:
            continue
        if source in faces and target in faces:
            violations.append(
                Violation(
                    "faces do not import each other",
                    f"{item.where()}: {source} and {target} are both faces; move what they share down into "
                    "the domain or the kernel",
                    (item.importer, item.imported),
                )
            )
        elif layer_of[target] > layer_of[source]:
            source_layer, target_layer = layers[layer_of[source]][0], layers[layer_of[target]][0]
            why = (
                "the domain never imports a face"
                if target in faces and source not in entry_points
                else "a module imports only its own layer or lower ones"
            )
            violations.append(
                Violation(
                    "layers",
                    f"{item.where()}: {source} is on layer {layer_of[source]} ({source_layer}), {target} on "
                    f"layer {layer_of[target]} ({target_layer}); {why}",
                    (item.importer, item.imported),
                )
            )
        if item.inside_function and not may_defer_imports(item.importer, entry_points):
            violations.append(
                Violation(
                    "no imports of other apps inside functions",
                    f"{item.where()}: import it at the top of the module, where the dependency is seen (only "
                    "entry points, management commands and AppConfig modules may defer one)",
                    (item.importer, item.imported),
                )
            )
    violations.extend(_cycles(edges))
    return violations


def _cycles(edges: dict[tuple[str, str], list[Import]]) -> list[Violation]:
    """For each group of apps that import each other in a circle, the shortest circle through each of its
    apps, with one import for each step."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    violations = []
    for group in _strongly_connected(graph):
        if len(group) < 2:
            continue
        shown: set[tuple[str, ...]] = set()
        for start in sorted(group):
            cycle = _a_cycle_through(start, graph, group)
            lowest = cycle.index(min(cycle[:-1]))
            cycle = [*cycle[lowest:-1], *cycle[:lowest], cycle[lowest]]  # the same circle, told from one app
            if tuple(cycle) in shown:
                continue
            shown.add(tuple(cycle))
            steps = [edges[a, b][0] for a, b in zip(cycle, cycle[1:], strict=False)]
            violations.append(
                Violation(
                    "no import cycles between apps",
                    " -> ".join(cycle) + ": " + "; ".join(step.where() for step in steps),
                    tuple(cycle),
                )
            )
    return violations


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm; recursive, as the graph has a few dozen nodes."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph.get(node, ())):
            if neighbour not in index:
                connect(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            groups.append(group)

    for node in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if node not in index:
            connect(node)
    return groups


def _a_cycle_through(start: str, graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest path from `start` back to itself inside its group (breadth first)."""
    paths = [[start]]
    seen = {start}
    while paths:
        path = paths.pop(0)
        for neighbour in sorted(graph[path[-1]] & group):
            if neighbour == start:
                return [*path, start]
            if neighbour not in seen:
                seen.add(neighbour)
                paths.append([*path, neighbour])
    raise AssertionError(f"{start} is in a cycle group but no cycle was found")
