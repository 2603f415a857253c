"""The live TrainingPanel in a real JupyterLab: run the exemplar chapter, move the lr slider, press Train.

A JupyterLab server is started on 127.0.0.1 (free port, random token) with a copy of the exemplar notebook in a
temporary folder, so autosave never touches the repository. Chromium opens the notebook, runs every cell, then
uses the panel like a reader would: it types a new learning rate into the lr slider's readout and clicks Train.
The test checks the DOM (slider readout, status line, plot image), and asks the kernel which runs the panel
holds. It saves a screenshot of the panel to `_build/screenshots/` and to `book/images/panel.png` (the picture
the README and the landing page show).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
from playwright.sync_api import Browser, Locator, Page

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "book" / "part1_concepts" / "10_learning_rate.ipynb"
README_SCREENSHOT = ROOT / "book" / "images" / "panel.png"
START_TIMEOUT = 120  # s: JupyterLab starting on a busy machine
RUN_ALL_TIMEOUT = 300  # s: the whole chapter, every cell
TRAIN_TIMEOUT = 180  # s: one 20-epoch run of the panel
NEW_LR = "0.03"
# JupyterLab's own settings for this server: no news or update checks (they would go to the network), no toasts
# over the notebook, and every cell kept in the page (by default JupyterLab 4 detaches cells scrolled out of view).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


# ---------------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(server: subprocess.Popen, status_url: str, log: Path) -> None:
    """Poll /api/status until the server answers; fail early if it exits."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(status_url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


def _shut_down(server: subprocess.Popen, base: str, token: str) -> None:
    """Ask the server to stop (it shuts its kernels down), then make sure it and every child process are gone."""
    children = psutil.Process(server.pid).children(recursive=True) if server.poll() is None else []
    try:
        request = urllib.request.Request(f"{base}api/shutdown?token={token}", method="POST")
        urllib.request.urlopen(request, timeout=10).close()
        server.wait(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    _, alive = psutil.wait_procs(children, timeout=15)
    for process in alive:  # a kernel that outlived its server
        process.kill()
    psutil.wait_procs(alive, timeout=10)


@contextmanager
def jupyter_lab(workdir: Path) -> Iterator[tuple[str, str, Path]]:
    """A JupyterLab server on loopback whose root folder is `workdir/notebooks`; yields (base URL, token, root)."""
    root, home = workdir / "notebooks", workdir / "jupyter"
    root.mkdir()
    for name, settings in LAB_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    token, port = secrets.token_hex(16), _free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly",
    ]
    log = workdir / "jupyterlab.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=root)
    try:
        _wait_for_server(server, f"{base}api/status?token={token}", log)
        yield base, token, root
    finally:
        _shut_down(server, base, token)


# ---------------------------------------------------------------------------------------------------------
# Driving JupyterLab from the page (window.jupyterapp exists thanks to --LabApp.expose_app_in_browser)
# ---------------------------------------------------------------------------------------------------------

KERNEL_IDLE = """() => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = nb && nb.sessionContext && nb.sessionContext.session && nb.sessionContext.session.kernel;
  return Boolean(kernel && kernel.status === "idle" && nb.content && nb.content.widgets.length > 0);
}"""

RUN_ALL = """() => {
  window.__dlbookRunAll = undefined;
  window.jupyterapp.commands.execute("notebook:run-all-cells").then(
    (ok) => { window.__dlbookRunAll = ok === false ? "a cell failed" : "ok"; },
    (error) => { window.__dlbookRunAll = "error: " + error; });
}"""

FAILED_CELLS = """() => window.jupyterapp.shell.currentWidget.content.widgets
  .filter((cell) => cell.model.type === "code")
  .map((cell) => cell.model.toJSON())
  .filter((cell) => cell.outputs.some((o) => o.output_type === "error"))
  .map((cell) => cell.source + "\\n" + JSON.stringify(cell.outputs.filter((o) => o.output_type === "error")))"""

ASK_KERNEL = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code: code, store_history: false});
  let text = "";
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "stream") text += msg.content.text;
    if (msg.header.msg_type === "error") text += "ERROR " + msg.content.ename + ": " + msg.content.evalue;
  };
  await future.done;
  return text;
}"""

IMAGE_BYTES = """async (img) => {
  const buffer = await (await fetch(img.src)).arrayBuffer();
  let text = "";
  new Uint8Array(buffer).forEach((b) => { text += String.fromCharCode(b); });
  return btoa(text);
}"""


def _panel(page: Page) -> Locator:
    """The TrainingPanel's outer VBox: the widget output that holds a Train button."""
    return page.locator(".jp-OutputArea-output > .widget-vbox").filter(has=page.get_by_role("button", name="Train"))


