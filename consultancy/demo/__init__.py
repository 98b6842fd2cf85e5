"""The demonstration data (``manage.py demo``): two firms with their staff, clients and
engagements at every stage of the standard, built through the apps' services.

The Chinese content is in ``data/*.yaml``; one builder module per part reads it
(:mod:`.firms`, :mod:`.clients`, :mod:`.engagements` for clauses 5–6, :mod:`.contracts`
for 7, :mod:`.delivery` for 8, :mod:`.feedback` and :mod:`.history` for 9), and
:mod:`.common` holds what they share. Nothing in the product imports this package (the
import-linter contract in pyproject.toml puts it above every app).
"""
