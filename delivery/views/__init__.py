"""Clause 8 pages, one module per part of the clause: research (8.1), team (8.2), plan
(8.3), implementation (8.4), documents (8.5). Thin: every change goes through
``delivery.services``."""
