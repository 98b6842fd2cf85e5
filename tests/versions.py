"""The version an edit page shows, for tests that post hand-built edit data.

Every edit form carries the version of the record the user saw (a hidden ``seen_version``
input, prefixed like the form) and a POST without it is refused as stale. A test that posts
its own data takes the version the way a browser does: from the page it opened.
"""

from html.parser import HTMLParser

from consultancy.tenancy.versioning import VERSION_FIELD


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag != "input":
            return
        attrs = dict(attrs)
        name = attrs.get("name") or ""
        if name == VERSION_FIELD or name.endswith(f"-{VERSION_FIELD}"):
            self.found.append((name, attrs.get("value") or ""))


def seen_versions(page) -> dict:
    """``{input name: value}`` of the version inputs of ``page`` (a response or its HTML).
    The same name showing two different versions is a test error: say which form."""
    html = page if isinstance(page, str) else page.content.decode()
    parser = _Inputs()
    parser.feed(html)
    versions = {}
    for name, value in parser.found:
        assert versions.get(name, value) == value, f"two versions under {name!r} on the page"
        versions[name] = value
    return versions


def seen_version(page, prefix="") -> str:
    """The version shown by the form of ``prefix`` on ``page`` (it must show one)."""
    name = f"{prefix}-{VERSION_FIELD}" if prefix else VERSION_FIELD
    versions = seen_versions(page)
    assert versions.get(name), f"the page shows no {name!r}: {sorted(versions)}"
    return versions[name]


def with_versions(client, page_url, data) -> dict:
    """``data`` with the versions the edit page at ``page_url`` shows now (opened with
    ``client``, as the user would before posting); a version in ``data`` is kept."""
    response = client.get(page_url)
    assert response.status_code == 200, f"{page_url} answered {response.status_code}"
    versions = seen_versions(response)
    assert versions, f"{page_url} shows no version"
    return {**versions, **data}
