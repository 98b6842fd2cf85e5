"""The one door through which the outbox reads and writes the jobs of every firm.

The relay, the sweep, a task's acknowledgement and the health check work on jobs of any
firm (and on platform jobs, which have none). Each enters :func:`across_firms` for it and
nothing else in the outbox opens the firm scopes. It is the platform's explicit
cross-firm mode (``consultancy.tenancy.rls.cross_firm``): the ORM is unscoped, and on
PostgreSQL the row-level security policies let every firm's rows through; the reason is
logged each time.
"""

from consultancy.tenancy.rls import cross_firm


def across_firms(reason: str):
    """Work on the outbox rows of every firm; ``reason`` names who does (logged, and the
    database's cross-firm mode is on for the block)."""
    return cross_firm(reason)
