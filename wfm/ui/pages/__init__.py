"""Page scripts of the app, one per page; each is also an importable module."""
