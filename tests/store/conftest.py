from tests.fixtures_store import *  # noqa: F401,F403
