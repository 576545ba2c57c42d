"""The course's nbgrader exporters: nbgrader's CSV, and Canvas's gradebook import CSV.

Both assign the late penalties again from the current scores before they write
(manual grades change a score after autograde: see late.py).

    nbgrader export                                   (KitCsvExport, the course's default)
    nbgrader export --exporter=autograder.exports.CanvasExport --to canvas.csv

The rows are the students of a roster the instructor exports from Canvas once
(Grades > Export > Export Entire Gradebook): their identity columns (Student,
ID, SIS User ID, SIS Login ID, Section) are copied from it as they are, so
Canvas matches every row to its student. The columns are nbgrader's
assignments, titled "Name (id)" when `assignment_columns` maps them onto
existing Canvas assignments. Each cell is the score minus the late penalty, as
in nbgrader's own CSV export.
"""
import csv
import math

from nbgrader.plugins import CsvExportPlugin, ExportPlugin
from traitlets import Dict, Unicode

from . import late

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "Points Possible"


def refresh_penalties(plugin, gradebook):
    """Late penalties as a percentage of the score now, manual grades included (late.py), before any export."""
    changed = late.refresh_penalties(gradebook, plugin.config)
    if changed:
        plugin.log.info("Late penalties assigned again from the current scores: %d changed", changed)


class KitCsvExport(CsvExportPlugin):
    """nbgrader's CSV export (`nbgrader export`, the course's default exporter), late penalties made current first."""

    def export(self, gradebook):
        refresh_penalties(self, gradebook)
        super().export(gradebook)


class CanvasExportError(ValueError):
    """Bad input for the Canvas export: the message says what to fix."""


