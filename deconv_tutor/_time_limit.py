"""Run a learner's code under a time limit, in the calling thread, with its output captured.

:func:`run` calls a function and returns an :class:`Outcome`: its value, the exception it
raised, or a time-out. It is what :mod:`deconv_tutor.exercises` uses for everything that
touches a learner's object: calling their function, and comparing what it returned.

The design, and why it holds
----------------------------
The code runs **in the calling thread**, and a watchdog thread stops it at the deadline.

- Nothing is left running. ``run`` returns only once the learner's code has stopped, so no
  runaway loop keeps burning a core in the background after a time-out, and no value
  is looked at later, outside the limit.
- Learner code sees exactly the notebook's state: Keras keeps settings per thread (the
  dtype policy of mixed precision, the random seed, layer-name counters, name scopes), and
  code run in the caller's thread sees them as they are, with nothing copied.
- In the main thread (a notebook's cells, a test) the watchdog stops the code through
  Python's own signal machinery: it calls ``_thread.interrupt_main(SIGUSR1)``; the handler
  installed for the duration of the call runs in the learner's thread at the next
  bytecode boundary and raises :class:`TimeLimitExceeded` there. A ``BaseException``,
  so an ``except Exception`` does not swallow it.
- A loop that catches even that (``except BaseException: pass``, a bare ``except:``
  around a ``time.sleep`` or a retried call, two such loops nested: all tested) is still
  stopped. Each interruption also turns on line tracing in that thread (``sys.settrace``
  and the ``f_trace`` of the interrupted frames), so the first line that runs after the
  handler's exception, typically the body of the ``except`` that caught it, raises once
  more, from the trace function; that second exception is raised outside the ``try`` it
  came from. CPython switches a trace function off once it raises, so each round gives
  two exceptions, and the watchdog starts a round every 10 ms. Before the deadline
  nothing is traced: no cost.
- Frames of this module are never interrupted (the handler looks at the interrupted
  frame's module), so the bookkeeping that ends a call cannot be cut in half, and a stale
  request that arrives after the call has ended is dropped.

Why not the alternatives, tested on this course's stack (Python 3.11, TensorFlow 2.21):

- A forked child process (``multiprocessing.get_context("fork")``), killed at the
  deadline, would stop anything, C code included. But TensorFlow does not survive a
  fork once the parent has run an op: in the child a 1024 x 1024 ``matmul``, a ``conv``,
  ``model.predict``, ``fit`` and any ``tf.function`` hang (its thread pools exist only in
  the parent); only tiny ops that stay on the calling thread finish. Every chapter runs
  TensorFlow before its exercises, and checks call Keras, so a child would time out on
  correct answers. On a GPU the child cannot use the parent's CUDA context at all.
- A worker thread with ``sys.settrace`` that raises at the deadline: CPython turns a trace
  function off once it raises, so a loop that catches ``BaseException`` survives the first
  exception and runs on in the background; and the worker does not see the notebook's
  per-thread Keras settings unless private Keras state is copied into it.
- ``signal.alarm``: only POSIX, clashes with other users of ``SIGALRM`` (pytest-timeout).

Limits, stated plainly:

- Code stuck inside one C call (``time.sleep(1e6)``, one huge TensorFlow op, a C loop
  such as ``sum(itertools.count())``) is stopped only when that call returns to Python;
  until then the check waits. The notebook's interrupt button stops it sooner: the check
  never swallows a ``KeyboardInterrupt`` (a learner's catch-all loop does, as it would
  anywhere).
- Three or more catch-all loops nested inside each other can catch the two exceptions of
  every round (tested: not stopped). ``sys.monitoring`` (Python 3.12+) could raise on
  every line without being switched off; the course still supports 3.11.
- Outside the main thread the watchdog raises through ``PyThreadState_SetAsyncExc``
  (CPython's C API, through ``ctypes``), once every 10 ms: that stops a loop, a loop
  catching ``BaseException`` at one level too, but it has no handler to turn tracing on,
  so nested catch-all loops may survive; and ``sys.stdout`` is redirected for the whole
  process while such a check runs. Where neither mechanism exists the code runs without
  a limit.
- A loop whose ``finally`` says ``continue`` discards every exception; no in-process
  mechanism stops it.

What the code prints (``sys.stdout``, ``sys.stderr``) goes to a bounded :class:`Capture`,
never to the notebook directly: a learner printing a million lines costs memory for the
first few thousand characters only.
"""

from __future__ import annotations

import _thread
import contextlib
import ctypes
import io
import signal
import sys
import threading

__all__ = ["Capture", "Outcome", "TimeLimitExceeded", "run"]

# How often a runaway call is interrupted again after the deadline.
_REPEAT_SECONDS = 0.01
_SIGNAL = getattr(signal, "SIGUSR1", None) or getattr(signal, "SIGBREAK", None)
_GLOBALS = globals()
_state = threading.local()  # the watch active in this thread, if any


