#!/usr/bin/python3
"""Builds a .ipynb from a plain-text source: cells separated by lines `# %% [markdown]` or
`# %%` (code). Used to author notebooks as reviewable text: notebooks/src/NN_name.ts -> notebooks/NN_name.ipynb.
Run: /usr/bin/python3 scripts/nbgen.py notebooks/src/00_setup.ts notebooks/00_setup.ipynb"""
import sys, nbformat

def build(src_path, out_path):
    cells, kind, buf = [], None, []
    def flush():
        if kind is None:
            return
        text = "\n".join(buf).strip("\n")
        if kind == "markdown":
            text = "\n".join(l[2:] if l.startswith("# ") else ("" if l == "#" else l) for l in text.split("\n"))
            cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            cells.append(nbformat.v4.new_code_cell(text))
    for line in open(src_path, encoding="utf8").read().split("\n"):
        if line.startswith("# %%"):
            flush()
            kind, buf = ("markdown" if "[markdown]" in line else "code"), []
        else:
            buf.append(line)
    flush()
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"name": "tslab", "display_name": "TypeScript (naslung, tslab)", "language": "typescript"},
                   "language_info": {"name": "typescript", "file_extension": ".ts"}}
    nbformat.write(nb, out_path)

if __name__ == "__main__":
    build(sys.argv[1], sys.argv[2])
