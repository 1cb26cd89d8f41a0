"""nbgrader preprocessors of this course's grading, besides SandboxedExecute (execute.py)."""

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer, Unicode


class CapOutputs(NbGraderPreprocessor):
    """Cut every output that reaches a student to size: stream text, error messages and
    tracebacks, the text and images of rich outputs, the number of outputs per cell (nbgrader's
    LimitOutput counts only stream lines, so one enormous line would pass it), and the output
    of the whole notebook: once max_total characters of text (or max_total_images of images)
    are shown, further outputs are replaced by a note, and an error (which is what scores a
    test 0) is kept with its message only."""

    max_chars = Integer(20_000, help="characters kept of each text").tag(config=True)
    max_traceback = Integer(60, help="lines kept of each traceback").tag(config=True)
    max_outputs = Integer(30, help="outputs kept of each cell").tag(config=True)
    max_image = Integer(1024**2, help="characters of base64 kept of an image").tag(config=True)
    max_total = Integer(200_000, help="characters of text kept in the whole notebook").tag(
        config=True)
    max_total_images = Integer(2_000_000, help="characters of images kept in the whole "
                               "notebook (the plots of an honest 3_minibatch take 290 000)"
                               ).tag(config=True)

    def _cut(self, text):
        if isinstance(text, str) and len(text) > self.max_chars:
            return text[: self.max_chars] + "\n... Output truncated ..."
        return text

    def preprocess(self, nb, resources):
        self.left = {"text": self.max_total, "image": self.max_total_images}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if len(cell.outputs) > self.max_outputs:  # errors are kept, wherever they are
            extra = len(cell.outputs) - self.max_outputs
            cell.outputs = [o for i, o in enumerate(cell.outputs)
                            if i < self.max_outputs or o.get("output_type") == "error"]
            cell.outputs.append(_note(f"... {extra} more outputs not shown ...\n"))
        for output in cell.outputs:
            if "text" in output:
                output["text"] = self._cut(output["text"])
            if "evalue" in output:
                output["evalue"] = self._cut(output["evalue"])
            if "traceback" in output:
                output["traceback"] = [self._cut(line)
                                       for line in output["traceback"][-self.max_traceback:]]
            data = output.get("data", {})
            for mime in list(data):
                if mime.startswith("image/") and len(data[mime]) > self.max_image:
                    data["text/plain"] = "<an image too large to show>"
                    del data[mime]
                elif isinstance(data[mime], str) and not mime.startswith("image/"):
                    data[mime] = self._cut(data[mime])
        kept, dropped = [], 0
        for output in cell.outputs:
            sizes = _sizes(output)
            if all(sizes[kind] <= self.left[kind] for kind in sizes):
                for kind in sizes:
                    self.left[kind] -= sizes[kind]
                kept.append(output)
            elif output.get("output_type") == "error":
                output["evalue"] = str(output.get("evalue"))[:1000]
                output["traceback"] = [f"{output.get('ename')}: {output['evalue']}"]
                kept.append(output)
            else:
                dropped += 1
        if dropped:
            kept.append(_note(f"... {dropped} more outputs not shown: this notebook has shown "
                              "as much output as it may ...\n"))
        cell.outputs = kept
        return cell, resources


def _note(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _sizes(output):
    """The characters of an output's text (text, message, traceback, textual data) and of its
    images."""
    data = output.get("data", {})
    parts = [output.get("text"), output.get("evalue"), *output.get("traceback", []),
             *(v for k, v in data.items() if not k.startswith("image/"))]
    return {"text": sum(len(p) for p in parts if isinstance(p, str)),
            "image": sum(len(v) for k, v in data.items() if k.startswith("image/")
                         and isinstance(v, str))}


class RestoreCellKinds(NbGraderPreprocessor):
    """Give every cell the gradebook knows back its kind (graded, solution) before nbgrader's
    OverwriteCells restores its source: a test cell re-labelled as an ordinary cell would
    otherwise fail the whole notebook with "Inconsistent checksums"."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            source = gradebook.find_notebook(info["notebook"], info["assignment"])
            graded = {c.name for c in source.grade_cells}
            solutions = {c.name for c in source.solution_cells}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade_id") in graded | solutions:
                meta["grade"] = meta["grade_id"] in graded
                meta["solution"] = meta["grade_id"] in solutions
        return nb, resources


class ScrubPaths(NbGraderPreprocessor):
    """Replace the course directory's path in every output by "<course>": tracebacks must not
    tell students where the instructor keeps the course."""

    root = Unicode("", help="the course directory").tag(config=True)

    def _scrub(self, text):
        return text.replace(self.root, "<course>") if isinstance(text, str) else text

    def preprocess_cell(self, cell, resources, index):
        if not self.root or cell.cell_type != "code":
            return cell, resources
        for output in cell.outputs:
            for key in ("text", "evalue"):
                if key in output:
                    output[key] = self._scrub(output[key])
            if "traceback" in output:
                output["traceback"] = [self._scrub(line) for line in output["traceback"]]
            for mime, value in output.get("data", {}).items():
                output["data"][mime] = self._scrub(value)
        return cell, resources
