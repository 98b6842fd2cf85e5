from django.core.files.storage import FileSystemStorage
from django.urls import reverse


class PrivateStorage(FileSystemStorage):
    """Files on disk under MEDIA_ROOT, never served from a public URL.

    ``url()`` points at ``documents:private_file``, which only a manager of the firm the
    file belongs to may open (the admin links files this way). Every other page links a
    file through the view of the record that owns it, which checks firm, role and the
    record (e.g. ``contracts:signed_copy``).
    """

    def __init__(self, **kwargs):
        kwargs["base_url"] = None
        super().__init__(**kwargs)

    def url(self, name):
        return reverse("documents:private_file", args=[name])
