"""What the private storage holds against what the database refers to: the stored files
of every ``FileField`` of every model, the orphans (files no row refers to) and the
missing (rows whose file is gone). Used by ``manage.py orphan_files`` and the backups."""

import hashlib
import os
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import models

from consultancy.tenancy.rls import cross_firm

from .storage import PARTIAL_PREFIX, UPLOAD_TEMP_DIR


def referenced_names() -> set[str]:
    """Every file name a row of any model (history tables included) points at: every
    firm's rows, in the audited cross-firm mode (``orphan_files`` and the backups)."""
    names: set[str] = set()
    with cross_firm("files inventory: the files every firm's rows refer to"):
        for model in apps.get_models():
            fields = [f.name for f in model._meta.concrete_fields
                      if isinstance(f, models.FileField)]
            for field in fields:
                names.update(n for n in model._base_manager.exclude(**{field: ""})
                             .values_list(field, flat=True) if n)
    return names


def on_file_system() -> bool:
    """Whether the private storage is the file system (else object storage, FILE_STORAGE=s3)."""
    return isinstance(default_storage, FileSystemStorage) or isinstance(
        getattr(default_storage, "_wrapped", None), FileSystemStorage)


def _walk_storage(storage, directory: str = "") -> list[str]:
    folders, files = storage.listdir(directory)
    prefix = f"{directory}/" if directory else ""
    out = [prefix + name for name in files if not name.startswith(PARTIAL_PREFIX)]
    for folder in folders:
        if folder != UPLOAD_TEMP_DIR:
            out.extend(_walk_storage(storage, prefix + folder))
    return out


def stored_names(root: Path | None = None) -> list[str]:
    """Every file under the private storage's root, as a storage name (``a/b/c.pdf``),
    without the temporary files of writes and uploads in progress. On object storage
    (no ``root`` given), every object of the bucket under its prefix."""
    if root is None and not on_file_system():
        return sorted(_walk_storage(default_storage))
    root = Path(root or settings.MEDIA_ROOT)
    out = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != UPLOAD_TEMP_DIR]
        for name in files:
            if name.startswith(PARTIAL_PREFIX):
                continue
            out.append(Path(directory, name).relative_to(root).as_posix())
    return sorted(out)


def orphans() -> list[str]:
    referenced = referenced_names()
    return [n for n in stored_names() if n not in referenced]


def missing() -> list[str]:
    stored = set(stored_names())
    return sorted(n for n in referenced_names() if n not in stored)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
