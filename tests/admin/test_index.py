"""The admin index links a manager to the dashboard, the firm settings and the staff
pages (the dashboard is "linked from the admin")."""

import pytest
from django.urls import reverse

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_the_admin_index_links_the_managers_pages(client, a, b):
    login(client, a.manager)
    page = client.get(reverse("admin:index")).content.decode()
    for name in ("dashboard:index", "dashboard:settings", "staff:list"):
        assert reverse(name) in page
    assert 'id="manager-links"' in page
    assert b.firm.name not in page