def number(value):
    """Up to 2 decimals, no trailing zeros: 12.0 -> "12", 7.5 -> "7.5", 8.333 -> "8.33"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class CanvasExport(ExportPlugin):
    """Canvas gradebook import CSV: one row per roster student, one column per assignment."""

    roster = Unicode(
        "",
        help="Path of the class roster (required): a CSV in Canvas's gradebook export format "
             "(Grades > Export > Export Entire Gradebook), with at least the columns Student, ID, "
             "SIS User ID, SIS Login ID and Section. Its rows are the rows written, their identity "
             "columns copied as they are; other columns, and its 'Points Possible' row, are ignored.",
    ).tag(config=True)

    match_column = Unicode(
        "SIS Login ID",
        help="The roster column that holds the nbgrader student id (e.g. 'SIS Login ID', "
             "'SIS User ID' or 'ID'). Its values must be unique.",
    ).tag(config=True)

    assignment_columns = Dict(
        value_trait=Unicode(),
        default_value={},
        help="Canvas column title of each nbgrader assignment, e.g. "
             "{'maxpool': 'Exercise 1: max pooling (12345)'}. Canvas updates the existing assignment "
             "whose id is the '(12345)' at the end of the title; an assignment not listed is titled by "
             "its nbgrader name, which makes Canvas create a new assignment. The mapped assignments come "
             "first, in the mapping's order, then the others in the gradebook's order (due date, then name).",
    ).tag(config=True)

    missing_submission = Unicode(
        "0",
        help="What a roster student with no submission of an assignment gets: a number of points "
             "(default '0'); '' leaves the student's cell in Canvas unchanged; 'EX' marks the "
             "assignment excused for the student in Canvas.",
    ).tag(config=True)

    def missing_cell(self):
        """The cell of a missing submission: checked, so a typo does not reach Canvas."""
        value = self.missing_submission.strip()
        if value in ("", "EX"):
            return value
        try:
            points = float(value)
        except ValueError:
            points = -1.0
        if not math.isfinite(points) or points < 0:
            raise CanvasExportError(f"CanvasExport.missing_submission must be a number of points, '' (leave "
                                    f"Canvas's cell unchanged) or 'EX' (excused), not {self.missing_submission!r}")
        return value

    def export(self, gradebook):
        refresh_penalties(self, gradebook)
        try:
            dest, rows = self.rows(gradebook)
        except CanvasExportError as error:
            fail = getattr(self.parent, "fail", None)
            if fail is None:
                raise
            fail("Canvas export: %s", error)
            return
        with open(dest, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        self.log.info("Wrote %d students' grades for %d assignments to %s",
                      len(rows) - 2, len(rows[0]) - len(IDENTITY), dest)

    def rows(self, gradebook):
        """(destination, rows of the CSV): every check is done before anything is written."""
        dest = self.to or "canvas.csv"
        missing = self.missing_cell()
        only_students = [str(s) for s in self.student]
        only_assignments = [str(a) for a in self.assignment]
        self.log.info("Exporting grades for Canvas to %s (roster %s, matched on its %r column)",
                      dest, self.roster, self.match_column)
        if only_assignments:
            self.log.info("Exporting only assignments: %s", only_assignments)
        if only_students:
            self.log.info("Exporting only students: %s", only_students)

        roster = self.read_roster()
        if only_students:
            roster = [(sid, row) for sid, row in roster if sid in only_students]
            for sid in sorted(set(only_students) - {sid for sid, _ in roster}):
                self.log.warning("Student %s is not in the roster (%s): not exported", sid, self.roster)

        assignments = self.ordered_assignments(gradebook, only_assignments)
        titles = [self.assignment_columns.get(a.name, a.name) for a in assignments]
        clash = sorted({t for t in titles if titles.count(t) > 1 or t in IDENTITY})
        if clash:
            raise CanvasExportError(f"CanvasExport.assignment_columns gives more than one column, or an "
                                    f"identity column, the title(s) {clash}")

        on_roster = {sid for sid, _ in roster}
        for student in gradebook.students:
            if student.id in on_roster or (only_students and student.id not in only_students):
                continue
            name = " ".join(n for n in (student.first_name, student.last_name) if n)
            self.log.warning("Student %s%s is in the gradebook but not in the roster (%s, column %r): "
                             "not exported, Canvas could not match them",
                             student.id, f" ({name})" if name else "", self.roster, self.match_column)

        scores = {}     # assignment name -> {student id: points after the late penalty}
        for assignment in assignments:
            scores[assignment.name] = {
                sub.student_id: max(0.0, (sub.score or 0.0) - (sub.late_submission_penalty or 0.0))
                for sub in assignment.submissions if sub.student_id in on_roster
            }

        rows = [IDENTITY + titles,
                [POINTS_POSSIBLE] + [""] * (len(IDENTITY) - 1) + [number(a.max_score or 0.0) for a in assignments]]
        for sid, row in roster:
            cells = []
            for assignment in assignments:
                points = scores[assignment.name].get(sid)
                cells.append(missing if points is None else number(points))
            rows.append([row[column] for column in IDENTITY] + cells)
        return dest, rows

    def ordered_assignments(self, gradebook, only):
        """The gradebook's assignments: the mapped ones in the mapping's order, then the others."""
        in_gradebook = gradebook.assignments          # by due date, then name
        if only:
            for name in sorted(set(only) - {a.name for a in in_gradebook}):
                self.log.warning("Assignment %s is not in the gradebook: not exported", name)
            in_gradebook = [a for a in in_gradebook if a.name in only]
        names = {a.name for a in gradebook.assignments}
        for name in self.assignment_columns:
            if name not in names:
                self.log.warning("CanvasExport.assignment_columns names %r, which is not an assignment "
                                 "of the gradebook: no column for it", name)
        position = {name: i for i, name in enumerate(self.assignment_columns)}
        mapped = sorted((a for a in in_gradebook if a.name in position), key=lambda a: position[a.name])
        return mapped + [a for a in in_gradebook if a.name not in position]

    def read_roster(self):
        """[(nbgrader student id, roster row)] in the roster's order, Points Possible rows left out."""
        if not self.roster:
            raise CanvasExportError("no roster: set CanvasExport.roster to the path of the class roster, "
                                    "a CSV exported from Canvas's gradebook (e.g. --CanvasExport.roster=roster.csv)")
        try:
            with open(self.roster, newline="", encoding="utf-8-sig") as fh:
                table = list(csv.reader(fh))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise CanvasExportError(f"cannot read the roster CanvasExport.roster={self.roster!r}: {error}") from None
        if not table:
            raise CanvasExportError(f"the roster CanvasExport.roster={self.roster!r} is empty: no header row")
        header = [name.strip() for name in table[0]]
        missing = [column for column in IDENTITY if column not in header]
        if missing:
            raise CanvasExportError(f"the roster {self.roster!r} has no column(s) {missing}: a Canvas gradebook "
                                    f"export has {IDENTITY} (its header is {header})")
        if self.match_column not in header:
            raise CanvasExportError(f"CanvasExport.match_column={self.match_column!r} is not a column of the "
                                    f"roster {self.roster!r} (its columns: {header})")
        index = {}
        for i, name in enumerate(header):
            index.setdefault(name, i)

        roster, seen = [], {}
        for line, cells in enumerate(table[1:], start=2):
            row = {name: (cells[i] if i < len(cells) else "") for name, i in index.items()}
            if row["Student"].strip() == POINTS_POSSIBLE:
                continue
            sid = row[self.match_column].strip()
            if not sid:
                if any(row[column].strip() for column in IDENTITY):
                    self.log.warning("Roster line %d (%r) has no %s: not exported",
                                     line, row["Student"], self.match_column)
                continue        # e.g. Canvas's posting-policy row: nobody's row
            seen.setdefault(sid, []).append(line)
            roster.append((sid, row))
        duplicates = {sid: lines for sid, lines in seen.items() if len(lines) > 1}
        if duplicates:
            listed = "; ".join(f"{sid!r} on lines {lines}" for sid, lines in duplicates.items())
            raise CanvasExportError(f"the roster {self.roster!r} has duplicate ids in its {self.match_column!r} "
                                    f"column: {listed}")
        return roster
