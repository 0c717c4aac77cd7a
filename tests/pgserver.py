"""A throwaway PostgreSQL server for the tests: Debian's postgresql binaries, a cluster
initdb'd in a temporary folder, listening on 127.0.0.1 at a free port and on a socket in
that folder, stopped and removed afterwards. PostgreSQL refuses to run as root, so as root
the cluster belongs to `nobody` (runuser). `make test` installs postgresql (system-packages)."""
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "grader"  # the cluster's superuser (trust authentication: only this machine reaches it)


def binaries():
    """The folder holding initdb and pg_ctl (Debian keeps them off PATH), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`Server().start()`; `.url(db)` for SQLAlchemy; `.create_database(name)`; `.stop()`."""

    def __init__(self):
        self.bin = binaries()
        if self.bin is None:
            raise FileNotFoundError("PostgreSQL's initdb and pg_ctl are not installed "
                                    "(Debian: apt-get install postgresql; `make test` does it as root)")
        # not /tmp: the sandbox's tests may hide it, and `nobody` must be able to reach the folder
        self.folder = Path(tempfile.mkdtemp(prefix="course-pg-", dir="/var/tmp"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_other = os.geteuid() == 0

    def _run(self, *command, check=True):
        prefix = ["runuser", "-u", "nobody", "--"] if self.as_other else []
        return subprocess.run(prefix + [str(c) for c in command], check=check, capture_output=True,
                              text=True, timeout=120, cwd=self.folder)

    def start(self):
        if self.as_other:
            os.chmod(self.folder, 0o755)
            shutil.chown(self.folder, "nobody")
        try:
            self._run(self.bin / "initdb", "-D", self.data, "-U", USER, "-A", "trust",
                      "--no-sync", "-E", "UTF8", "--no-locale")
            options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                       "-c shared_buffers=16MB -c max_connections=40")
            self._run(self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.folder / "log",
                      "-w", "-t", "60", "start")
        except subprocess.CalledProcessError as error:
            log = (self.folder / "log").read_text() if (self.folder / "log").is_file() else ""
            self.stop()
            raise RuntimeError(f"PostgreSQL did not start: {error.stderr or error.stdout}{log}") from None
        return self

    def url(self, database="postgres"):
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self):
        if self.data.is_dir():
            self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def wait_gone(server, seconds=10):
    """True once nothing answers on the server's port (for tests of the fixture itself)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", server.port)) != 0:
                return True
        time.sleep(0.1)
    return False
