"""Seva's own input channels."""