class TimeLimitExceeded(BaseException):
    """Raised inside learner code that runs past its time limit.

    A ``BaseException``, like ``KeyboardInterrupt``, so that the learner's own
    ``except Exception`` does not swallow it.
    """


class Outcome:
    """What a call under :func:`run` came to.

    Parameters
    ----------
    status : {"ok", "error", "timeout"}
        Whether the call returned, raised or ran past its limit.
    value : object, optional
        What it returned (status ``"ok"``).
    exception : BaseException, optional
        What it raised (status ``"error"``).
    text : str, optional
        ``str(exception)``, computed under the time limit (it is the learner's code too),
        shortened.

    Examples
    --------
    >>> outcome = run(divmod, (7, 2), time_limit=1.0)
    >>> outcome.status, outcome.value
    ('ok', (3, 1))
    """

    def __init__(self, status, value=None, exception=None, text=""):
        self.status = status
        self.value = value
        self.exception = exception
        self.text = text

    def __repr__(self):
        return f"Outcome(status={self.status!r})"


class Capture(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters written to it and counts the rest.

    Parameters
    ----------
    limit : int, default 10000
        Characters kept; the rest is counted, not stored.

    Examples
    --------
    >>> capture = Capture(limit=100)
    >>> for number in range(1000):
    ...     _ = capture.write(f"line {number}\\n")
    >>> print(capture.shortened(lines=2))
    line 0
    line 1
    ... (998 more lines not shown)
    """

    def __init__(self, limit=10_000):
        super().__init__()
        self.limit = limit
        self._parts = []
        self._kept = 0
        self.characters = 0
        self.lines = 0
        self._open_line = False  # the last character written was not a newline

    def writable(self):
        """True: this is an output stream."""
        return True

    def write(self, text):
        """Keep ``text`` while under the limit; count it always; return its length."""
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.characters += len(text)
        self.lines += text.count("\n")
        if text:
            self._open_line = not text.endswith("\n")
        if self._kept < self.limit:
            part = text[: self.limit - self._kept]
            self._parts.append(part)
            self._kept += len(part)
        return len(text)

    @property
    def text(self):
        """The characters kept (the first ``limit`` written)."""
        return "".join(self._parts)

    def shortened(self, lines=20, characters=2000):
        """What was written, cut to ``lines`` lines and ``characters`` characters, with a note.

        Parameters
        ----------
        lines : int, default 20
            Lines shown at most.
        characters : int, default 2000
            Characters shown at most.

        Returns
        -------
        str
            Empty when nothing was written.
        """
        if not self.characters:
            return ""
        total_lines = self.lines + self._open_line
        shown = self.text[:characters].split("\n")[:lines]
        if shown and shown[-1] == "":
            shown = shown[:-1]
        hidden = total_lines - len(shown)
        cut = hidden > 0 or self.characters > len("\n".join(shown)) + 1
        if cut:
            more = f"{hidden} more lines" if hidden > 0 else "the rest of the line"
            shown.append(f"... ({more} not shown)")
        return "\n".join(shown)


def _in_this_module(frame):
    return frame.f_globals is _GLOBALS


class _Watch:
    """The watchdog of one call: the deadline, the interruptions, the bookkeeping."""

    def __init__(self, time_limit):
        self.time_limit = time_limit
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.done = False
        self.expired = False
        self.thread_id = threading.get_ident()
        self.main = threading.current_thread() is threading.main_thread()
        self.previous_handler = None
        self.previous_trace = None
        self.guard_frame = None
        if self.main and _SIGNAL is not None:
            try:
                self.previous_handler = signal.signal(_SIGNAL, self._on_signal)
            except (ValueError, OSError):  # not the main interpreter, or a refused signal
                self.main = False
        self.async_raise = None
        if not self.main:
            pythonapi = getattr(ctypes, "pythonapi", None)
            self.async_raise = getattr(pythonapi, "PyThreadState_SetAsyncExc", None)
        self.watchdog = threading.Thread(
            target=self._watch, name="deconv_tutor-time-limit", daemon=True
        )

    def start(self, guard_frame):
        self.guard_frame = guard_frame
        self.previous_trace = sys.gettrace()
        self.watchdog.start()

    # -- the watchdog thread --------------------------------------------------

    def _watch(self):
        if self.wake.wait(self.time_limit):
            return
        while True:
            with self.lock:
                if self.done:
                    return
                self.expired = True
                self._interrupt()
            if self.wake.wait(_REPEAT_SECONDS):
                return

    def _interrupt(self):
        if self.main:
            _thread.interrupt_main(_SIGNAL)
        elif self.async_raise is not None:
            self.async_raise(ctypes.c_ulong(self.thread_id), ctypes.py_object(TimeLimitExceeded))

    # -- in the learner's thread ----------------------------------------------

    def _on_signal(self, signum, frame):
        if self.done:
            return  # a request that came after the call ended
        if not self.expired:
            # Not the watchdog's: pass a real signal on to whoever handled it before.
            if callable(self.previous_handler):
                self.previous_handler(signum, frame)
            return
        if frame is None or _in_this_module(frame):
            return  # never cut this module's bookkeeping; the watchdog asks again
        self._trace_from(frame)
        raise TimeLimitExceeded

    def _trace_from(self, frame):
        """Trace the next line of the interrupted frames, so that it raises once more."""
        sys.settrace(self._stopper)
        while frame is not None and frame is not self.guard_frame:
            frame.f_trace = self._stopper
            frame = frame.f_back

    def _stopper(self, frame, event, arg):
        if self.done:
            return None
        if event != "line" or _in_this_module(frame):
            return self._stopper  # the 'exception' event of the handler's own raise, a call
        # Raising here makes CPython switch tracing off: one more exception, from the first
        # line that runs after the handler's, e.g. the body of an `except BaseException:`.
        raise TimeLimitExceeded

    def finish(self):
        """End the watch: no interruption after this returns. Runs in this module only."""
        with self.lock:
            self.done = True
        self.wake.set()
        if sys.gettrace() is not self.previous_trace:
            sys.settrace(self.previous_trace)
        if self.main:
            _let_pending_requests_run()
            signal.signal(_SIGNAL, self.previous_handler)
        # Off the main thread a pending exception is not dropped with
        # PyThreadState_SetAsyncExc(id, NULL): on CPython 3.11 that call leaves the
        # interpreter's "asynchronous exception pending" flag set for good, and every
        # later signal handler then runs re-entrantly. It is raised and caught instead.


def _let_pending_requests_run():
    """A Python-level call: a pending interruption is handled here, in this module."""
    return None


def _exception_text(exception, limit=500):
    """``str(exception)`` (the learner's code), shortened; something readable if it fails."""
    try:
        text = str(exception)
    except TimeLimitExceeded:
        return "(its message did not finish within the time limit)"
    except KeyboardInterrupt:
        raise
    except BaseException:
        return "(its message could not be shown)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _call(function, args, kwargs):
    try:
        return Outcome("ok", value=function(*args, **kwargs))
    except TimeLimitExceeded:
        return Outcome("timeout")
    except KeyboardInterrupt:
        raise  # the notebook's interrupt button: stop the check too
    except BaseException as exception:  # SystemExit and the like are reported, not obeyed
        return Outcome("error", exception=exception, text=_exception_text(exception))


def run(function, args=(), kwargs=None, *, time_limit, capture=None):
    """Call ``function(*args, **kwargs)`` within ``time_limit`` seconds, its output captured.

    Parameters
    ----------
    function : callable
        The code to run (a learner's function, or a check that looks at a learner's value).
    args : tuple, optional
        Positional arguments.
    kwargs : dict, optional
        Keyword arguments.
    time_limit : float or None
        Seconds allowed; None runs the code without a limit.
    capture : Capture, optional
        Where ``sys.stdout`` and ``sys.stderr`` go during the call (a fresh one by default).

    Returns
    -------
    Outcome
        ``"ok"`` with the value, ``"error"`` with the exception (any, ``SystemExit``
        included, except ``KeyboardInterrupt``, which propagates), or ``"timeout"``.

    Examples
    --------
    >>> def endless():
    ...     while True:
    ...         try:
    ...             pass
    ...         except BaseException:  # even this does not keep it running
    ...             pass
    >>> run(endless, time_limit=0.1).status
    'timeout'
    >>> outcome = run(print, ("hello",), time_limit=1.0, capture=(capture := Capture()))
    >>> outcome.status, capture.text
    ('ok', 'hello\\n')
    """
    kwargs = {} if kwargs is None else kwargs
    capture = Capture() if capture is None else capture
    with contextlib.redirect_stdout(capture), contextlib.redirect_stderr(capture):
        if time_limit is None or getattr(_state, "watch", None) is not None:
            # No limit asked, or inside a call that already has one: it applies.
            return _call(function, args, kwargs)
        watch = _Watch(time_limit)
        _state.watch = watch
        outcome = None
        try:
            watch.start(sys._getframe())
            outcome = _call(function, args, kwargs)
        except TimeLimitExceeded:  # only off the main thread, where any frame can be hit
            outcome = Outcome("timeout")
        finally:
            _state.watch = None
            while True:
                try:
                    watch.finish()
                    _let_pending_requests_run()  # off the main thread: raises a pending one
                    break
                except TimeLimitExceeded:
                    continue
        return outcome
