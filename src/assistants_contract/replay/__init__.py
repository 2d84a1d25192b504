"""Cassettes played back: matching recorded requests (`matching.py`), shared by the replay server, the pytest
cassette fixture and lint."""
