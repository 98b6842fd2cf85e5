from django.shortcuts import get_object_or_404

from consultancy.documents.serving import private_file_response

from .mixins import firm_staff_required
from .models import Qualification


@firm_staff_required
def qualification_scan(request, pk):
    """A certificate scan: firm staff of the same firm only; anyone else gets a 404."""
    qualification = get_object_or_404(Qualification, pk=pk, firm=request.user.firm)
    return private_file_response(qualification.scan, as_attachment=False)
