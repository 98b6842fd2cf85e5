from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("<int:pk>/status/", views.document_status, name="status"),
    path("<int:pk>/download/", views.document_download, name="download"),
    path("<int:pk>/retry/", views.document_retry, name="retry"),
    path("files/<path:name>", views.private_file, name="private_file"),
]
