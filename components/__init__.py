"""Seva's own NLU components: they turn catalogue knowledge into normalised entities.

Rasa imports this package in every process that loads Seva's model (`rasa run`, `shell`, `interactive`), so the
cached schema validation is installed here."""

from components import cached_validation

cached_validation.install()
