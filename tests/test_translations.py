"""Both languages are complete: every string the source marks for translation has its
Simplified Chinese, none is fuzzy, and the compiled catalogue is what the .po says."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = Path("locale/zh_Hans/LC_MESSAGES/django.po")

pytestmark = pytest.mark.skipif(
    shutil.which("msgattrib") is None, reason="gettext is installed by `make setup`"
)


def _entries(args, po):
    out = subprocess.run(
        ["msgattrib", *args, str(po)], capture_output=True, text=True, check=True
    ).stdout
    # the header is an entry with an empty msgid; count the real ones
    return [line for line in out.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def _source_tree(tmp_path):
    """A copy of the source (tracked and new files) (what makemessages reads), without tests."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in files:
        name = name.decode()
        if not name or name.startswith("tests/") or name.endswith((".png", ".pdf", ".ttf")):
            continue
        src, dst = ROOT / name, tmp_path / name
        if not src.is_file():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return tmp_path


def test_the_committed_catalogue_has_no_untranslated_or_fuzzy_entry():
    po = ROOT / PO
    assert _entries(["--untranslated", "--no-obsolete"], po) == []
    assert _entries(["--only-fuzzy", "--no-obsolete"], po) == []


def test_every_string_in_the_source_has_its_chinese(tmp_path):
    """makemessages over a copy of the source adds no string the catalogue lacks."""
    tree = _source_tree(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="consultancy.settings.base")
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=tree,
        env=env,
        capture_output=True,
        check=True,
        timeout=300,
    )
    missing = _entries(["--untranslated", "--no-obsolete"], tree / PO)
    assert missing == [], f"strings without Chinese (run makemessages and translate): {missing}"
