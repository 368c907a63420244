"""The explorer notebook served as a web app with Voilà, for people who do not use notebooks.

``serve_dashboard()`` runs ``voila notebooks/04-explorer.ipynb`` on loopback until interrupted;
``Dashboard`` does the same in the background (a context manager that waits until the server
answers and always stops it), which is what the browser test uses.

What the notebook shows is chosen through environment variables of the Voilà process (and so
of its kernel), never through its command line, so an API key does not show up in ``ps``:

- ``EACHLABS_DATA``: a Parquet file written by ``ea.to_parquet`` (``data=`` here; ``"sample"``
  is the bundled sample, the demo's data);
- else ``EACHLABS_API_KEY`` (and ``EACHLABS_BASE_URL``): the last ``EACHLABS_DAYS`` days
  (default 30) from the API (``api_key=``, ``base_url=``, ``days=``);
- else the bundled sample, like the demo.

The server is ready when its page has rendered: the first page is requested and checked for
Voilà's error marks before anyone is told where it is. Voilà runs in its own process group,
and stopping the dashboard (Ctrl-C, SIGTERM, the end of a ``with`` block) stops the group:
the server and its kernels.

>>> from eachlabs_analytics.notebook.dashboard import voila_command
>>> voila_command("explorer.ipynb", port=8866)[3:6]
['explorer.ipynb', '--no-browser', '--port=8866']
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

import pandas as pd

from eachlabs_analytics._util.keys import is_loopback
from eachlabs_analytics.exceptions import EachlabsError, InvalidQueryError

__all__ = ["DEFAULT_PORT", "Dashboard", "default_notebook", "serve_dashboard", "voila_command"]

DEFAULT_PORT = 8866
#: Seconds Voilà lets one notebook cell run before it gives up (loading takes the longest).
DEFAULT_CELL_TIMEOUT = 600
_NOTEBOOK_NAME = "04-explorer.ipynb"


def default_notebook() -> Path:
    """The explorer notebook: ``notebooks/04-explorer.ipynb`` of this checkout, or the copy a
    regular install puts in ``<prefix>/share/eachlabs-analytics/notebooks/``.

    >>> default_notebook().name
    '04-explorer.ipynb'
    """
    candidates = [
        # eachlabs_analytics/notebook/dashboard.py -> the checkout's notebooks/
        Path(__file__).resolve().parents[2] / "notebooks" / _NOTEBOOK_NAME,
        Path(sys.prefix) / "share" / "eachlabs-analytics" / "notebooks" / _NOTEBOOK_NAME,
    ]
    for path in candidates:
        if path.is_file():
            return path
    raise EachlabsError(
        f"the explorer notebook {_NOTEBOOK_NAME} is not next to this installation (looked "
        f"in {', '.join(str(p.parent) for p in candidates)}); pass the path of a copy: "
        "serve_dashboard(notebook=...)"
    )


def voila_command(
    notebook: str | os.PathLike[str],
    *,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
) -> list[str]:
    """The Voilà command line that serves ``notebook`` (no browser, one fixed port, one host).

    >>> voila_command("nb.ipynb", port=9000, cell_timeout=60)[-3:]
    ['--Voila.ip=127.0.0.1', '--Voila.port_retries=0', '--VoilaExecutor.timeout=60']
    """
    if not 0 < int(port) < 65536:
        raise InvalidQueryError(f"port must be between 1 and 65535, not {port!r}")
    if int(cell_timeout) <= 0:
        raise InvalidQueryError(
            f"cell_timeout must be a positive number of seconds, not {cell_timeout!r}"
        )
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={int(port)}",
        f"--Voila.ip={host}",
        "--Voila.port_retries=0",  # a busy port is an error, not a silent move elsewhere
        f"--VoilaExecutor.timeout={int(cell_timeout)}",
    ]


def serve_dashboard(
    notebook: str | os.PathLike[str] | None = None,
    *,
    data: str | os.PathLike[str] | pd.DataFrame | None = None,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
    api_key: str | None = None,
    base_url: str | None = None,
    days: int | None = None,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
) -> int:
    """Serve the explorer with Voilà at ``http://host:port/`` until Ctrl-C; return its exit code.

    ``data`` is a Parquet file (or a DataFrame, written to a temporary one); without it the
    notebook loads from the API when a key is given or set, else from the local sandbox.

    The example is not run as a doctest (it serves until interrupted); the browser tests
    (``tests/test_dashboard.py``) serve and drive the same page.

    >>> serve_dashboard(data="executions.parquet", port=8866)    # doctest: +SKIP
    serving the explorer at http://127.0.0.1:8866/ (Ctrl-C to stop)
    """
    with (
        _stop_on_sigterm(),  # first: SIGTERM while starting stops the server too
        Dashboard(
            notebook,
            data=data,
            port=port,
            host=host,
            api_key=api_key,
            base_url=base_url,
            days=days,
            cell_timeout=cell_timeout,
            log=None,
        ) as dashboard,
    ):
        try:
            return dashboard.process.wait() if dashboard.process else 0
        except KeyboardInterrupt:
            return 0


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while serving, so the server is stopped, not
    orphaned (the default SIGTERM ends this process on the spot)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Dashboard:
    """A Voilà server for the explorer, started on enter and always stopped on exit.

    ``port=0`` picks a free loopback port. Entering waits (at most ``ready_timeout`` seconds)
    until the server accepts connections; ``url`` is then where to point a browser. ``env``
    adds variables to the server's environment (e.g. ``JUPYTER_DATA_DIR``); ``log`` is a file
    receiving Voilà's output (``None``: this terminal's).

    Not run as a doctest (it starts Voilà and a Jupyter kernel, several seconds); the
    browser tests do the same and check the page.

    >>> with Dashboard(data="executions.parquet", port=0) as dashboard:    # doctest: +SKIP
    ...     print(dashboard.url)
    http://127.0.0.1:40123/
    """

    def __init__(
        self,
        notebook: str | os.PathLike[str] | None = None,
        *,
        data: str | os.PathLike[str] | pd.DataFrame | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        api_key: str | None = None,
        base_url: str | None = None,
        days: int | None = None,
        cell_timeout: int = DEFAULT_CELL_TIMEOUT,
        ready_timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
        log: IO[bytes] | None = subprocess.DEVNULL,  # type: ignore[assignment]
    ) -> None:
        if importlib.util.find_spec("voila") is None:
            raise EachlabsError(
                "the dashboard needs Voilà: pip install 'eachlabs-analytics[dashboard]'"
            )
        self.notebook = Path(notebook) if notebook is not None else default_notebook()
        if not self.notebook.is_file():
            raise InvalidQueryError(f"notebook {self.notebook} does not exist")
        if days is not None and int(days) <= 0:
            raise InvalidQueryError(f"days must be a positive number of days, not {days!r}")
        self.host = host
        self.port = int(port) or _free_port(host)
        self.url = f"http://{'[::1]' if host == '::1' else host}:{self.port}/"
        self.ready_timeout = float(ready_timeout)
        self.process: subprocess.Popen[bytes] | None = None
        self._data = data
        self._log = log
        self._tmp: str | None = None
        self._cell_timeout = cell_timeout
        voila_command(  # refuses a bad port or timeout before anything starts
            self.notebook, port=self.port, host=host, cell_timeout=cell_timeout
        )
        self._env = {**os.environ, **(env or {})}
        for name, value in (
            ("EACHLABS_API_KEY", api_key),
            ("EACHLABS_BASE_URL", base_url),
            ("EACHLABS_DAYS", None if days is None else str(int(days))),
        ):
            if value is not None:
                self._env[name] = value
        if data is None and not self._env.get("EACHLABS_API_KEY"):
            self._data = "sample"  # no data and no key: the bundled sample, like the demo

    def __repr__(self) -> str:  # never shows the environment: it may hold the API key
        state = "running" if self.process and self.process.poll() is None else "stopped"
        return f"Dashboard(notebook={str(self.notebook)!r}, url={self.url!r}, {state})"

    def __enter__(self) -> Dashboard:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start Voilà and wait until it accepts connections (or fail, having stopped it)."""
        if self.process is not None:
            raise EachlabsError("this dashboard is already running")
        self._tmp = tempfile.mkdtemp(prefix="eachlabs-dashboard-")
        try:
            self._launch()
        except BaseException:
            self.stop()  # no server left running, no temporary copy of the data left behind
            raise
        print(f"serving the explorer at {self.url} (Ctrl-C to stop)", file=sys.stderr)

    def _launch(self) -> None:
        assert self._tmp is not None
        env = dict(self._env)
        served = dashboard_notebook(self.notebook, Path(self._tmp))
        command = voila_command(
            served, port=self.port, host=self.host, cell_timeout=self._cell_timeout
        )
        if isinstance(self._data, pd.DataFrame) or self._data == "sample":
            from eachlabs_analytics.local_api import load_sample
            from eachlabs_analytics.store.parquet import to_parquet

            frame = self._data if isinstance(self._data, pd.DataFrame) else load_sample()
            name = "data.parquet" if isinstance(self._data, pd.DataFrame) else "sample.parquet"
            env["EACHLABS_DATA"] = str(to_parquet(frame, Path(self._tmp) / name))
        elif self._data is not None:
            from eachlabs_analytics.store.parquet import check_parquet_file

            path = Path(self._data)
            if not path.is_file():
                raise InvalidQueryError(f"data {path} is not a file; pass a Parquet file")
            # read here, before Voilà starts: its traceback would bury the reason
            env["EACHLABS_DATA"] = str(check_parquet_file(path).resolve())
        if not is_loopback(self.host):
            print(
                f"warning: serving on {self.host}, not loopback: anyone who can reach it "
                "sees your data (Voilà has no login)",
                file=sys.stderr,
            )
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT if self._log is not None else None,
            cwd=self.notebook.parent,
            start_new_session=True,  # its own process group: stop() ends its kernels too
        )
        self._wait_ready()

    def stop(self, grace: float = 10.0) -> None:
        """Stop Voilà (terminate, then kill after ``grace`` seconds) and remove temporary data."""
        process, self.process = self.process, None
        if process is not None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=grace)
            _signal_group(process, signal.SIGKILL)  # a kernel that outlived the server
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise EachlabsError(
                    f"Voilà exited with code {code} before serving {self.notebook.name} "
                    f"(is port {self.port} free?)"
                )
            if _accepts(self.host, self.port):
                self._check_page(deadline)
                return
            time.sleep(0.1)
        raise EachlabsError(f"Voilà did not answer on {self.url} within {self.ready_timeout:g} s")

    def _check_page(self, deadline: float) -> None:
        """Request the page once, as a browser would, and refuse one that failed to render.

        Voilà answers HTTP 200 even when a cell fails; its page then carries error marks.
        """
        import requests

        try:
            page = requests.get(self.url, timeout=max(1.0, deadline - time.monotonic()))
        except requests.RequestException as exc:
            raise EachlabsError(f"the dashboard page at {self.url} did not load: {exc}") from None
        failed = [mark for mark in _ERROR_MARKS if mark in page.text]
        if page.status_code >= 400 or failed:
            reason = failed[0] if failed else f"HTTP {page.status_code}"
            raise EachlabsError(
                f"the dashboard page at {self.url} failed to render ({reason}); run "
                "`eachlabs-analytics dashboard --debug` to see Voilà's log"
            )


