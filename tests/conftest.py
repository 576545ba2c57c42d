"""Fixtures shared by test modules."""
import os
import uuid

import pytest


@pytest.fixture(scope="module")
def postgres_url():
    """A fresh database on the PostgreSQL server of KIT_TEST_POSTGRES_URL (.ci/start-postgres)."""
    admin = os.environ.get("KIT_TEST_POSTGRES_URL")
    if not admin:
        if os.environ.get("KIT_REQUIRE_POSTGRES"):
            pytest.fail("KIT_REQUIRE_POSTGRES is set but KIT_TEST_POSTGRES_URL is not (.ci/start-postgres)")
        pytest.skip("no PostgreSQL server: set KIT_TEST_POSTGRES_URL (see .ci/start-postgres)")
    import psycopg
    name = f"kit_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield admin.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def busy_machine():
    """Every core taken, twice over, by busy processes each in a session of its own (with Linux's
    autogroup, sessions share the CPU: so the code under test gets a fraction of a core)."""
    import os
    import subprocess
    import sys
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
               for _ in range(2 * (os.cpu_count() or 1))]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
