from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from consultancy.documents.inventory import missing, orphans


class Command(BaseCommand):
    help = ("List the private files no row refers to (left by a failed request or a restore "
            "of an older database) and the rows whose file is missing; --delete removes the "
            "orphans.")

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="remove the orphan files")

    def handle(self, *args, delete=False, **options):
        storage = default_storage  # the file system's folder or the bucket
        found = orphans()
        for name in found:
            self.stdout.write(f"orphan  {name}")
            if delete:
                storage.delete(name)
        for name in missing():
            self.stdout.write(f"missing {name}")
        verb = "deleted" if delete else "found"
        self.stdout.write(f"{len(found)} orphan file(s) {verb}")