#: Cells with this tag are for notebook readers only (prose, how-tos): the dashboard drops them.
NOTEBOOK_ONLY_TAG = "notebook-only"


def dashboard_notebook(notebook: Path, folder: Path) -> Path:
    """A copy of ``notebook`` in ``folder`` without its cells tagged ``notebook-only``.

    Voilà hides code but shows every Markdown cell; the prose a notebook reader needs (how to
    set filters from code) is noise on a dashboard. Voilà does not apply nbconvert's tag
    filters itself, so the dashboard serves this copy.

    >>> import json, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> served = dashboard_notebook(default_notebook(), folder)
    >>> cells = json.loads(served.read_text())["cells"]
    >>> [c["cell_type"] for c in cells], served.name == default_notebook().name
    (['code', 'code'], True)
    """
    document = json.loads(notebook.read_text(encoding="utf-8"))
    document["cells"] = [
        cell
        for cell in document.get("cells", [])
        if NOTEBOOK_ONLY_TAG not in (cell.get("metadata", {}).get("tags") or [])
    ]
    served = folder / notebook.name
    served.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return served


def _accepts(host: str, port: int) -> bool:
    """Whether something accepts connections on ``(host, port)`` (the probe is closed at once)."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


#: What Voilà puts in a page whose notebook failed (it still answers HTTP 200).
_ERROR_MARKS = ("voila-error", "There was an error when executing cell", "Internal Server Error")


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    """Send ``signum`` to the process group Voilà leads (itself and its kernels)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
