"""Seva's domain: complaints, their workflow and lifecycle, citizens, staff and the outbox, in plain Python with no
Rasa or HTTP in it. `seva.bootstrap` builds its services for each process from `seva.settings`."""
