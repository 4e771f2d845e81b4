"""Registry: organizations, locations, products, batches and certificates."""
