"""Seva's custom actions and forms for Rasa's action server: they read the conversation, call the domain (`seva`)
and choose a response."""
