"""A reportlab canvas that writes each page to the output as soon as it is finished.

Plain reportlab keeps every page (content stream included) in memory until ``save()``, so a
million-label job would need gigabytes. ``StreamingCanvas`` swaps in a document object that, on
``showPage()``, formats the page and every object it introduced (content stream, forms) with
reportlab's own serialisers, writes them to the output file and forgets them. Only objects that
can still change are held back: the shared font resource dictionary, the font programs (their
subsets are known only at the end) and the page tree nodes. At ``save()`` they are written,
followed by the cross-reference table and trailer. What stays in memory is one file offset per
object and one object number per page.

The page tree is two levels deep (root -> nodes of up to 256 pages) so viewers never see a
Kids array with tens of thousands of entries.

Uses reportlab internals (``reportlab.pdfbase.pdfdoc``), checked against reportlab 4.4.
"""

from __future__ import annotations

from array import array
from typing import BinaryIO

from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

PAGES_PER_NODE = 256


class _Written(pdfdoc.PDFObject):
    """Placeholder left in the document's registry for an object already written."""


_WRITTEN = _Written()


class _PageTreeNode(pdfdoc.PDFObject):
    __RefOnly__ = 1

    def __init__(self, parent: str | None) -> None:
        self.parent = parent
        self.kids: array = array("Q")  # object numbers of pages or child nodes
        self.count = 0
        self.closed = False

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        kids = " ".join(f"{n} 0 R" for n in self.kids)
        parent = ""
        if self.parent is not None:
            number = document.idToObjectNumberAndVersion[self.parent][0]
            parent = f" /Parent {number} 0 R"
        return f"<< /Type /Pages{parent} /Kids [{kids}] /Count {self.count} >>".encode("ascii")


