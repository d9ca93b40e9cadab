"""Temporary closures: typhoon and rainstorm alerts for the whole network, or one organisation's."""
