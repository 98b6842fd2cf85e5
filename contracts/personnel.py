"""The contract's consulting personnel (clause 7, "咨询人员构成") and each one's
certificates as they stand on the first day of the service."""

from django.db.models import Prefetch

from consultancy.tenancy.models import Qualification

VALID, EXPIRED, NOT_YET = "valid", "expired", "not_yet"


def status_on(qualification, day) -> str:
    if day is None:
        return ""
    if qualification.valid_until < day:
        return EXPIRED
    if qualification.valid_from > day:
        return NOT_YET
    return VALID


def personnel_on_start(contract) -> list[dict]:
    """``[{"user", "certificates": [{"qualification", "status"}], "valid", "flagged"}]``:
    each person of the contract's personnel with the validity of each certificate on the
    start date; ``flagged`` when they hold a certificate that has expired by then, or none
    valid on that day. Two queries."""
    day = contract.start_date
    people = contract.personnel.order_by("full_name").prefetch_related(
        Prefetch("qualifications", queryset=Qualification.objects.order_by("-valid_until")))
    rows = []
    for user in people:
        certificates = [{"qualification": q, "status": status_on(q, day)}
                        for q in user.qualifications.all()]
        valid = any(c["status"] == VALID for c in certificates)
        expired = any(c["status"] == EXPIRED for c in certificates)
        rows.append({"user": user, "certificates": certificates, "valid": valid,
                     "expired": expired, "flagged": day is not None and (expired or not valid)})
    return rows
