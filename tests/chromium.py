"""A real headless Chromium for the tests, driven through the DevTools protocol (CDP).

Debian's ``chromium`` (``/usr/bin/chromium``; CI installs it) is started with a private profile and
``--remote-debugging-port=0``; the tests talk to its page over the protocol's WebSocket with the
``websockets`` package (its synchronous client): navigate, read the DOM, take a screenshot, print
to PDF, type keys, and collect what the page logs (console errors, uncaught exceptions) and every
request it makes. Only 127.0.0.1 is reached.

axe-core (the accessibility engine of Deque, the one most audits use) is the npm package
``axe-core`` at :data:`AXE_VERSION`, fetched once by ``npm pack`` from the npm registry into a
cache folder, its checksum checked against :data:`AXE_INTEGRITY`, then injected in the page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

AXE_VERSION = "4.14.1"
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "entretiens-tests"
TIMEOUT = 60.0


def _missing(what: str, install: str) -> None:
    """Skip the test, except in CI, where everything must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} est introuvable alors que CI est défini : {install}.")
    pytest.skip(f"{what} n'est pas installé ({install})")


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _missing("Chromium", "apt-get install chromium")
    return path


def axe_source() -> str:
    """axe.min.js of axe-core :data:`AXE_VERSION`, from the cache, else from the npm registry."""
    target = CACHE / f"axe-core-{AXE_VERSION}" / "axe.min.js"
    if target.exists():
        return target.read_text(encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        _missing("npm", "apt-get install npm, pour télécharger axe-core")
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", folder, "--silent"],
                              capture_output=True, text=True, timeout=300, cwd=folder)
        assert done.returncode == 0, f"npm pack axe-core@{AXE_VERSION} : {done.stderr}"
        (archive,) = Path(folder).glob("axe-core-*.tgz")
        digest = "sha512-" + base64.b64encode(hashlib.sha512(archive.read_bytes()).digest()).decode()
        assert digest == AXE_INTEGRITY, f"axe-core {AXE_VERSION} : somme de contrôle inattendue {digest}"
        with tarfile.open(archive) as tar:
            source = tar.extractfile("package/axe.min.js").read().decode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_text(source, encoding="utf-8")
    partial.replace(target)
    return source


class ProtocolError(Exception):
    pass


class Browser:
    """One headless Chromium and one of its pages; a context manager.

    ``events``: every protocol event received, in order (``method``, ``params``); :meth:`errors`
    and :meth:`requests` read them."""

    def __init__(self, *, width: int = 1280, height: int = 900):
        from websockets.sync.client import connect

        self.profile = Path(tempfile.mkdtemp(prefix="entretiens-chromium-"))
        self.process = subprocess.Popen(
            [chromium_path(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-default-apps", "--mute-audio",
             "--hide-scrollbars", f"--window-size={width},{height}", "--remote-debugging-address=127.0.0.1",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port = self._port()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            pages = [t for t in json.load(answer) if t.get("type") == "page"]
        self._connection = connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=TIMEOUT)
        self.socket = self._connection.__enter__()
        self.events: list[tuple[str, dict]] = []
        self._next = 0
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def _port(self) -> int:
        active = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if active.exists() and (text := active.read_text().split()):
                return int(text[0])
            if self.process.poll() is not None:
                raise ProtocolError(f"Chromium s'est arrêté au démarrage (code {self.process.returncode})")
            time.sleep(0.05)
        raise ProtocolError("Chromium n'a pas ouvert son port de débogage")

    # -- the protocol --------------------------------------------------------------------------

    def send(self, method: str, **params) -> dict:
        """Send a command; return its result (events that come meanwhile are kept)."""
        self._next += 1
        ident = self._next
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == ident:
                if "error" in message:
                    raise ProtocolError(f"{method} : {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append((message["method"], message.get("params", {})))

    def wait_for(self, method: str) -> dict:
        """The next event ``method`` (one already received counts)."""
        for index, (name, params) in enumerate(self.events):
            if name == method:
                del self.events[index]
                return params
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if "method" in message:
                if message["method"] == method:
                    return message.get("params", {})
                self.events.append((message["method"], message.get("params", {})))

    # -- what the tests do ---------------------------------------------------------------------

    def open(self, path: Path) -> None:
        self.events.clear()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str, *, wait: bool = False):
        """The value of a JavaScript expression in the page (awaited when ``wait``)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=wait)
        if "exceptionDetails" in result:
            raise ProtocolError(result["exceptionDetails"].get("exception", {}).get("description")
                                or result["exceptionDetails"].get("text"))
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """What the page logged as an error: console errors and assertions, uncaught exceptions,
        the browser's own error entries (a resource refused, a security policy violated)."""
        found = []
        for method, params in self.events:
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found

    def requests(self) -> list[str]:
        """Every URL the page asked for."""
        return [params["request"]["url"] for method, params in self.events if method == "Network.requestWillBeSent"]

    def screenshot(self, *, full_page: bool = False) -> bytes:
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        return base64.b64decode(self.send("Page.captureScreenshot", **params)["data"])

    def print_pdf(self) -> bytes:
        """The page printed as the browser's «\u202fImprimer\u202f» does, at the page's own @page size."""
        return base64.b64decode(self.send("Page.printToPDF", preferCSSPageSize=True, printBackground=True)["data"])

    def press(self, key: str, *, code: str | None = None, key_code: int = 0, shift: bool = False) -> None:
        modifiers = 8 if shift else 0
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, key=key, code=code or key, modifiers=modifiers,
                      windowsVirtualKeyCode=key_code, nativeVirtualKeyCode=key_code)

    def tab(self) -> None:
        self.press("Tab", key_code=9)

    def axe(self, tags: list[str]) -> list[dict]:
        """The violations axe-core finds in the page, for the rules of ``tags`` (wcag2a, wcag2aa...)."""
        if not self.evaluate("typeof axe !== 'undefined'"):
            self.evaluate(axe_source())
        options = json.dumps({"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]})
        return self.evaluate(f"axe.run(document, {options}).then(r => r.violations)", wait=True)

    # -- life ------------------------------------------------------------------------------------

    def close(self) -> None:
        try:
            self._connection.__exit__(None, None, None)
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, 15)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, 9)
                    self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def digits(text: str) -> int:
    """«\u202f1\u202f234\u202f» -> 1234: a count as the page writes it."""
    return int(re.sub(r"\D", "", text))
