"""What a citizen's message is before anything is understood of it: how much of it is read, and the text that
stands for a message that is only a photo or a pin (the channels send these; the forms recognise them)."""

# WhatsApp's own limit for a text message: a longer text (a 10 MB paste) is read up to here, so no message can
# hold up the assistant.
MAX_READ = 4096
PHOTO_TEXT = "📷"
LOCATION_TEXT = "📍"
