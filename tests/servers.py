"""Starting the real action server, `rasa run` and the staff API for full-stack tests, and talking to them over HTTP."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, TypeVar

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """An action server and a Rasa server with the REST channel, each a real process."""

    def __init__(
        self,
        model: Path,
        env: Dict[str, str],
        endpoints: Path,
        log_dir: Path,
        credentials: Path = ROOT / "credentials.yml",
        profile_dir: Optional[Path] = None,
        cpu: Optional[int] = None,
        rest_token: Optional[str] = None,
    ):
        self.action_port = free_port()
        self.rasa_port = free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        # As under `make serve`: Rasa's HTTP API needs a token, and so does the REST channel beside WhatsApp's.
        self.token = secrets.token_urlsafe(16)
        # Replicas behind one load balancer share it.
        self.rest_token = rest_token or secrets.token_urlsafe(16)
        self.env = {
            **os.environ,
            **env,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "RASA_AUTH_TOKEN": self.token,
            "REST_CHANNEL_TOKEN": self.rest_token,
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        self.model, self.endpoints, self.log_dir, self.credentials = model, endpoints, log_dir, credentials
        # Each process under pyinstrument, its profile written there when it is stopped (`stop(signal.SIGINT)`).
        self.profile_dir = profile_dir
        # Each process on this one core (taskset), as a replica of its own machine would be.
        self.cpu = cpu
        self.processes: List[subprocess.Popen] = []
        # Where the running Seva keeps citizens' photos.
        self.media_dir = env.get("MEDIA_DIR", "")

    def start(self, timeout: float = 300) -> Servers:
        self._spawn_actions()
        self._spawn_rasa()
        return self._wait(timeout)

    def restart_rasa(self, while_down=lambda: None, timeout: float = 300, crash: bool = False) -> Servers:
        """Stops `rasa run` (or kills it, as a machine that dies would), calls `while_down`, and starts it again
        (conversations stay in the tracker store)."""
        rasa = self.processes.pop()
        if crash:
            rasa.kill()
        else:
            rasa.terminate()
        rasa.wait(timeout=60)
        while_down()
        self._spawn_rasa()
        return self._wait(timeout)

    def without_actions(self, while_down) -> None:
        """Stops the action server, calls `while_down`, and starts it again."""
        actions = self.processes.pop(0)
        actions.terminate()
        actions.wait(timeout=60)
        try:
            while_down()
        finally:
            self._spawn_actions(first=True)
            self._wait(300)

    def _spawn_actions(self, first: bool = False) -> None:
        self._spawn("actions", ["-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)])
        if first:
            self.processes.insert(0, self.processes.pop())

    def _spawn_rasa(self) -> None:
        self._spawn(
            "rasa",
            [
                str(BIN / "rasa"),
                "run",
                "--model",
                str(self.model),
                "--endpoints",
                str(self.endpoints),
                "--credentials",
                str(self.credentials),
                "--enable-api",
                # Joined with "=": a token may begin with "-", which would be read as an option.
                f"--auth-token={self.token}",
                "--port",
                str(self.rasa_port),
            ],
        )

    def _wait(self, timeout: float) -> Servers:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.processes:
                if p.poll() is not None:
                    raise RuntimeError(f"a server exited early; see {self.log_dir}")
            if self._ready():
                return self
            time.sleep(1)
        raise RuntimeError(f"servers not ready after {timeout} s; see {self.log_dir}")

    def _spawn(self, name: str, arguments: List[str]) -> None:
        """Starts `python <arguments>` (a module, or a script such as the `rasa` command)."""
        command = [str(BIN / "python")]
        if self.profile_dir:
            command += [
                "-m",
                "pyinstrument",
                "-i",
                "0.01",
                "-r",
                "pyisession",
                "-o",
                str(self.profile_dir / f"{name}.pyisession"),
            ]
        if self.cpu is not None:
            command = ["taskset", "-c", str(self.cpu)] + command
        log = (self.log_dir / f"{name}.log").open("a")
        self.processes.append(
            subprocess.Popen(command + arguments, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        )

    def _ready(self) -> bool:
        try:
            status = requests.get(f"{self.url}/status", params={"token": self.token}, timeout=2)
            health = requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=2)
            return status.ok and bool(status.json().get("model_file")) and health.ok
        except requests.RequestException:
            return False

    def stop(self, how: int = signal.SIGTERM) -> None:
        for p in self.processes:
            p.send_signal(how)
        for p in self.processes:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()

    def say(self, sender: str, text: str, metadata: Optional[dict] = None) -> List[dict]:
        body: Dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json=body,
            headers={"Authorization": f"Bearer {self.rest_token}"},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()


Started = TypeVar("Started", bound="ProcessServer")


class ProcessServer:
    """A Seva process of its own (`python -m <module>`), up once its health check answers."""

    what = "the process"
    health = "/"

    def __init__(self, env: Dict[str, str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
        self.log = log
        self.process: Optional[subprocess.Popen] = None

    def arguments(self) -> List[str]:
        raise NotImplementedError

    def start(self: Started, timeout: float = 60) -> Started:
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(BIN / "python"), *self.arguments()], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.what} exited early:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.url}{self.health}", timeout=2).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"{self.what} is not up after {timeout} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        assert self.process is not None, f"{self.what} was not started"
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class StaffApiServer(ProcessServer):
    """`python -m staff.api` in a process of its own."""

    what = "the staff API"
    health = "/health"

    def arguments(self) -> List[str]:
        return ["-m", "staff.api", "--host", "127.0.0.1", "--port", str(self.port)]


class ReceiverServer(ProcessServer):
    """The WhatsApp receiver (`python -m connectors.whatsapp.receiver`) in a process of its own, handing what it
    takes in to the `rasa run` at `rasa_url`."""

    what = "the receiver"

    def __init__(self, env: Dict[str, str], rasa_url: str, log: Path):
        super().__init__({**env, "RASA_URL": rasa_url}, log)
        self.webhook_url = f"{self.url}/webhooks/whatsapp/webhook"

    def arguments(self) -> List[str]:
        return ["-m", "connectors.whatsapp.receiver", "--port", str(self.port)]
