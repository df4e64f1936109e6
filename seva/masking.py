"""Citizens' numbers as staff and logs see them: masked, save for the last digits that tell two apart."""

from __future__ import annotations

from typing import Optional

SHOWN = 3
MASK = "•"


def masked(sender_id: str) -> str:
    """'919876543210' -> '91•••••••210'; a REST tester's 'rest:ravi-42' -> 'rest:ra••-42'."""
    prefix, _, name = sender_id.rpartition(":")
    head = f"{prefix}:" if prefix else ""
    if len(name) <= SHOWN + 2:
        return head + MASK * len(name)
    return head + name[:2] + MASK * (len(name) - 2 - SHOWN) + name[-SHOWN:]


def number_for(viewer: Optional[str], assigned_to: Optional[str], sender_id: str) -> str:
    """The citizen's number as a staff member sees it: whole to the one the complaint is assigned to (who may call
    them), masked to everyone else."""
    return sender_id if viewer is not None and viewer == assigned_to else masked(sender_id)


def actor_for(viewer: Optional[str], assigned_to: Optional[str], sender_id: str, actor: str) -> str:
    """A history entry's actor ("citizen:<number>") under the same rule."""
    kind, _, who = actor.partition(":")
    return f"{kind}:{number_for(viewer, assigned_to, who)}" if kind == "citizen" and who == sender_id else actor
