"""A throwaway PostgreSQL server for the tests: Debian's binaries, `initdb` + `pg_ctl` in a
temporary directory, trust auth on 127.0.0.1 and a free port. Run as the `postgres` user when
we are root (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    return Path(dirs[-1]) if dirs else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    """`start()` returns a URL or raises RuntimeError saying why it cannot run here."""

    def __init__(self) -> None:
        self.dir: Path | None = None
        self.port = _free_port()
        self.bin = _bin_dir()
        self._as: list[str] = []

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        assert self.bin is not None
        cmd = [*self._as, str(self.bin / args[0]), *args[1:]]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def start(self) -> str:
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.dir = Path(tempfile.mkdtemp(prefix="ssmem-pg-"))
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise RuntimeError("running as root and runuser is missing")
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no 'postgres' user") from None
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._as = [runuser, "-u", "postgres", "--"]
        data = self.dir / "data"
        r = self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stderr.strip()[-500:]}")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        log = str(self.dir / "log")
        r = self._run("pg_ctl", "-D", str(data), "-o", opts, "-l", log, "-w", "-t", "60", "start")
        if r.returncode != 0:
            tail = Path(log).read_text()[-500:] if Path(log).exists() else r.stderr
            raise RuntimeError(f"pg_ctl start failed: {tail.strip()}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def create_db(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.dir is None:
            return
        if self.bin is not None and (self.dir / "data").exists():
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
