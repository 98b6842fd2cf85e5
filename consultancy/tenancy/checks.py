"""System checks of tenancy: every firm-owned model has its row-level security policy."""

from django.core import checks


def firm_policies(app_configs=None, **kwargs):
    """``tenancy.W201`` for each model with a ``firm_id`` column that no migration gives a
    ``FirmRowLevelSecurity`` operation (a warning, so that ``makemigrations`` still runs
    for the model's first migration; ``tests/tenancy/test_rls.py`` fails on it)."""
    from .rls import models_without_policy

    return [
        checks.Warning(
            f"{label} has a firm but no row-level security policy.",
            hint=(f"Add FirmRowLevelSecurity(\"{label.split('.')[1].lower()}\") "
                  "(consultancy.tenancy.rls) to a migration of its app."),
            id="tenancy.W201",
        )
        for label in models_without_policy()
    ]


def register():
    checks.register(firm_policies, "tenancy")
