"""The command line, the top of the layers: it may import everything; nothing imports it."""
