"""A client of the WhatsApp Business Cloud API (Meta's Graph API), shared by the WhatsApp channel and the
notification worker: `api` sends messages and fetches media over one HTTP path, `messages` builds message bodies
within WhatsApp's limits. It knows nothing of Rasa."""
