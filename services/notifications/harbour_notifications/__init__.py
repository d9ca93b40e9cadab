"""harbour_notifications."""
