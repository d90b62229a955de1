"""Convert documents to PDF/A-2b through a LibreOffice that listens on a UNO pipe.

Run by a Python that has LibreOffice's ``uno`` module (Debian: ``/usr/bin/python3`` with
``python3-uno``), never imported by the product (the product's virtual environment cannot
import ``uno``): :class:`pipeline.pdfa.OfficeServer` starts ``soffice`` and this script, then
sends it one JSON line per document on its standard input::

    {"source": "/path/report.docx", "target": "/path/.tmp-x.pdf"}

and reads one JSON line per answer: ``{"ok": true}``, or ``{"ok": false, "error": "...",
"lost": true}`` when the connection to LibreOffice is gone (LibreOffice died: the caller
restarts it). When its standard input closes (the run ended, or its process was killed), it
shuts LibreOffice down. Only the standard library and ``uno``.

Usage: python3 uno_worker.py PIPE_NAME [CONNECT_TIMEOUT_S [TEMP_DIR]]

TEMP_DIR (LibreOffice's private profile) is removed when the process that started this script
died (it could not): a killed run leaves nothing behind in /tmp.
"""

import json
import os
import shutil
import sys
import time

import uno
from com.sun.star.beans import PropertyValue

# writer_pdf_Export's SelectPdfVersion: 2 is PDF/A-2b.
PDFA_2B = 2


def prop(name, value):
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def connect(pipe, timeout):
    """(remote component context, Desktop) of the soffice listening on ``pipe``, tried again while it
    starts, for up to ``timeout`` seconds."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context, context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except Exception:  # NoConnectException while soffice starts
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def convert(desktop, source, target):
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0,
                                            (prop("Hidden", True), prop("ReadOnly", True)))
    if document is None:
        raise RuntimeError("document illisible par LibreOffice")
    try:
        filter_data = uno.Any("[]com.sun.star.beans.PropertyValue", (prop("SelectPdfVersion", PDFA_2B),))
        uno.invoke(document, "storeToURL", (uno.systemPathToFileUrl(target), (
            prop("FilterName", "writer_pdf_Export"), prop("FilterData", filter_data))))
    finally:
        document.close(True)


def _orphaned(parent, wait=1.0):
    """Whether the process that started us died. Its pipes close before the kernel gives us a new
    parent, so a parent still ours may be dying: it is dead once it is a zombie, or gone. A parent
    that closed our input on purpose stays alive: after ``wait`` seconds, we are not orphaned."""
    deadline = time.monotonic() + wait
    while True:
        if os.getppid() != parent:
            return True
        try:
            with open(f"/proc/{parent}/stat") as stat:
                state = stat.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def main():
    pipe = sys.argv[1]
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    temp_dir = sys.argv[3] if len(sys.argv) > 3 else None
    parent = os.getppid()
    try:
        _, desktop = connect(pipe, timeout)
    except Exception as exc:
        print(json.dumps({"ok": False, "error": f"connexion impossible : {exc}", "lost": True}), flush=True)
        return 1
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            convert(desktop, request["source"], request["target"])
            answer = {"ok": True}
        except Exception as exc:
            name = type(exc).__name__
            lost = name in ("DisposedException", "RuntimeException") or "disposed" in str(exc).lower() \
                or "bridge" in str(exc).lower()
            answer = {"ok": False, "error": f"{name}: {exc}", "lost": lost}
        print(json.dumps(answer), flush=True)
        if answer.get("lost"):
            return 1
    shut_down(desktop, temp_dir, parent)
    return 0


def shut_down(desktop, temp_dir, parent):
    """Our standard input closed: the run is over, or the process that started us died (killed):
    LibreOffice is shut down with us, never left running on its own, and its private profile
    removed when nobody else will."""
    try:
        desktop.terminate()
    except Exception:
        pass
    if temp_dir and _orphaned(parent):
        for _ in range(20):
            shutil.rmtree(temp_dir, ignore_errors=True)
            if not os.path.exists(temp_dir):
                break
            time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
