"""Hear a turn, a script or an episode's script as it renders (`castwright listen`)."""
