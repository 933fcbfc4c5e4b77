"""The one exception storage functions raise for a change the data does not allow."""

from __future__ import annotations


class Rejected(Exception):
    """A change that cannot be made; the message says why in one sentence, for the user."""
