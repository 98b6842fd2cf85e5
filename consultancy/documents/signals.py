"""What the documents app announces to the apps above it (which it never imports)."""

from django.dispatch import Signal

# A generated PDF was made and stored: its status is now ready. Sent inside the render
# task's transaction that stored it; a receiver with work outside the database writes an
# outbox job (``consultancy.outbox.enqueue``). Arguments: ``document``.
document_ready = Signal()
