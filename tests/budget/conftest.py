"""The admin tests' two populated firms (built once per module), for the all-pages crawl."""

from tests.admin.conftest import wa, wb, worlds  # noqa: F401
