"""Seva's WhatsApp channel: `channel` (Rasa's input and output), `payload` (reading webhooks), `store` (its tables).

credentials.yml names the channel `connectors.whatsapp.channel.WhatsAppInput`; this package imports nothing
itself, so that its tables can be known (migrations) without loading Rasa.
"""
