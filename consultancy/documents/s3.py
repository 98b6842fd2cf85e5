"""Private files on S3-compatible object storage (django-storages' S3 backend, boto3), when
``FILE_STORAGE=s3`` (settings): what lets several web processes on several machines share
the files (docs/scaling.md). The file system (``storage.PrivateStorage``) stays the default.

The objects are private: no ACL is set on them (the bucket's own, private, applies), and
no page ever links to the bucket. ``url()`` is the same scoped view as the file system's
(``documents:private_file``), and every download is streamed by the view of the record that
owns the file, after its firm and role check (``serving``, through ``storage.open``), with
the type sniffed when it was stored, never the object's own Content-Type, and the same
headers as on the file system (attachment or inline by type, no HTML or SVG, nosniff, a
sandboxing CSP). No pre-signed URL is handed out; were one made (the backend's own
``url``), it would live ``AWS_QUERYSTRING_EXPIRE`` seconds (60 by default).

Keys are ``[AWS_LOCATION/]<firm_id>/<kind>/<uuid4 hex>/<safe name>``
(``consultancy.tenancy.files.FirmUploadTo``): scoped by firm, never guessable, and never
overwritten (``file_overwrite`` off: a name already taken gets a suffix).
"""

from django.conf import settings
from django.urls import reverse
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend with what this application needs whatever the
    settings say: private objects, signed URLs only, names never reused."""

    def get_default_settings(self):
        defaults = super().get_default_settings()
        defaults.update(
            default_acl=None,  # the bucket's own (private) policy, never public-read
            querystring_auth=True,
            querystring_expire=getattr(settings, "AWS_QUERYSTRING_EXPIRE", 60),
            file_overwrite=False,
            # Signature version 4 (what MinIO and every region need): a signed URL says
            # its life in X-Amz-Expires.
            signature_version=defaults.get("signature_version") or "s3v4",
            # Fetched other than through the views, an object is a download.
            object_parameters={"ContentDisposition": "attachment",
                               **defaults.get("object_parameters", {})},
        )
        return defaults

    def url(self, name, parameters=None, expire=None, http_method=None):
        """The scoped view (managers of the file's firm), as on the file system: never the
        bucket's address."""
        return reverse("documents:private_file", args=[name])
