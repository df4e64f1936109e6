"""Seva's action server: the complaint domain (catalogue, matching, storage) and the Rasa actions over it."""
