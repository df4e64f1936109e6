"""Seva's own NLU components: they turn catalogue knowledge into normalised entities."""
