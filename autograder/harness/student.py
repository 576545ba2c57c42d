"""The trusted side's handle on one student's answer code.

`StudentProcess` has the answer fork server (through `answer_client.py`) start a fresh
process for the answer, sends it calls and decodes the replies. `StudentModule` is what the hidden graders see (the
`student` fixture): attribute calls are forwarded to the student's functions.
Time limits are enforced here, by the trusted side (`call_clock.CallClock`: time spent
waiting for a CPU does not count), and a student process that hangs, crashes or exits is
killed and replaced without affecting the grader.
"""
import inspect
import os
import re
import select
import signal
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from . import codec, sandbox
from .answer_client import WHERE_SIGNAL, AnswerForkServer, ForkServerError
from .call_clock import CallClock

DEFAULT_CALL_TIMEOUT = 30.0
LOAD_TIMEOUT = 20.0          # loading the answer module (its top-level code runs; honest code: a second or two)
HANG_BUDGET = 45.0           # seconds a submission may spend in calls that time out, over all its parts
AFTER_BUDGET = 5.0           # a call's limit once that is spent
WHERE_WAIT = 2.0             # seconds a timed-out process has to write where it was before it is killed
WHERE_MARK = "--- where the answer was at its time limit ---"


class HangBudget:
    """What time-outs may cost one submission, shared by all its parts (one per answer file).

    A part that hits its time limit fails its later calls at once (StudentModule);
    this bounds the parts together. The first time-out costs the call's own limit,
    on the call's own clock (CallClock: on a loaded machine it takes longer by the
    wall clock, up to WALL_FACTOR times), and is charged the wall-clock seconds it took; after it, each call
    gets what is left of HANG_BUDGET, and once that is spent, AFTER_BUDGET seconds,
    both by the wall clock: a submission whose every function loops forever is
    graded in about a minute more than an honest one (its first limit aside),
    whatever the graders' own limits. Honest code never times out, so it never
    meets a shortened limit. An answer that could not load in time is not loaded again.
    """

    def __init__(self, seconds=HANG_BUDGET, after=AFTER_BUDGET):
        self.seconds, self.after = seconds, after
        self.spent = 0.0
        self.timeouts = 0
        self.load_failure = None

    def clock(self, own, pid, **kwargs):
        """The clock of a call whose own limit is `own`, in the answer's process `pid`: that process's own
        time until this submission first timed out; after, the wall clock and what is left of the budget."""
        if not self.timeouts:
            return CallClock(own, pid, **kwargs)
        return CallClock(min(own, max(self.seconds - self.spent, self.after)), None, **kwargs)

    def charge(self, seconds):
        """A time-out that took `seconds` by the wall clock."""
        self.timeouts += 1
        self.spent += seconds


class StudentError(Exception):
    """A failure of the student's code that is not an exception it raised."""


class StudentTimeout(StudentError):
    def __init__(self, message, seconds=0.0):
        super().__init__(message)
        self.seconds = seconds       # by the wall clock, from the call's start to its end


class StudentCrash(StudentError):
    pass


class StudentImportError(StudentError):
    pass


class MissingFunction(StudentError):
    pass


@dataclass
class CallResult:
    value: object
    args_after: list
    kwargs_after: dict
    seconds: float


def _builtin_exception(info):
    """Rebuild the student's exception as the nearest built-in class (never their class)."""
    import builtins
    klass = getattr(builtins, info.get("builtin", ""), None)
    if not (isinstance(klass, type) and issubclass(klass, BaseException)) or klass in (
            SystemExit, KeyboardInterrupt, GeneratorExit):
        # never re-raise process-control exceptions inside the grader
        klass = RuntimeError
    try:
        exc = klass(info.get("message", ""))
    except Exception:  # noqa: BLE001 - classes with odd constructors
        exc = RuntimeError(info.get("message", ""))
    exc.student_type = info.get("type", klass.__name__)
    exc.student_where = info.get("where", "")
    return exc


def probe_source(func):
    """The grader source shipped to the answer process to run `func` there (this side's code, as text).

    A function of a probe module, one that lists its probe functions in `PROBES`
    (e.g. graders/feature_maps/_probes.py), ships with its whole module, so that
    small probes share models and helpers; the answer process calls only the names
    in `PROBES`. Any other function ships alone and must be self-contained (imports inside).
    """
    if not inspect.isfunction(func):
        raise TypeError(f"a probe is a function of the grader's, not {func!r}")
    module = sys.modules.get(func.__module__)
    listed = getattr(module, "PROBES", None)
    if listed is None:
        return textwrap.dedent(inspect.getsource(func))
    if func.__name__ not in listed or getattr(module, func.__name__, None) is not func:
        raise ValueError(f"{func.__qualname__} is not one of the probes {module.__name__}.PROBES lists")
    return inspect.getsource(module)


