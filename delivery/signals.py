"""What clause 8's services announce, for apps that delivery must not import (the client
portal mails the contacts when something awaits them). Sent inside the service's
transaction; a receiver that has work done outside the database writes an outbox job
(``consultancy.outbox.enqueue``) in that transaction."""

from django.dispatch import Signal

# 8.3.1: a plan version was issued in writing and now awaits the client's confirmation.
# Arguments: ``plan``.
plan_issued = Signal()

# 8.5.2: documents were delivered to the client in one hand-over and await acknowledgement.
# Arguments: ``engagement``, ``deliveries`` (the DocumentDelivery rows).
documents_delivered = Signal()
