"""The one error hierarchy: every message is a sentence a user can act on.

Layers raise subclasses of `NumerbayError`; the app shows `str(error)` as is, so a message
never contains a secret, a traceback or a raw library error.
"""


class NumerbayError(Exception):
    """Root of every error the app expects and explains."""


class InvalidInput(NumerbayError):
    """Something the user typed or a file they chose is not acceptable."""


class ConfigurationError(NumerbayError):
    """The installation or settings cannot work as they are (a missing tool, a busy port)."""
