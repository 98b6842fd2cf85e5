from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consultancy.documents.backups import BackupError, create_backup


class Command(BaseCommand):
    help = ("Write one archive with the database (pg_dump custom format, or the SQLite "
            "file) and every private file, with a manifest of their SHA-256.")

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(settings.BASE_DIR / "var" / "backups"),
                            help="a file name, or a directory for a dated name "
                                 "(default var/backups/)")

    def handle(self, *args, output, **options):
        target = Path(output)
        if not target.suffix:
            target.mkdir(parents=True, exist_ok=True)
        try:
            manifest = create_backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{manifest['archive']}: database {manifest['database']['name']} "
                          f"({manifest['database']['size']} bytes), "
                          f"{len(manifest['files'])} files")
