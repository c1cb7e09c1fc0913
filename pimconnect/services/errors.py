"""The exception services raise for a refused change, shared by every form."""


class Invalid(Exception):
    """A change that cannot be saved; ``errors`` maps each field (``""`` for the whole form) to a message."""

    def __init__(self, errors):
        super().__init__("; ".join(errors.values()))
        self.errors = errors
