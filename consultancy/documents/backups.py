"""One archive with the database and the private files, and its verified restore.

``manage.py backup`` writes a tar archive holding

- ``database.pgdump`` (``pg_dump --format=custom``) on PostgreSQL, or ``database.sqlite3``
  (SQLite's online backup) for the embedded default;
- ``files/…``: every file of the private storage (``MEDIA_ROOT``);
- ``manifest.json``: when, which engine, and the SHA-256 and size of the database dump
  and of every file.

The database is dumped first and the files are copied after it, so a file written in
between is at worst an orphan (``manage.py orphan_files``), never missing.

``manage.py restore`` refuses a target database that already has tables, restores the
database, then the files (atomically, refusing names that leave the storage), and
verifies every hash: the manifest's for the dump and each file, and the SHA-256 that the
database stores for every generated document.
"""

import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection

from consultancy.refusals import INVALID, Refusal
from consultancy.tenancy import rls

from .inventory import on_file_system, sha256_of, stored_names

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"


class BackupError(Refusal):
    """A backup that cannot be restored here: the target is not empty, or a hash or a name
    does not check out."""

    code = "backup.refused"
    kind = INVALID


def _engine(settings_dict) -> str:
    engine = settings_dict["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"backups support PostgreSQL and SQLite, not {engine}")


# A backup and a restore are every firm's rows: pg_dump and pg_restore run with
# row-level security on (never silently off) in the audited cross-firm mode, set for their
# connection only (``app.cross_firm``, consultancy.tenancy.rls), and logged.
CROSS_FIRM_OPTIONS = f"-c {rls.CROSS_FIRM_SETTING}=on"


def _pg_env(settings_dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {CROSS_FIRM_OPTIONS}".strip()
    return env


def _dump_database(target: Path) -> str:
    engine = _engine(connection.settings_dict)
    if engine == "postgresql":
        target = target.with_suffix(".pgdump")
        rls.logger.info("cross-firm mode: backup: pg_dump of every firm's rows")
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                        "--enable-row-security",
                        "--file", str(target), connection.settings_dict["NAME"]],
                       env=_pg_env(connection.settings_dict), check=True,
                       capture_output=True, timeout=3600)
    else:
        target = target.with_suffix(".sqlite3")
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
    return target.name


def create_backup(output: Path, *, media_root: Path | None = None) -> dict:
    """Write the archive to ``output`` (a file name, or a directory for a dated name).
    With the files on object storage (FILE_STORAGE=s3) it is refused: the bucket is backed
    up by the object store (versioning, replication; docs/scaling.md), not by this archive."""
    if media_root is None and not on_file_system():
        raise BackupError(
            "The private files are on object storage (FILE_STORAGE=s3): back up the "
            "bucket with the object store's versioning or replication, and the database "
            "with pg_dump (docs/scaling.md).")
    media_root = Path(media_root or settings.MEDIA_ROOT)
    now = datetime.datetime.now(datetime.UTC)
    output = Path(output)
    if output.is_dir():
        output = output / f"backup-{now:%Y%m%d-%H%M%S}.tar"
    with tempfile.TemporaryDirectory() as work:
        dump_name = _dump_database(Path(work) / "database")
        dump = Path(work) / dump_name
        manifest = {
            "format": FORMAT, "created_at": now.isoformat(),
            "engine": _engine(connection.settings_dict),
            "database": {"name": dump_name, "size": dump.stat().st_size,
                         "sha256": sha256_of(dump)},
            "files": [],
        }
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(dump, arcname=dump_name)
            for name in stored_names(media_root):
                path = media_root / name
                manifest["files"].append({"name": name, "size": path.stat().st_size,
                                          "sha256": sha256_of(path)})
                archive.add(path, arcname=f"{FILES}/{name}")
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(now.timestamp())
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, output)
    manifest["archive"] = str(output)
    return manifest


def _safe_member_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"refusing a file name outside the storage: {name!r}")
    return path.as_posix()