class StudentProcess:
    """One untrusted child of the answer fork server, running one answer file."""

    def __init__(self, answer_file, *, blocked_modules=(), sandboxed=False, limits=None, server=None, budget=None):
        self.answer_file = str(answer_file)
        self.limits = limits or sandbox.Limits()
        self.budget = budget or HangBudget()
        self._own_server = server is None
        self.server = server or AnswerForkServer(Path(self.answer_file).parent, blocked_modules=blocked_modules,
                                                 sandboxed=sandboxed, limits=self.limits)
        self.pid = None              # the child, as the fork server numbers it
        self.host_pid = None         # ... and as this side does (its CPU time and waits are read from /proc)
        self.names = None
        self.load_failure = None     # an answer that cannot load fails every call the same way
        self._source = None

    # -- lifecycle ---------------------------------------------------------
    def start(self):
        if self.load_failure is not None:
            raise self.load_failure
        if self.budget.load_failure is not None:     # another part already waited for it
            raise StudentTimeout(f"{self.budget.load_failure} (in an earlier part; not loaded again)")
        try:
            self._start()
        except (StudentImportError, StudentTimeout, StudentCrash) as exc:
            self.load_failure = type(exc)(f"{exc}")
            if isinstance(exc, StudentTimeout):
                self.budget.load_failure = str(exc)
            raise

    def _start(self):
        self._source_lines()          # as written, before the answer's code runs (it may rewrite the file)
        started = time.monotonic()
        try:
            self.pid, self._requests, self._reply_fd = self.server.spawn(self.answer_file)
        except ForkServerError as exc:
            raise StudentCrash(f"your code's process could not be started ({exc})") from None
        self.host_pid = self.server.host_pid(self.pid)
        clock = self.budget.clock(LOAD_TIMEOUT, self.host_pid, forked_at=started)
        try:
            hello = self._read_reply(clock, during="loading your code (its top-level statements)")
        except StudentTimeout as exc:
            self.budget.charge(exc.seconds)
            raise
        if "import_error" in hello:
            info = hello["import_error"]
            self.close()
            raise StudentImportError(
                f"your code failed while loading: {info['type']}: {info['message']}"
                + (f"\n{info['where']}" if info.get("where") else ""))
        self.names = set(hello.get("ready", ()))

    def close(self):
        """End this child (and, if this process started it, the fork server)."""
        self._close_child()
        if self._own_server:
            self.server.close()

    def _close_child(self, kill=True):
        if self.pid is not None and kill:
            self.server.kill(self.pid)
        self.pid = self.host_pid = None
        if getattr(self, "_requests", None) is not None:
            try:
                self._requests.close()
            except OSError:
                pass
            self._requests = None
        if getattr(self, "_reply_fd", None) is not None:
            os.close(self._reply_fd)
            self._reply_fd = None

    @property
    def alive(self):
        return self.pid is not None

    # -- calls -------------------------------------------------------------
    def call(self, name, args, kwargs, *, timeout, return_args, probe=None):
        if not self.alive:
            self.start()
        if probe is None and name not in self.names:
            raise MissingFunction(f"your code does not define `{name}`")
        payload = codec.encode({"name": name, "args": list(args), "kwargs": dict(kwargs),
                                "return_args": return_args, "probe": probe})
        started = time.perf_counter()
        clock = self.budget.clock(timeout, self.host_pid)
        try:
            codec.write_frame(self._requests, payload)
        except (BrokenPipeError, OSError):
            self._crashed(f"while calling {name}")
        during = "the grader ran your code" if probe is not None else f"running {name}"
        reply = self._read_reply(clock, during=during)
        seconds = time.perf_counter() - started
        if "raised" in reply:
            raise _builtin_exception(reply["raised"])
        if "missing" in reply:
            raise MissingFunction(f"`{name}` is not a function in your code")
        if "unsendable" in reply:
            raise StudentCrash(f"{name} returned a value that could not be sent back "
                               f"for checking ({reply['unsendable']})")
        return CallResult(reply.get("value"), reply.get("args_after"),
                          reply.get("kwargs_after"), seconds)

    def _where(self):
        """Where the student's code is running, as its process writes it when asked ('' if it does not say).

        The child writes its stack on WHERE_SIGNAL (answer_server.py), after the
        mark this side writes to the log; the report comes from the answer's own
        process, so it is only ever shown to that student, and only as a line of
        their own code.
        """
        if self.host_pid is None:
            return ""
        try:
            with open(self.server.log_path, "ab") as log:
                log.write(f"\n{WHERE_MARK}\n".encode())
                mark = log.tell()
            os.kill(self.host_pid, WHERE_SIGNAL)
        except OSError:
            return ""
        text, deadline = "", time.monotonic() + WHERE_WAIT
        while time.monotonic() < deadline:    # until the report has stopped growing
            time.sleep(0.05)
            try:
                with open(self.server.log_path, "rb") as log:
                    log.seek(mark)
                    now = log.read(1 << 16).decode(errors="replace")
            except OSError:
                return ""
            if now and now == text:
                break
            text = now
        for line in text.split(WHERE_MARK)[0].splitlines():     # most recent call first
            match = re.match(r'\s*File "(.*)", line (\d+) in (\S+)', line)
            if match and match.group(1) == self.answer_file:
                number, function = int(match.group(2)), match.group(3)
                source = self._source_lines()
                code = source[number - 1].strip() if 0 < number <= len(source) else ""
                place = "your top-level code" if function == "<module>" else f"`{function}`"
                return f"; it was running {place}" + (f", at: {code[:120]}" if code else "")
        return ""

    def _source_lines(self):
        if self._source is None:
            try:
                self._source = Path(self.answer_file).read_text().splitlines()
            except OSError:
                self._source = []
        return self._source

    def _read_exact(self, n, clock, during):
        chunks, need = [], n
        while need:
            expired, wait = clock.expired()
            if expired:
                where = self._where()
                self._close_child()
                raise StudentTimeout(f"time limit ({clock.limit:g} s) exceeded while {during}{where}",
                                     seconds=time.monotonic() - clock.started)
            ready, _, _ = select.select([self._reply_fd], [], [], wait)
            if not ready:
                continue
            chunk = os.read(self._reply_fd, min(need, 1 << 20))
            if not chunk:
                self._crashed(f"while {during}")
            chunks.append(chunk)
            need -= len(chunk)
        return b"".join(chunks)

    def _read_reply(self, clock, during):
        try:
            frame = codec.read_frame(lambda n: self._read_exact(n, clock, during))
        except codec.FrameTooLarge:
            self._close_child()
            raise StudentCrash("your code's process sent back too much data") from None
        try:
            reply = codec.decode(frame)
        except codec.CodecError as exc:
            self._close_child()
            raise StudentCrash(f"unreadable reply from your code's process ({exc})") from None
        if not isinstance(reply, dict):
            self._close_child()
            raise StudentCrash("unreadable reply from your code's process")
        return reply

    def _crashed(self, during):
        code = self.server.exit_code(self.pid) if self.pid is not None else None
        self._close_child(kill=code is None)
        if code is not None and code < 0:
            try:
                why = f"was killed by signal {signal.Signals(-code).name}"
            except ValueError:
                why = f"was killed by signal {-code}"
            if -code == signal.SIGXCPU:
                why = f"used more than its {self.limits.cpu_seconds} s of CPU time"
        elif code is not None:
            why = f"exited with code {code}"
        else:
            why = "stopped answering"
        raise StudentCrash(f"your code's process {why} {during} (an exit call, a crash, "
                           f"or running out of memory: the limit is {self.limits.describe()})")


