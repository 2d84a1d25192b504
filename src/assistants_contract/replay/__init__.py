"""Cassettes played back: matching recorded requests (`matching.py`), shared by the replay server, the pytest
cassette fixture and lint.

The replay server (`assistants-contract replay`): which recorded answer a request gets (`playback.py`), the
session that checks each request, answers it and keeps the tally (`session.py`), its starlette app
(`app.py`, `create_replay_app`) and the runner (`runner.py`). Nothing is imported here, so the fixture and lint
can use `matching` without loading starlette."""