class StreamingDocument(pdfdoc.PDFDocument):
    def __init__(self, out: BinaryIO, *, compression: int = 1, invariant: int | None = None
                 ) -> None:
        super().__init__(compression=compression, invariant=invariant)
        self._out = out
        self._pos = 0
        self._offsets = array("Q")
        self._next = 1
        self._pending: list[int] = []
        self._finishing = False
        root = _PageTreeNode(None)
        self.Pages = root
        self.Catalog.Pages = root
        self._root = root
        self._root_name = self.Reference(root).name
        self._node: _PageTreeNode | None = None
        self._node_name = ""
        header = (f"%PDF-{self._pdfVersion[0]}.{self._pdfVersion[1]}\n".encode("ascii")
                  + b"%\x93\x8c\x8b\x9e ReportLab Generated PDF document (streamed)\n")
        self._write_bytes(header)

    # ------------------------------------------------------------------ output

    def _write_bytes(self, data: bytes) -> None:
        self._out.write(data)
        self._pos += len(data)

    def _ready(self, name: str, obj: object) -> bool:
        if self._finishing:
            return True
        if name == pdfdoc.BasicFonts or obj is self._root:
            return False
        if isinstance(obj, _PageTreeNode):
            return obj.closed
        return True

    def _write_object(self, number: int, name: str) -> None:
        obj = self.idToObject[name]
        data = pdfdoc.PDFIndirectObject(name, obj).format(self)
        offsets = self._offsets
        if len(offsets) <= number:
            offsets.extend([0] * (number + 1024 - len(offsets)))
        offsets[number] = self._pos
        self._write_bytes(data)
        self.idToObject[name] = _WRITTEN
        del self.numberToId[number]

    def _flush(self) -> None:
        if self._pending:
            still = []
            for number in self._pending:
                name = self.numberToId[number]
                if self._ready(name, self.idToObject[name]):
                    self._write_object(number, name)
                else:
                    still.append(number)
            self._pending = still
        # Formatting an object may register new ones (e.g. a page's content stream).
        while self._next <= self.objectcounter:
            number = self._next
            self._next += 1
            name = self.numberToId[number]
            if self._ready(name, self.idToObject[name]):
                self._write_object(number, name)
            else:
                self._pending.append(number)

    def _forget(self, name: str) -> None:
        """Drop every trace of an object nothing will refer to again (pages, page streams)."""
        self.idToObject.pop(name, None)
        self.idToObjectNumberAndVersion.pop(name, None)

    # ------------------------------------------------------------------ pages

    def addPage(self, page: pdfdoc.PDFPage) -> None:  # noqa: N802 (reportlab API)
        node = self._node
        if node is None or len(node.kids) >= PAGES_PER_NODE:
            if node is not None:
                node.closed = True
            node = _PageTreeNode(self._root_name)
            self._node_name = self.Reference(node).name
            self._root.kids.append(self.idToObjectNumberAndVersion[self._node_name][0])
            self._node = node
        page.Parent = pdfdoc.PDFObjectReference(self._node_name)
        if page.Contents is None and page.stream:
            # What PDFPage.check_format would do, minus ASCII85 (reportlab's default when its
            # C accelerator is missing is a slow pure-Python encoder; binary PDF is fine).
            filters = [pdfdoc.PDFZCompress] if page.compression else None
            page.Contents = pdfdoc.PDFStream(content=page.stream, filters=filters)
        name = self.thisPageName()
        self.Reference(page, name)
        node.kids.append(self.idToObjectNumberAndVersion[name][0])
        node.count += 1
        self._root.count += 1
        self.pageCounter += 1
        self.inObject = None
        self._flush()
        contents = getattr(page, "Contents", None)
        if contents is not None and hasattr(contents, "__InternalName__"):
            self._forget(contents.__InternalName__)
        self._forget(name)

    # ------------------------------------------------------------------ end of document

    def SaveToFile(self, filename: object, canvas: Canvas) -> None:  # noqa: N802 (reportlab API)
        if getattr(self, "_savedToFile", False):
            raise RuntimeError("streaming PDF document can only be saved once")
        self._savedToFile = True
        for font in self.delayedFonts:
            font.addObjects(self)
        self.info.invariant = self.invariant
        self.info.digest(self.signature)
        self.Reference(self.Catalog)
        self.Reference(self.info)
        self.Outlines.prepare(self, canvas)
        if self.Outlines.ready < 0:
            self.Catalog.Outlines = None
        self.encrypt.prepare(self)
        if self._node is not None:
            self._node.closed = True
        self._finishing = True
        self._flush()
        count = self.objectcounter
        xref_at = self._pos
        lines = [f"xref\n0 {count + 1}\n".encode("ascii"), b"0000000000 65535 f \n"]
        offsets = self._offsets
        for number in range(1, count + 1):
            lines.append(b"%010d 00000 n \n" % offsets[number])
        self._write_bytes(b"".join(lines))
        trailer = pdfdoc.PDFTrailer(
            startxref=xref_at,
            Size=count + 1,
            Root=self.Reference(self.Catalog),
            Info=self.Reference(self.info),
            ID=self.ID(),
        )
        self._write_bytes(trailer.format(self))
        flush = getattr(self._out, "flush", None)
        if flush is not None:
            flush()

    def GetPDFData(self, canvas: Canvas) -> bytes:  # noqa: N802 (reportlab API)
        raise RuntimeError("a streaming PDF document is written to its output; use save()")


class StreamingCanvas(Canvas):
    """``reportlab.pdfgen.canvas.Canvas`` writing page by page to a binary file object."""

    def __init__(self, out: BinaryIO, *, pagesize: tuple[float, float],
                 invariant: int | None = None, **kwargs: object) -> None:
        super().__init__(out, pagesize=pagesize, pageCompression=1, invariant=invariant,
                         **kwargs)
        self._doc = StreamingDocument(out, compression=1, invariant=invariant)
        # The preamble registered the initial font with the discarded document; redo it.
        self._make_preamble()
