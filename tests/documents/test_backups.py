"""Backups: one archive with the database and the private files; a restore into an empty
database verifies every file's SHA-256 and every generated document's stored hash; files
are written atomically and orphans are found."""

import io
import sqlite3
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from consultancy.documents import backups, inventory
from consultancy.documents.storage import PrivateStorage
from engagements.stages import Stage
from tests import factories as f
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

from .helpers import rendered

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def world(a, b, settings):
    """Two firms: a rendered PDF, a certificate scan, an engagement past contracting."""
    with scopes_disabled():
        document = rendered(a)
        rendered(b)
        a.qualification.scan.save("证书.png", ContentFile(PNG))
        engagement = advance_to(f.EngagementFactory(client=a.client,
                                                    lead_consultant=a.consultant),
                                Stage.DELIVERY)
    return {"document": document, "engagement": engagement,
            "media": Path(settings.MEDIA_ROOT)}


def _restore_target(tmp_path):
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "restored.sqlite3")}


def _backup(tmp_path):
    return backups.create_backup(tmp_path / "backup.tar")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip")
@pytest.mark.django_db(transaction=True)  # a backup reads what is committed
def test_a_sqlite_round_trip_keeps_every_file_and_record(world, tmp_path):
    manifest = _backup(tmp_path)
    names = {e["name"] for e in manifest["files"]}
    assert world["document"].file.name in names
    assert names == set(inventory.stored_names(world["media"]))
    assert len({n.split("/")[0] for n in names}) == 2  # both firms' files
    restored_media = tmp_path / "restored-media"
    report = backups.restore_backup(Path(manifest["archive"]),
                                    database=_restore_target(tmp_path),
                                    media_root=restored_media)
    assert report["files"] == len(names)
    for entry in manifest["files"]:
        assert inventory.sha256_of(restored_media / entry["name"]) == entry["sha256"]
        assert (restored_media / entry["name"]).read_bytes() == \
            (world["media"] / entry["name"]).read_bytes()
    with sqlite3.connect(tmp_path / "restored.sqlite3") as db:
        stage, = db.execute("SELECT stage FROM engagements_engagement WHERE id = ?",
                            [world["engagement"].pk]).fetchone()
        transitions = db.execute("SELECT count(*) FROM engagements_stagetransition "
                                 "WHERE engagement_id = ?", [world["engagement"].pk]).fetchone()
    # the engagement is where it was, so its passed stages' records stay frozen
    assert stage == Stage.DELIVERY and transitions[0] == 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip")
@pytest.mark.django_db(transaction=True)  # a backup reads what is committed
def test_a_restore_refuses_a_database_that_is_not_empty(world, tmp_path):
    manifest = _backup(tmp_path)
    target = _restore_target(tmp_path)
    with sqlite3.connect(target["NAME"]) as db:
        db.execute("CREATE TABLE t (x int)")
    with pytest.raises(backups.BackupError, match="not empty"):
        backups.restore_backup(Path(manifest["archive"]), database=target,
                               media_root=tmp_path / "m")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip")
@pytest.mark.django_db(transaction=True)  # a backup reads what is committed
def test_a_tampered_file_is_refused(world, tmp_path):
    manifest = _backup(tmp_path)
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(manifest["archive"]) as src, tarfile.open(tampered, "w") as out:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == f"files/{world['document'].file.name}":
                data = data.replace(b"%PDF", b"%PDX", 1)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    with pytest.raises(backups.BackupError, match="SHA-256"):
        backups.restore_backup(tampered, database=_restore_target(tmp_path),
                               media_root=tmp_path / "m")


def test_a_name_that_leaves_the_storage_is_refused():
    for name in ("../etc/passwd", "/etc/passwd", "a/../../b"):
        with pytest.raises(backups.BackupError):
            backups._safe_member_name(name)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip")
