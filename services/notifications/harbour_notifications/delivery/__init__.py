"""Delivery: the channels and the worker that sends, retries and gives up."""
