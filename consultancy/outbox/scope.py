"""The one door through which the outbox reads and writes the jobs of every firm.

The relay, the sweep, a task's acknowledgement and the health check work on jobs of any
firm (and on platform jobs, which have none). Each enters :func:`across_firms` for it and
nothing else in the outbox opens the firm scopes. When the database enforces the firm
(row-level security), this is the place to switch its explicit cross-firm mode on.
"""

from contextlib import contextmanager

from django_scopes import scopes_disabled


@contextmanager
def across_firms(reason: str):
    """Work on the outbox rows of every firm; ``reason`` names who does (for the reader
    and for the database's cross-firm mode, once there is one)."""
    with scopes_disabled():
        yield