@pytest.mark.django_db(transaction=True)  # a backup reads what is committed
def test_the_commands(world, tmp_path):
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "b.tar"), stdout=out)
    assert f"{len(inventory.stored_names(world['media']))} files" in out.getvalue()
    out = io.StringIO()
    call_command("restore", str(tmp_path / "b.tar"),
                 database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}",
                 media_root=str(tmp_path / "rm"), stdout=out)
    assert "every hash verified" in out.getvalue()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tmp_path / "b.tar"),
                     database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}",
                     media_root=str(tmp_path / "rm2"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_round_trip(a, b, tmp_path, settings, database_owner):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL (the CI's second run)")
    import psycopg

    with scopes_disabled():
        document = rendered(a)
        engagement = advance_to(f.EngagementFactory(client=a.client,
                                                    lead_consultant=a.consultant),
                                Stage.DELIVERY)
    manifest = _backup(tmp_path)
    # A restore runs as the owner, into an empty database of its own (README, "Backups").
    owner = dict(connection.settings_dict, **database_owner)
    target = dict(owner, NAME=connection.settings_dict["NAME"] + "_restore")
    args = backups._pg_connect_args(owner)
    with psycopg.connect(**args, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}"')
        db.execute(f'CREATE DATABASE "{target["NAME"]}"')
    try:
        report = backups.restore_backup(Path(manifest["archive"]), database=target,
                                        media_root=tmp_path / "restored")
        assert report["files"] == len(manifest["files"]) >= 1
        with psycopg.connect(**backups._pg_connect_args(target)) as db:
            stage = db.execute("SELECT stage FROM engagements_engagement WHERE id = %s",
                               [engagement.pk]).fetchone()[0]
            sha = db.execute("SELECT sha256 FROM documents_generateddocument WHERE id = %s",
                             [document.pk]).fetchone()[0]
        assert stage == Stage.DELIVERY and sha == document.sha256
        # the frozen records are still frozen in the restored database (its triggers came
        # with the dump): a change to the needs assessment of a delivery engagement is refused
        with psycopg.connect(**backups._pg_connect_args(target)) as db:
            with pytest.raises(psycopg.Error, match="frozen record"):
                db.execute("UPDATE engagements_needsassessment SET measures = 'x' "
                           "WHERE engagement_id = %s", [engagement.pk])
        # Row-level security came back with the data, and the runtime role got its rights:
        # connected as it, no firm set, it sees no engagement; with a's firm, a's.
        runtime = dict(target, USER=connection.settings_dict["USER"],
                       PASSWORD=connection.settings_dict["PASSWORD"])
        runtime_args = {k: v for k, v in backups._pg_connect_args(runtime).items()
                        if k != "options"}
        if runtime["USER"] != owner["USER"]:  # the suite runs as the runtime role
            with psycopg.connect(**runtime_args) as db:
                count = db.execute("SELECT count(*) FROM engagements_engagement").fetchone()
                assert count == (0,)
                db.execute("SELECT set_config('app.firm_id', %s, false)", [str(a.firm.pk)])
                assert db.execute("SELECT DISTINCT firm_id FROM engagements_engagement"
                                  ).fetchall() == [(a.firm.pk,)]
    finally:
        with psycopg.connect(**args, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}"')


def test_a_failed_write_leaves_no_partial_file(tmp_path):
    storage = PrivateStorage(location=tmp_path)

    class Exploding(ContentFile):
        def chunks(self, chunk_size=None):
            yield b"x" * 1024
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        storage.save("1/documents/a.pdf", Exploding(b""))
    assert not (tmp_path / "1/documents/a.pdf").exists()
    assert list((tmp_path / "1/documents").iterdir()) == []
    name = storage.save("1/documents/a.pdf", ContentFile(b"%PDF-1.4 ok"))
    assert (tmp_path / name).read_bytes() == b"%PDF-1.4 ok"
    second = storage.save("1/documents/a.pdf", ContentFile(b"%PDF-1.4 two"))
    assert second != name and (tmp_path / name).read_bytes() == b"%PDF-1.4 ok"


@pytest.mark.django_db(transaction=True)
def test_orphan_files_are_listed_and_removed(world, settings):
    stray = Path(settings.MEDIA_ROOT) / str(world["document"].firm_id) / "generated" / "x.pdf"
    stray.parent.mkdir(parents=True, exist_ok=True)
    before = set(inventory.orphans())
    stray.write_bytes(b"%PDF-1.4 orphan")
    assert set(inventory.orphans()) - before == {stray.relative_to(settings.MEDIA_ROOT)
                                                 .as_posix()}
    out = io.StringIO()
    call_command("orphan_files", stdout=out)
    assert f"{len(before) + 1} orphan file(s) found" in out.getvalue()
    assert "generated/x.pdf" in out.getvalue()
    call_command("orphan_files", delete=True, stdout=io.StringIO())
    assert not stray.exists()
    assert (Path(settings.MEDIA_ROOT) / world["document"].file.name).exists()
