"""The layering holds: every import of caravan by caravan is read and checked against tests/architecture/layering.py.

The check itself is tried on small packages built here, so that it cannot pass whatever the code does.
"""

from pathlib import Path
from textwrap import dedent

import caravan
from tests.architecture.layering import LAYERS, Violation, check, read_imports

CARAVAN = Path(caravan.__file__).parent

# Violations known and being worked on, by (rule, importer, imported) or the apps of a cycle. The test also fails
# when one goes away without being struck from here, so the list only shrinks. It is empty: keep it so.
UNDER_WAY: set[tuple[str, ...]] = set()


def test_caravan_keeps_its_layers():
    violations = check(CARAVAN)
    found = {(v.rule, *v.subject): v for v in violations}
    unexpected = [str(v) for key, v in sorted(found.items()) if key not in UNDER_WAY]
    gone = sorted(UNDER_WAY - found.keys())
    assert not unexpected, "Imports that break the layering:\n" + "\n".join(unexpected)
    assert not gone, "Listed as under way but no longer found; strike them from UNDER_WAY:\n" + "\n".join(
        map(str, gone)
    )


def test_every_layer_names_apps_that_exist_or_are_planned():
    apps = {path.stem for path in CARAVAN.glob("*.py")} | {
        path.name for path in CARAVAN.iterdir() if path.is_dir() and any(path.rglob("*.py"))
    }
    apps = (apps - {"__init__"}) | {"caravan"}
    placed = [app for _, members in LAYERS for app in members]
    assert len(placed) == len(set(placed)), "an app is on two layers"
    assert apps <= set(placed)


# A made-up package "shop": kernel < catalog < orders, billing < faces (web, api) < entry points (cli).
SHOP_LAYERS = (
    ("kernel", frozenset({"shop", "errors"})),
    ("catalog", frozenset({"catalog"})),
    ("orders and billing", frozenset({"orders", "billing"})),
    ("faces", frozenset({"web", "api"})),
    ("entry points", frozenset({"cli"})),
)
SHOP_FACES = frozenset({"web", "api"})


def _package(root: Path, files: dict[str, str]) -> Path:
    package = root / "shop"
    for name, text in {"__init__.py": "", **files}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(dedent(text))
    return package


def _check(package: Path) -> list[Violation]:
    return check(package, SHOP_LAYERS, SHOP_FACES)


GOOD_SHOP = {
    "errors.py": "class ShopError(Exception): ...\n",
    "catalog/models.py": "from shop.errors import ShopError\n",
    "orders/services.py": "from shop.catalog.models import ShopError\nfrom ..billing import invoices\n",
    "billing/invoices.py": "from shop import errors\n",
    "web/views.py": "from shop.orders import services\nfrom shop.catalog import models\n",
    "api/views.py": "import shop.orders.services\n",
    "cli.py": "def main():\n    from shop.web import views\n",
    "orders/apps.py": "class Config:\n    def ready(self):\n        from shop.catalog import models\n",
}


def test_a_package_that_keeps_its_layers_passes(tmp_path):
    package = _package(tmp_path, GOOD_SHOP)
    assert len(read_imports(package)) == 9
    assert _check(package) == []


def _only(violations: list[Violation], rule: str) -> Violation:
    (violation,) = [v for v in violations if v.rule == rule]
    return violation


def test_an_import_from_a_higher_layer_is_named_with_both_layers(tmp_path):
    package = _package(tmp_path, {**GOOD_SHOP, "catalog/models.py": "from shop.orders.services import x\n"})
    violation = _only(_check(package), "layers")
    assert violation.rule == "layers"
    assert violation.subject == ("shop.catalog.models", "shop.orders.services.x")
    assert "shop.catalog.models (line 1, at module level) imports shop.orders.services.x" in violation.message
    assert "catalog is on layer 1 (catalog), orders on layer 2 (orders and billing)" in violation.message


def test_the_domain_importing_a_face_is_named_so(tmp_path):
    package = _package(tmp_path, {**GOOD_SHOP, "billing/invoices.py": "from shop.api import views\n"})
    violation = _only(_check(package), "layers")
    assert "the domain never imports a face" in violation.message


def test_faces_importing_each_other_fail(tmp_path):
    package = _package(tmp_path, {**GOOD_SHOP, "api/views.py": "from shop.web.views import page\n"})
    (violation,) = _check(package)
    assert violation.rule == "faces do not import each other"
    assert violation.subject == ("shop.api.views", "shop.web.views.page")


def test_an_import_inside_a_function_counts_and_is_itself_refused(tmp_path):
    package = _package(
        tmp_path, {**GOOD_SHOP, "errors.py": "def explain():\n    from shop.catalog import models\n"}
    )
    violations = _check(package)
    for rule in ("layers", "no imports of other apps inside functions"):
        assert (
            "shop.errors (line 2, inside a function) imports shop.catalog.models"
            in _only(violations, rule).message
        )
    # catalog imports errors at the top, so the import hidden in a function closes a cycle
    assert _only(violations, "no import cycles between apps").subject == ("catalog", "errors", "catalog")


def test_an_import_inside_a_method_of_a_class_counts(tmp_path):
    text = "class Basket:\n    def total(self):\n        import shop.web.views\n"
    package = _package(tmp_path, {**GOOD_SHOP, "orders/basket.py": text})
    violation = _only(_check(package), "no imports of other apps inside functions")
    assert violation.subject == ("shop.orders.basket", "shop.web.views")


def test_string_and_relative_imports_count(tmp_path):
    text = "import importlib\n\ndef load():\n    return importlib.import_module('shop.web.views')\n"
    package = _package(
        tmp_path, {**GOOD_SHOP, "catalog/loader.py": text, "catalog/up.py": "from ..orders import x\n"}
    )
    found = {v.subject for v in _check(package) if v.rule == "layers"}
    assert found == {("shop.catalog.loader", "shop.web.views"), ("shop.catalog.up", "shop.orders.x")}


def test_a_cycle_between_apps_of_one_layer_is_shown_step_by_step(tmp_path):
    package = _package(tmp_path, {**GOOD_SHOP, "billing/invoices.py": "from shop.orders import services\n"})
    (violation,) = _check(package)
    assert violation.rule == "no import cycles between apps"
    assert violation.subject == ("billing", "orders", "billing")
    assert "shop.billing.invoices (line 1, at module level) imports shop.orders.services" in violation.message
    assert "shop.orders.services (line 2, at module level) imports shop.billing.invoices" in violation.message


def test_an_app_on_no_layer_fails(tmp_path):
    package = _package(tmp_path, {**GOOD_SHOP, "shipping.py": "from shop import errors\n"})
    (violation,) = _check(package)
    assert violation.rule == "every app has a layer"
    assert violation.subject == ("shipping",)


def test_entry_points_management_commands_and_app_configs_may_defer_imports(tmp_path):
    command = "def handle():\n    from shop.catalog import models\n"
    package = _package(tmp_path, {**GOOD_SHOP, "orders/management/commands/restock.py": command})
    assert _check(package) == []
    package = _package(tmp_path, {**GOOD_SHOP, "orders/restock.py": command})
    assert [v.rule for v in _check(package)] == ["no imports of other apps inside functions"]
