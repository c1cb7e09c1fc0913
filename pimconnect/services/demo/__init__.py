"""The demo catalog seeded on first start, and large generated catalogs for benchmarks."""
