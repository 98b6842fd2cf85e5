"""The demo package (consultancy/demo): ``manage.py demo`` prints a short report, and no
product module imports the package."""

import ast
import logging
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ["consultancy", "engagements", "contracts", "delivery", "feedback", "portal",
           "dashboard"]


@pytest.mark.django_db(transaction=True)  # committed, so the on-commit tasks run
def test_the_command_prints_a_line_per_part_and_the_logins(caplog):
    out = StringIO()
    trace = logging.getLogger("celery.app.trace")
    level = trace.level
    with caplog.at_level(logging.INFO):
        call_command("demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) < 40
    from consultancy.demo.management.commands.demo import PARTS

    assert len(PARTS) == 8  # firms, clients, …, the hidden dangers: one line each
    assert sum(line.endswith("... ok") for line in lines) == len(PARTS)
    assert any(line.startswith("Demo logins (password for all: demo-2026-safety)") for line in lines)
    for email in ["manager@antai.example", "li.ming@antai.example", "manager@huaan.example",
                  "zhao.lixin@client.antai.example", "admin@platform.example"]:
        assert any(email in line for line in lines), email
    # no line per Celery task run eagerly on commit
    assert not [r for r in caplog.records if r.name == "celery.app.trace"]
    assert trace.level == level  # restored


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_no_product_module_imports_the_demo():
    """The demo sits above every app (the import-linter layers contract says the same)."""
    offenders = []
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if relative.parts[:2] == ("consultancy", "demo"):
                continue
            if any(name == "consultancy.demo" or name.startswith("consultancy.demo.")
                   for name in _imports(path)):
                offenders.append(str(relative))
    assert offenders == []
    assert not list(ROOT.glob("*/demo.py")) and not list(ROOT.glob("consultancy/*/demo.py"))
