"""The admin tests' two populated firms (built once per module), for the all-pages crawl."""

import pytest
from django.test import override_settings

from tests.admin.conftest import wa, wb, worlds  # noqa: F401


@pytest.fixture(scope="module", autouse=True)
def _pages_rendered():
    """The budgets are those of rendering a page: no page served from the page cache
    (``tenancy.pagecache``, on with Redis), whose key would not change when a crawl adds
    rows in bulk (no ``post_save``) between its two visits of a page. Module-wide: the
    crawls run in module fixtures (autouse ones of a scope come first)."""
    with override_settings(PAGE_CACHE=False):
        yield
