"""harbour_kit."""
