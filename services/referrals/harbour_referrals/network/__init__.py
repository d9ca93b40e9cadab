"""What the network sees as a whole: figures without personal data, and the retention purge."""
