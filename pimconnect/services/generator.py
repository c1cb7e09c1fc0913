"""Demo products and large generated catalogs (filled in by the products work)."""


def demo_products(count):
    """Create the demo products; returns how many exist."""
    return 0


def generate(count, batch=1000, progress=None):
    raise NotImplementedError
