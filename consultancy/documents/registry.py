"""Which PDFs exist: each app registers its document kinds here, in ``AppConfig.ready()``.

    from consultancy.documents.registry import PdfSpec, register

    def contract_pdf(contract) -> PdfSpec:
        return PdfSpec(
            template_name="pdf/contract.html",
            context={"contract": contract, "title": "安全生产技术咨询服务合同",
                     "doc_number": contract.engagement.number},
            filename=f"合同-{contract.engagement.number}.pdf",
        )

    register("contract", contract_pdf)
    register_access("contract", lambda user, contract: ...)   # optional

``documents`` never imports the apps that register (the imports run one way). A builder
runs in the render task, inside the owner's firm scope; it gets the owner and returns a
:class:`PdfSpec`. The task adds ``firm`` (the owner's firm) and ``document`` (the
``GeneratedDocument``) to the context unless the builder set them.

An access check decides who may see a kind's documents. In the staff views
(``documents:status``, ``documents:download``) it can only narrow: they answer 404 to
anyone who is not staff of the document's firm, whatever the check says.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from consultancy.refusals import GONE, Refusal

__all__ = [
    "PdfSpec",
    "UnknownDocumentKind",
    "access_check",
    "builder_for",
    "default_access",
    "is_registered",
    "may_access",
    "register",
    "register_access",
    "unregister",
]


@dataclass(frozen=True)
class PdfSpec:
    """What a builder returns: the template (extending ``pdf/base.html``), its context, and
    the file name the PDF is stored and downloaded under."""

    template_name: str
    context: dict = field(default_factory=dict)
    filename: str = "document.pdf"


Builder = Callable[[object], PdfSpec]
AccessCheck = Callable[[object, object], bool]


class UnknownDocumentKind(Refusal, LookupError):
    """No PDF builder is registered for the kind asked for."""

    code = "document.unknown_kind"
    kind = GONE


_builders: dict[str, Builder] = {}
_access: dict[str, AccessCheck] = {}


def register(kind: str, builder: Builder) -> None:
    """Register the builder of ``kind``. Registering the same builder again is harmless;
    another builder for a kind already taken is a programming error."""
    current = _builders.get(kind)
    if current is not None and current is not builder:
        raise ValueError(f"Document kind {kind!r} is already registered to {current!r}.")
    _builders[kind] = builder


def register_access(kind: str, check: AccessCheck) -> None:
    """``check(user, owner) -> bool``: whether ``user`` may see ``kind`` documents of
    ``owner``. Without one, every staff member of the owner's firm may."""
    _access[kind] = check


def unregister(kind: str) -> None:
    """Forget a kind (tests)."""
    _builders.pop(kind, None)
    _access.pop(kind, None)


def is_registered(kind: str) -> bool:
    return kind in _builders


def builder_for(kind: str) -> Builder:
    try:
        return _builders[kind]
    except KeyError:
        raise UnknownDocumentKind(f"No PDF builder is registered for {kind!r}.") from None


def default_access(user, owner) -> bool:
    """Firm staff (managers and consultants) of the owner's firm."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_firm_staff
        and user.firm_id == getattr(owner, "firm_id", None)
    )


def access_check(kind: str) -> AccessCheck:
    """The kind's registered check, else :func:`default_access`."""
    return _access.get(kind, default_access)


def may_access(user, owner, kind: str) -> bool:
    """Whether the kind's check (or the default one) lets ``user`` see ``owner``'s document.

    The staff views also require firm staff of the document's firm; for a client contact
    the kind's check has to let them in explicitly."""
    return bool(access_check(kind)(user, owner))