def _image_digest(image: Locator) -> str:
    """SHA-256 of the PNG the panel's <img> shows (its src is a blob: URL, so the bytes are fetched in the page)."""
    return hashlib.sha256(base64.b64decode(image.evaluate(IMAGE_BYTES))).hexdigest()


def _ask_kernel(page: Page, code: str) -> str:
    return page.evaluate(ASK_KERNEL, code)


def test_training_panel_in_jupyterlab(browser: Browser, tmp_path: Path, screenshots_dir: Path) -> None:
    with jupyter_lab(tmp_path) as (base, token, root):
        shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        try:
            page.goto(f"{base}lab/tree/{NOTEBOOK.name}?token={token}", timeout=START_TIMEOUT * 1000)
            page.wait_for_function(KERNEL_IDLE, timeout=START_TIMEOUT * 1000)

            # Run the whole chapter; the command's promise settles when the last cell has finished.
            page.evaluate(RUN_ALL)
            page.wait_for_function("() => window.__dlbookRunAll !== undefined", timeout=RUN_ALL_TIMEOUT * 1000)
            outcome = page.evaluate("() => window.__dlbookRunAll")
            assert outcome == "ok", f"run all cells: {outcome}; failing cells: {page.evaluate(FAILED_CELLS)}"
            page.wait_for_function(KERNEL_IDLE, timeout=60_000)

            # The panel as the chapter left it: two runs (lr=1e-3 and lr=0.1), a plot, a status line.
            panel = _panel(page)
            panel.scroll_into_view_if_needed()
            train = panel.get_by_role("button", name="Train")
            image = panel.locator("img")
            status = panel.locator(".widget-html-content").last
            train.wait_for(state="visible")
            assert train.is_enabled()
            page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
            assert "Run 2" in status.inner_text(), status.inner_text()
            src_before, digest_before = image.get_attribute("src"), _image_digest(image)

            # Type a new learning rate into the lr slider's readout, as a reader would.
            lr_slider = panel.locator(".widget-hslider").filter(has=page.get_by_text("lr", exact=True))
            readout = lr_slider.locator(".widget-readout")
            readout_before = readout.inner_text()
            readout.click()
            page.keyboard.press("ControlOrMeta+a")
            page.keyboard.type(NEW_LR)
            page.keyboard.press("Enter")
            page.wait_for_function(
                "([el, old]) => el.innerText.trim() !== old", arg=[readout.element_handle(), readout_before]
            )
            assert float(readout.inner_text()) == float(NEW_LR), readout.inner_text()
            assert float(_ask_kernel(page, "print(panel.controls['lr'].value)")) == float(NEW_LR)

            # Train: the status says run 3 is running, then finished; the plot is redrawn.
            train.click()
            page.wait_for_function(
                "(el) => /Run 3\\b/.test(el.innerText) && !/running|starting/.test(el.innerText)",
                arg=status.element_handle(),
                timeout=TRAIN_TIMEOUT * 1000,
            )
            page.wait_for_function("(button) => !button.disabled", arg=train.element_handle(), timeout=30_000)
            text = status.inner_text()
            assert "Run 3 finished" in text, text
            page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
            assert image.get_attribute("src") != src_before
            assert _image_digest(image) != digest_before

            # The kernel agrees: a third run, trained with the typed learning rate.
            runs = json.loads(_ask_kernel(page, "import json; print(json.dumps([h.params['lr'] for h in panel.runs]))"))
            assert runs == [1e-3, 0.1, float(NEW_LR)], runs
            assert not page_errors, page_errors

            panel.screenshot(path=str(screenshots_dir / "jupyterlab_panel.png"))
            if os.environ.get("DLBOOK_UPDATE_SCREENSHOT"):  # refresh the README/landing-page picture on request
                panel.screenshot(path=str(README_SCREENSHOT))
        finally:  # what the page looked like in the end: the first thing to look at when this test fails
            try:
                page.screenshot(path=str(screenshots_dir / "jupyterlab_page.png"))
            except Exception as error:  # a crashed page must not hide the failure that matters
                print(f"no screenshot of the JupyterLab page: {error}")
            context.close()
