"""harbour_gateway."""
