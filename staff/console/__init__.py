"""The staff console: server-rendered pages for municipal staff, served by the staff API process at `/`."""
