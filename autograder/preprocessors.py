"""nbgrader preprocessors of this course's grading."""

import os

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from .sandbox import ENV_COURSE_ROOT


class LimitOutputSize(NbGraderPreprocessor):
    """Cut every text output to max_chars characters (nbgrader's LimitOutput counts lines,
    so one enormous line would pass it)."""

    max_chars = Integer(20_000, help="characters kept of each output").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if isinstance(output.get("text"), str) and len(output.text) > self.max_chars:
                output.text = output.text[: self.max_chars] + "\n... Output truncated ..."
        return cell, resources


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

    def preprocess_cell(self, cell, resources, index):
        root = os.environ.get(ENV_COURSE_ROOT)
        if not root:
            return cell, resources
        for output in cell.get("outputs", []):
            for key in ("text", "evalue"):
                if isinstance(output.get(key), str):
                    output[key] = output[key].replace(root, "<course>")
            if "traceback" in output:
                output.traceback = [line.replace(root, "<course>") for line in output.traceback]
        return cell, resources