class StudentModule:
    """The `student` fixture: calls into the answer process, one part at a time.

    Once a call in this part hits the time limit, later calls fail at once, so an
    infinite loop costs one time limit per part rather than one per check.
    """

    def __init__(self, process, source):
        self._process = process
        self.source = source
        self._timed_out = None

    def has(self, name):
        if not self._process.alive:
            self._process.start()
        return name in self._process.names

    def call_full(self, name, *args, timeout=DEFAULT_CALL_TIMEOUT, **kwargs):
        """Call and also return the arguments as the student's code left them."""
        return self._call(name, args, kwargs, timeout, return_args=True)

    def call(self, name, *args, timeout=DEFAULT_CALL_TIMEOUT, **kwargs):
        return self._call(name, args, kwargs, timeout, return_args=False).value

    def probe(self, func, *args, timeout=DEFAULT_CALL_TIMEOUT, **kwargs):
        """Run the grader's `func(answer_module, *args, **kwargs)` in the answer process; returns its plain-data result.

        For answers that are not plain functions (classes, models). `func` is shipped as
        source (`probe_source`) and called there by name; it should return numbers,
        strings and arrays, and the grader judges them here.
        """
        return self._call(func.__name__, args, kwargs, timeout, return_args=False, probe=probe_source(func)).value

    def cpu_seconds(self):
        """CPU time used so far by the answer's processes, as the kernel counts it (not as they say)."""
        return self._process.server.cpu_seconds()

    def _call(self, name, args, kwargs, timeout, return_args, probe=None):
        if self._timed_out is not None:
            raise StudentTimeout(f"skipped after an earlier call hit the time limit ({self._timed_out})")
        budget = self._process.budget
        try:
            return self._process.call(name, args, kwargs, timeout=timeout, return_args=return_args,
                                      probe=probe)
        except StudentTimeout as exc:
            self._timed_out = str(exc)
            if "loading your code" not in str(exc):      # the load charged the budget itself
                budget.charge(exc.seconds)
            raise

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def close(self):
        self._process.close()
