"""The in-app inbox: what each organisation's staff are told, and what they have read."""
