"""The exceptions services raise for a refused change: ``Invalid`` ({field: message}, shared by every form)
and ``ValidationFailed`` (the reference's list of violations, for documents in the REST API's shape)."""


class Invalid(Exception):
    """A change that cannot be saved; ``errors`` maps each field (``""`` for the whole form) to a message."""

    def __init__(self, errors):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class ValidationFailed(Exception):
    """The reference's 422 "Validation failed." with its ``errors`` list (§2.1).

    ``documented`` lists the reasons of the errors the reference raises while *reading* the document
    (unknown property, wrong type, unknown code: its updater exceptions), which the API answers as a
    documented 422 instead of a list of violations; the web UI shows every error alike.
    """

    def __init__(self, errors, message="Validation failed.", documented=()):
        super().__init__(message)
        self.errors = errors
        self.message = message
        self.documented = list(documented)
