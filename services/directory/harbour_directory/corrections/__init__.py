"""Public corrections: anyone reports a wrong listing; its admins and moderators act on reports."""
