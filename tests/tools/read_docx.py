#!/usr/bin/env python3
"""Reads a DOCX with python-docx (a real reader, not our writer's code) and prints what the
document test asserts on, one item a line:
  P <style name>|<text>             each body paragraph
  T <table index> <row> <col>|<shading fill or ->|<bold: b or ->|<text>   each table cell
  H <row>|<repeat header: yes/no>   the first row's "repeat as header row" flag per table
  F <text>                          each footer paragraph, a field as {INSTRUCTION}
  C title|<core title>
Exit status 1 when python-docx cannot open the file."""
import sys

import docx
from docx.oxml.ns import qn


def cell_fill(cell):
    shd = cell._tc.tcPr.find(qn("w:shd")) if cell._tc.tcPr is not None else None
    return shd.get(qn("w:fill")) if shd is not None else "-"


def main(path):
    document = docx.Document(path)
    print("C title|" + (document.core_properties.title or ""))
    for p in document.paragraphs:
        print("P " + p.style.name + "|" + p.text)
    for t_index, table in enumerate(document.tables):
        first = table.rows[0]._tr
        header = first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None
        print("H %d|%s" % (t_index, "yes" if header else "no"))
        for r_index, row in enumerate(table.rows):
            for c_index, cell in enumerate(row.cells):
                bold = any(run.bold for p in cell.paragraphs for run in p.runs)
                print("T %d %d %d|%s|%s|%s" % (t_index, r_index, c_index, cell_fill(cell),
                                               "b" if bold else "-", cell.text))
    for section in document.sections:
        for p in section.footer.paragraphs:
            text = ""
            for child in p._p:
                if child.tag == qn("w:r"):
                    text += "".join(t.text or "" for t in child.iter(qn("w:t")))
                elif child.tag == qn("w:fldSimple"):
                    text += "{" + child.get(qn("w:instr")).strip() + "}"
            print("F " + text)


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Exception as error:  # noqa: BLE001 - any failure to read is the finding
        print("cannot read: %s" % error, file=sys.stderr)
        sys.exit(1)
