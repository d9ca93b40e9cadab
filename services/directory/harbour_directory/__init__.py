"""harbour_directory."""
