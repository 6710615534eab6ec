"""The one error type of bad input."""


class ConfigError(ValueError):
    """Bad input: the message is one line naming the key, the value and what is allowed."""
