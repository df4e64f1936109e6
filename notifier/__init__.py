"""The notification worker: tells citizens what happened to their complaints (`python -m notifier`)."""