def _target_is_empty(settings_dict) -> bool:
    if _engine(settings_dict) == "sqlite":
        name = Path(settings_dict["NAME"])
        if not name.exists() or name.stat().st_size == 0:
            return True
        with sqlite3.connect(name) as db:
            return not db.execute("SELECT 1 FROM sqlite_master WHERE type='table'").fetchone()
    import psycopg

    with psycopg.connect(**_pg_connect_args(settings_dict)) as db:
        return not db.execute("SELECT 1 FROM information_schema.tables "
                              "WHERE table_schema = 'public' LIMIT 1").fetchone()


def _pg_connect_args(settings_dict) -> dict:
    args = {"dbname": settings_dict["NAME"], "options": CROSS_FIRM_OPTIONS}
    for key, arg in (("HOST", "host"), ("PORT", "port"), ("USER", "user"),
                     ("PASSWORD", "password")):
        if settings_dict.get(key):
            args[arg] = settings_dict[key]
    return args


def _grant_runtime_role(settings_dict) -> None:
    """The dump carries no privileges: the runtime role gets its rights on the restored
    tables as ``migrate`` gives them (``DATABASE_APP_ROLE``; the restore runs as the owner)."""
    role = getattr(settings, "DATABASE_APP_ROLE", "")
    if not role:
        return
    import psycopg

    with psycopg.connect(**_pg_connect_args(settings_dict)) as db:
        if db.execute("SELECT current_user = %s", [role]).fetchone()[0]:
            return
        for statement in rls.grant_statements(role):
            db.execute(statement)


def _stored_document_hashes(settings_dict) -> list[tuple[str, str]]:
    query = ("SELECT file, sha256 FROM documents_generateddocument "
             "WHERE file <> '' AND sha256 <> ''")
    if _engine(settings_dict) == "sqlite":
        with sqlite3.connect(settings_dict["NAME"]) as db:
            return db.execute(query).fetchall()
    import psycopg

    with psycopg.connect(**_pg_connect_args(settings_dict)) as db:
        return db.execute(query).fetchall()


def restore_backup(archive: Path, *, database: dict, media_root: Path) -> dict:
    """Restore ``archive`` into ``database`` (a settings dict: an empty database) and
    ``media_root``; raises :class:`BackupError` on any mismatch."""
    media_root = Path(media_root)
    with tarfile.open(archive, "r") as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())
        if manifest.get("format") != FORMAT:
            raise BackupError("unknown archive format")
        if manifest["engine"] != _engine(database):
            raise BackupError(f"the archive holds a {manifest['engine']} database, "
                              f"the target is {_engine(database)}")
        if not _target_is_empty(database):
            raise BackupError("the target database is not empty: restore into a new one")
        with tempfile.TemporaryDirectory() as work:
            dump = Path(work) / _safe_member_name(manifest["database"]["name"])
            with tar.extractfile(manifest["database"]["name"]) as src, open(dump, "wb") as out:
                shutil.copyfileobj(src, out)
            if sha256_of(dump) != manifest["database"]["sha256"]:
                raise BackupError("the database dump does not match its SHA-256")
            if manifest["engine"] == "postgresql":
                rls.logger.info("cross-firm mode: restore: pg_restore of every firm's rows")
                subprocess.run(["pg_restore", "--no-owner", "--no-privileges",
                                "--enable-row-security",
                                "--exit-on-error", "--dbname", database["NAME"], str(dump)],
                               env=_pg_env(database), check=True, capture_output=True,
                               timeout=3600)
                _grant_runtime_role(database)
            else:
                Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(dump, database["NAME"])
        for entry in manifest["files"]:
            name = _safe_member_name(entry["name"])
            target = media_root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".partial-{target.name}")
            with tar.extractfile(f"{FILES}/{name}") as src, open(partial, "wb") as out:
                shutil.copyfileobj(src, out)
            if sha256_of(partial) != entry["sha256"]:
                partial.unlink()
                raise BackupError(f"{name} does not match its SHA-256")
            os.replace(partial, target)
    mismatched = [name for name, digest in _stored_document_hashes(database)
                  if not (media_root / name).exists() or sha256_of(media_root / name) != digest]
    if mismatched:
        raise BackupError(f"generated documents that do not match their stored SHA-256: "
                          f"{', '.join(mismatched)}")
    return {"files": len(manifest["files"]), "database": manifest["database"]["name"],
            "created_at": manifest["created_at"]}
