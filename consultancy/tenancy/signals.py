"""What the firm's people services announce: ``staff_changed(firm, by, verb, user, params)``
after each change to the staff, inside the service's transaction (the activity log
records it there)."""

from django.dispatch import Signal

staff_changed = Signal()
