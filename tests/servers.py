"""Real server processes for the tests: a Chroma server (`chroma run`) and a gunicorn with several workers."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def stop_process(process: subprocess.Popen, timeout: float = 30) -> int:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds; returns the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def wait_until_ok(url: str, process: subprocess.Popen, timeout: float, what: str, log=lambda: "") -> None:
    """Until GET url answers 200; fails at once, with the end of `log()`, if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s:\n{log()[-3000:]}")


class ChromaServer:
    """`chroma run` on a fixed path and port; can be killed and started again on both."""

    def __init__(self, path: Path, port: int):
        self.path, self.port, self.process = path, port, None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "chroma"), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_ok(f"{self.url}/api/v2/heartbeat", self.process, timeout, "chroma run")

    def client(self):
        """A chromadb.HttpClient on this server, to look at what the app stored."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        return chromadb.HttpClient(host="127.0.0.1", port=self.port,
                                   settings=ChromaSettings(anonymized_telemetry=False))

    def kill(self) -> None:
        """SIGKILL: the server goes away without any warning."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        """SIGTERM: a clean shutdown."""
        if self.process:
            stop_process(self.process)


# The worker's pid ("<1234>") and the X-Test-Seq header of each request, in gunicorn's access log.
ACCESS_LOG_FORMAT = '%(p)s %({x-test-seq}i)s %(s)s "%(m)s %(U)s"'
ACCESS_LINE = re.compile(r"<(\d+)> (\S+) (\d{3}) ")


def has_control_socket() -> bool:
    """gunicorn >= 27 opens a control socket (~/.gunicorn/gunicorn.ctl) unless told not to."""
    from gunicorn.config import KNOWN_SETTINGS
    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


class Gunicorn:
    """The app under gunicorn (gthread, as `make run` starts it) with `workers` worker processes, configured by
    `env` on top of this environment. Every request is written to an access log with the pid of the worker
    that served it (ACCESS_LOG_FORMAT), so a test can tell which worker answered which request."""

    def __init__(self, name: str, folder: Path, port: int, env: dict[str, str], workers: int = 1, threads: int = 4):
        self.name, self.url = name, f"http://127.0.0.1:{port}"
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path, self.access_log = folder / f"{name}.log", folder / f"{name}-access.log"
        command = [str(BIN / "gunicorn"), "--worker-class", "gthread", "--workers", str(workers),
                   "--threads", str(threads), "--timeout", "120", "--graceful-timeout", "20",
                   "--keep-alive", "60",   # a test's connection stays with the worker that accepted it
                   "--access-logfile", str(self.access_log), "--access-logformat", ACCESS_LOG_FORMAT,
                   "--bind", f"127.0.0.1:{port}"]
        if has_control_socket():
            command.append("--no-control-socket")
        command.append("app:create_app()")
        full_env = {**os.environ, **env}
        for unset in [k for k, v in full_env.items() if v is None]:
            del full_env[unset]
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 120) -> None:
        """Until /health answers 200 (at least one worker is up)."""
        wait_until_ok(self.url + "/health", self.process, timeout, f"gunicorn {self.name}", self.log)

    def worker_pids(self) -> set[int]:
        """The pids of the master's child processes (its workers), read from /proc."""
        pids = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.add(int(stat.parent.name))
        return pids

    def served(self) -> dict[str, tuple[int, int]]:
        """X-Test-Seq -> (pid of the worker that served it, status), from the access log."""
        if not self.access_log.exists():
            return {}
        return {m.group(2): (int(m.group(1)), int(m.group(3)))
                for m in map(ACCESS_LINE.match, self.access_log.read_text().splitlines()) if m}

    def served_by(self, seq: str, timeout: float = 5) -> int:
        """The pid of the worker that served request `seq` (the line is written just after the response)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.served().get(seq)
            if found or time.monotonic() > deadline:
                assert found, f"request {seq} is not in the access log of {self.name}"
                return found[0]
            time.sleep(0.02)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        code = stop_process(self.process)
        if not self._log.closed:
            self._log.close()
        return code
