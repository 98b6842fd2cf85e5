from pathlib import Path

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from consultancy.documents.backups import BackupError, restore_backup
from consultancy.tenancy import pagecache


class Command(BaseCommand):
    help = ("Restore an archive of `manage.py backup` into an empty database and the "
            "private storage, verifying every file's SHA-256 and every generated "
            "document's stored hash.")

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--database-url", help="the empty target database "
                                                   "(default: the configured one)")
        parser.add_argument("--media-root", help="where the files go (default MEDIA_ROOT)")

    def handle(self, *args, archive, database_url=None, media_root=None, **options):
        database = (environ.Env.db_url_config(database_url) if database_url
                    else connection.settings_dict)
        try:
            report = restore_backup(Path(archive), database=database,
                                    media_root=Path(media_root or settings.MEDIA_ROOT))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not database_url:  # this deployment's own database: its cached pages are stale
            pagecache.renew_every_firm()
        self.stdout.write(f"restored the backup of {report['created_at']}: database and "
                          f"{report['files']} files, every hash verified")
