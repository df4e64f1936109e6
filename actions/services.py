"""How actions reach the domain: the action server's services from the composition root, built once per process.

Rasa's SDK makes each action with no arguments; a test hands an action the services it built itself.
"""

from __future__ import annotations

from typing import Optional

from seva import bootstrap
from seva.bootstrap import Services


class UsesServices:
    def __init__(self, services: Optional[Services] = None) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        return self._services or bootstrap.services()
