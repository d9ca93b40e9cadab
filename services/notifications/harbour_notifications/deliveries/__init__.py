"""Who is told what on which channel, the worker that sends it, and the delivery log."""
