"""traceability.gs1 stays a pure library: no Flask, no SQLAlchemy, no web framework."""

import ast
from pathlib import Path

import traceability.gs1 as gs1

FORBIDDEN = {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "marshmallow"}


def test_no_framework_imports():
    for path in Path(gs1.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_public_api():
    for name in ("GS1Error", "check_digit", "is_valid_check_digit", "normalize_gtin",
                 "gtin_display", "gtin_company_prefix_info", "AI_TABLE", "get_ai",
                 "parse_element_string", "build_bracketed", "build_raw", "hri",
                 "validate_elements", "parse_digital_link", "build_digital_link",
                 "epc_uri_to_elements", "elements_to_epc_uri", "parse_code", "is_cset82"):
        assert name in gs1.__all__ and hasattr(gs1, name)
