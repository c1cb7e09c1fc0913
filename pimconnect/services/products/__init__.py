"""Products: their values, writes, completeness, media, and the views of them (REST documents, grid, form)."""
