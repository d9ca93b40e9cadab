"""Recipients' profiles: how each staff member is reached, and their choices per type."""
