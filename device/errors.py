"""One exception family; each subclass also inherits the builtin it resembles."""


class HushlightError(Exception):
    """Base of every error Hushlight raises on purpose."""


class ConfigError(HushlightError, ValueError):
    """The configuration file is missing, unreadable or invalid."""

    def __init__(self, path: object, key: str, message: str) -> None:
        self.path = str(path)
        self.key = key
        self.message = message
        where = f"{self.path}: {key}" if key else self.path
        super().__init__(f"{where}: {message}")


class HardwareError(HushlightError, OSError):
    """A hardware part did not answer or answered nonsense."""


class StateFileError(HushlightError, ValueError):
    """A persisted state file is corrupt or of the wrong shape."""
