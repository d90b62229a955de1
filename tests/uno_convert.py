"""The tests' ``soffice --convert-to``, done by a LibreOffice that listens on a UNO pipe.

Run by a Python that has LibreOffice's ``uno`` module (Debian: ``/usr/bin/python3`` with
``python3-uno``), never imported by the tests: :class:`tests.office.TestOffice` starts ``soffice``
and this script, then sends it one JSON line per document on its standard input::

    {"source": "/path/report.docx", "outdir": "/path/out", "target": "pdf"}

``target`` is what ``soffice --convert-to`` takes: an extension, then optionally ``:`` and a
filter name, then optionally ``:`` and the filter's options (``csv:Text - txt - csv
(StarCalc):44,34,76,1,,0,false,true,false,false,false,-1``). The document is loaded and stored
as ``soffice --convert-to`` does it (desktop/source/app/dispatchwatcher.cxx): read-only and
hidden, stored with ``storeToURL`` to ``outdir/<name without its extension>.<extension>``, the
filter guessed from the extension and the kind of document when none is given.

It answers one JSON line per document: ``{"ok": true, "filter": "writer_pdf_Export"}``, or
``{"ok": false, "error": "..."}``. When its standard input closes (the session ended, or the
test process was killed), it shuts LibreOffice down; the private profile is removed when the
process that started this script died. The shutdown (the orphan check) and the property helper are those of
pipeline/uno_worker.py (the product's PDF/A worker); the connection is made as there.

Usage: python3 uno_convert.py PIPE_NAME [CONNECT_TIMEOUT_S [TEMP_DIR]]
"""

import json
import os
import signal
import sys
from pathlib import Path

import uno

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))
from uno_worker import connect, prop, shut_down  # noqa: E402  (the product's worker: same approach)

# The filter ``soffice --convert-to EXT`` picks (LibreOffice 7.4), by kind of document (its
# DocumentService); another extension or kind is looked up as soffice does (guessed_filter).
WRITER = "com.sun.star.text.TextDocument"
CALC = "com.sun.star.sheet.SpreadsheetDocument"
FILTERS = {
    WRITER: {"pdf": "writer_pdf_Export", "odt": "writer8", "docx": "MS Word 2007 XML", "doc": "MS Word 97",
             "rtf": "Rich Text Format", "txt": "Text", "fodt": "OpenDocument Text Flat XML",
             "html": "HTML (StarWriter)"},
    CALC: {"pdf": "calc_pdf_Export", "ods": "calc8", "xlsx": "Calc Office Open XML", "xls": "MS Excel 97",
           "csv": "Text - txt - csv (StarCalc)", "fods": "OpenDocument Spreadsheet Flat XML",
           "html": "HTML (StarCalc)"},
}
EXPORT, PREFERRED = 0x2, 0x10000000  # SfxFilterFlags


def _values(sequence):
    return {item.Name: item.Value for item in sequence}


def guessed_filter(context, service, url):
    """The export filter of ``service`` for ``url``'s extension, looked up as soffice does when the
    table above does not know it: a filter of the document's module for the URL's type, the
    preferred one first."""
    manager = context.ServiceManager
    kind = manager.createInstanceWithContext("com.sun.star.document.TypeDetection", context).queryTypeByURL(url)
    filters = manager.createInstanceWithContext("com.sun.star.document.FilterFactory", context)
    query = f"getSortedFilterList():module={service}:iflags={EXPORT}:eflags=0"
    found = None
    listing = filters.createSubSetEnumerationByQuery(query)
    while listing.hasMoreElements():
        described = _values(listing.nextElement())
        if described.get("Type") == kind and described.get("Flags", 0) & EXPORT:
            if found is None or described.get("Flags", 0) & PREFERRED:
                found = described["Name"]
    return found


def convert(context, desktop, source, outdir, target):
    extension, _, rest = target.partition(":")
    filter_name, _, options = rest.partition(":")
    document = None
    try:
        document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0, (
            prop("Referer", "private:OpenEvent"), prop("ReadOnly", True), prop("OpenNewView", True),
            prop("Hidden", True), prop("Silent", True)))
    except Exception as exc:  # IllegalArgumentException, IOException: not loadable
        raise RuntimeError(f"source file could not be loaded ({type(exc).__name__}: {exc})") from None
    if document is None:
        raise RuntimeError("source file could not be loaded")
    try:
        name = Path(source).name
        stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
        url = uno.systemPathToFileUrl(str(Path(outdir) / f"{stem}.{extension}"))
        if not filter_name:
            service = _values(document.getArgs()).get("DocumentService", "")
            filter_name = FILTERS.get(service, {}).get(extension) or guessed_filter(context, service, url)
            if not filter_name:
                raise RuntimeError(f"no export filter for .{extension} from {service or 'this document'}")
        properties = [prop("ConversionRequestOrigin", "CommandLine"), prop("Overwrite", True),
                      prop("FilterName", filter_name)]
        if options:
            properties.append(prop("FilterOptions", options))
        document.storeToURL(url, tuple(properties))
        return filter_name
    finally:
        try:
            document.close(True)
        except Exception:
            document.dispose()


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: ended by our input closing, LibreOffice with us
    pipe = sys.argv[1]
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    temp_dir = sys.argv[3] if len(sys.argv) > 3 else None
    parent = os.getppid()
    try:
        context, desktop = connect(pipe, timeout)
    except Exception as exc:
        print(json.dumps({"ok": False, "error": f"no connection: {exc}"}), flush=True)
        return 1
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            used = convert(context, desktop, request["source"], request["outdir"], request["target"])
            answer = {"ok": True, "filter": used}
        except Exception as exc:
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)
    shut_down(desktop, temp_dir, parent)  # our input closed: the session is over, or its process killed
    return 0


if __name__ == "__main__":
    sys.exit(main())
