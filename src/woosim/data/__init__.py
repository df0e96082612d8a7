"""The shop's order data and where it comes from: how an order is held (rows and documents), the recorded store's
catalogue, the deterministic generator, recorded datasets, and the recorded store's static API bodies (the
`.json.gz` files here)."""
