"""harbour_runner."""
