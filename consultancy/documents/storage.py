from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files on disk under MEDIA_ROOT with no public URL: ``url()`` is refused, so a
    template can never link a file past the views that check firm and role."""

    def __init__(self, **kwargs):
        kwargs["base_url"] = None
        super().__init__(**kwargs)

    def url(self, name):
        raise NotImplementedError(
            "Private files have no public URL; link to the view that serves them."
        )
