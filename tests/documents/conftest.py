"""A test document kind: ``pdf/_sample.html`` for a Client, with the firm's name in it."""

import pytest

from consultancy.documents import registry
from consultancy.documents.registry import PdfSpec
from consultancy.documents.samples import SAMPLE_TEMPLATE, sample_context
from tests.s3 import moto_endpoint, s3  # noqa: F401 (fixtures: a local S3 API server)

KIND = "test-sample"
FAILING_KIND = "test-failing"
BODY_TEXT = "甲乙双方本着平等自愿、诚实信用的原则"


def sample_builder(client):
    context = sample_context(firm=client.firm, articles=2, doc_number=f"C-{client.pk}")
    context["client_name"] = client.name
    return PdfSpec(SAMPLE_TEMPLATE, context, filename=f"示例合同 {client.pk}")


def failing_builder(client):
    raise RuntimeError("合同条款未填写完整")


@pytest.fixture(autouse=True)
def document_kinds():
    registry.register(KIND, sample_builder)
    registry.register(FAILING_KIND, failing_builder)
    yield
    registry.unregister(KIND)
    registry.unregister(FAILING_KIND)
