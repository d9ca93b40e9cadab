"""Travel time by MTR, ferry and foot, offline: the network, door-to-door trips and their words."""
