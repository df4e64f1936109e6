"""Seva's HTTP API for municipal staff: complaints of their city, and the workflow's actions on them."""
