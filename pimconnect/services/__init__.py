"""Use cases with no access to the request, the session or ``g``."""
