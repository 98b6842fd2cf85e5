import os
import tempfile

from django.core.files.storage import FileSystemStorage
from django.urls import reverse

# Where a file is written before it takes its name (inside MEDIA_ROOT, so the final step is
# a rename on the same filesystem); never a stored file's name.
PARTIAL_PREFIX = ".partial-"
UPLOAD_TEMP_DIR = ".upload-tmp"


class PrivateStorage(FileSystemStorage):
    """Files on disk under MEDIA_ROOT, never served from a public URL.

    ``url()`` points at ``documents:private_file``, which only a manager of the firm the
    file belongs to may open (the admin links files this way). Every other page links a
    file through the view of the record that owns it, which checks firm, role and the
    record (e.g. ``contracts:signed_copy``).

    Writes are atomic: the content goes to a temporary file in the target directory, is
    flushed to disk, and only then takes its name, so a failed or interrupted write never
    leaves a partial file under a stored name.
    """

    def __init__(self, **kwargs):
        kwargs["base_url"] = None
        super().__init__(**kwargs)

    def url(self, name):
        return reverse("documents:private_file", args=[name])

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        if self.directory_permissions_mode is not None:
            os.chmod(directory, self.directory_permissions_mode)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(partial, self.file_permissions_mode
                     if self.file_permissions_mode is not None else 0o640)
            while True:
                try:
                    os.link(partial, full_path)  # fails rather than replace a stored file
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        return str(name).replace("\\", "/")
