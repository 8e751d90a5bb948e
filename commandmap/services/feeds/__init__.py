"""Position feeds from outside the process: protocol parsing (pure) and the servers that carry it."""
