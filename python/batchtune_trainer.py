"""batchtune_trainer: let batchtune tune your training script (PyTorch, JAX, NumPy, anything).

One file, standard library only. batchtune's ``process`` trainer starts your script once per trial
and speaks JSON lines with it on stdin/stdout; this module turns that protocol into a small API::

    import batchtune_trainer as bt

    session = bt.connect(objective={"metric": "val_acc", "mode": "max"})
    model = build(session.params, seed=session.seed)
    for request in session.requests():          # one request per segment; the process lives on
        while request.should_step():             # the budget's caps and the segment's target
            lr = request.learning_rate_at(session.progress["examples"])
            train_one_batch(model, request.batch_size, lr)
            session.step(request.batch_size)
            if session.progress["steps"] % 100 == 0 and request.should_step():
                session.report({"train_loss": loss})
        session.report({"val_acc": evaluate(model)})   # every segment ends with a report
    # leaving the loop body tells batchtune the segment is done

Imported under batchtune, this module moves ``print()`` output (and anything written to file
descriptor 1) to stderr, which batchtune keeps in the trial's log, so the protocol channel stays clean. The process exits by itself
when batchtune goes away (stdin closes, or its parent process changes), so nothing is left running.
The protocol is documented message by message in batchtune's README ("Process trainer").
"""

import json
import math
import os
import queue
import sys
import threading
import time

PROTOCOL_VERSION = 1

__all__ = ["connect", "Session", "Request", "ends_before", "is_out_of_memory", "PROTOCOL_VERSION"]

_UNITS = ("examples", "steps", "seconds")


def ends_before(start, current, nxt, limits, target=None):
    """batchtune's rule for ending a segment (core/target.ts ``endsBefore``), asked before a step
    that would take the trial from ``current`` to ``nxt`` (dicts of examples, steps, seconds);
    ``start`` is where the segment began.

    - ``limits`` are hard caps: a step that would exceed examples or steps is never taken, and no
      step starts once seconds are up.
    - ``target`` ({"unit", "value"}) is soft: the segment ends at the reachable point nearest it (the
      lower one on a tie), never with zero progress: a first step that overshoots is taken.
    """
    if not _within_limits(current, nxt, limits or {}):
        return True
    if not target:
        return False
    unit, value = target["unit"], target["value"]
    if current[unit] >= value:
        return True
    if nxt[unit] <= value:
        return False
    if current[unit] <= start[unit]:
        return False
    return value - current[unit] <= nxt[unit] - value


def _within_limits(current, nxt, limits):
    if limits.get("examples") is not None and nxt["examples"] > limits["examples"]:
        return False
    if limits.get("steps") is not None and nxt["steps"] > limits["steps"]:
        return False
    if limits.get("seconds") is not None and current["seconds"] >= limits["seconds"]:
        return False
    return True


def is_out_of_memory(error):
    """True for an out-of-memory error from PyTorch (CUDA or CPU), JAX/XLA, TensorFlow or Python."""
    if isinstance(error, MemoryError):
        return True
    name = type(error).__name__
    text = str(error).lower()
    if name in ("OutOfMemoryError", "ResourceExhaustedError"):
        return True
    return any(sign in text for sign in ("out of memory", "resource_exhausted", "can't allocate memory", "failed to allocate"))


def _number(value, what):
    """A JSON-safe float: tensors and NumPy scalars are read, non-finite values become null."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("batchtune_trainer: %s must be a number (got %r)" % (what, value))
    value = float(value)
    return value if math.isfinite(value) else None


class Request:
    """One segment: train with ``batch_size`` and ``learning_rate`` until ``should_step()`` says no.

    ``limits`` (hard caps) and ``target`` (soft) are cumulative over the trial, like ``session.progress``.
    ``exhausted`` turns True when the next step would pass the ``max_resource`` given to ``connect``;
    set it yourself when the script cannot train this trial any further for another reason.
    """

    def __init__(self, session, message):
        self._session = session
        self.segment = message.get("segment", 0)
        self.limits = message.get("limits") or {}
        self.target = message.get("target")
        self.batch_size = int(message["batchSize"])
        self.learning_rate = float(message["learningRate"])
        self.warmup = message.get("warmup")
        self.start = dict(session.progress)
        self.exhausted = False

    def learning_rate_at(self, examples):
        """The rate for a step that starts after ``examples`` examples: warmup ramps linearly to it."""
        w = self.warmup
        if not w or w.get("examples", 0) <= 0 or examples >= w["examples"]:
            return self.learning_rate
        return w["from"] + (self.learning_rate - w["from"]) * (examples / w["examples"])

    def should_step(self, examples=None):
        """Whether to take one more step of ``examples`` (default: the batch size): not stopped, not
        exhausted, within the caps and not past the point nearest the target."""
        s = self._session
        if s.should_stop() or self.exhausted:
            return False
        current = s.progress
        nxt = {
            "examples": current["examples"] + (self.batch_size if examples is None else examples),
            "steps": current["steps"] + 1,
            "seconds": current["seconds"],
        }
        # The script's declared maximum (connect(max_resource=...)) ends the trial: it is exhausted.
        for unit in ("examples", "steps"):
            cap = s.max_resource.get(unit)
            if cap is not None and nxt[unit] > cap:
                self.exhausted = True
                return False
        return not ends_before(self.start, current, nxt, self.limits, self.target)


class Session:
    """A trial: its ``params``, ``seed``, ``trial_id``, ``trial_dir`` and cumulative ``progress``."""

    def __init__(self, channel, message, max_resource=None):
        self._channel = channel
        self.max_resource = dict(max_resource or {})
        self.params = message.get("params", {})
        self.seed = message.get("seed", 0)
        self.trial_id = message.get("trialId")
        self.trial_dir = message.get("trialDir")
        self.noise_scale = message.get("noiseScale")
        self.progress = {"examples": 0, "steps": 0, "seconds": 0.0}
        self._stopped = False
        self._mark = None
        self._learning_rate = None
        self._request = None
        self._last_reported = None

    # -- the training loop ------------------------------------------------------------------

    def requests(self):
        """Yields one ``Request`` per segment until batchtune closes the trial. When the loop body
        returns, the segment's end (``done``) is sent with the progress and ``request.exhausted``."""
        self._channel.send({"type": "ready"})
        while True:
            message = self._channel.receive()
            kind = message.get("type")
            if kind == "close":
                return
            if kind != "train":
                raise RuntimeError("batchtune_trainer: expected train or close, got %r" % (kind,))
            self._stopped = False
            request = Request(self, message)
            self._request = request
            self._mark = time.perf_counter()
            yield request
            self._channel.send({"type": "done", "progress": self._progress_out(self.progress), "exhausted": bool(request.exhausted)})
            self._request = None

    def step(self, examples, learning_rate=None):
        """Counts one optimizer step of ``examples`` examples, and the seconds since the last step,
        report or segment start (so evaluation before a report is not training time)."""
        self.count_time()
        if learning_rate is None and self._request is not None:
            learning_rate = self._request.learning_rate_at(self.progress["examples"])
        self.progress["examples"] += int(examples)
        self.progress["steps"] += 1
        self._learning_rate = learning_rate

    def count_time(self):
        """Counts the seconds since the last step as training time too (call it after waiting for
        an asynchronous device, e.g. torch.cuda.synchronize(), before evaluating)."""
        now = time.perf_counter()
        if self._mark is not None:
            self.progress["seconds"] += now - self._mark
        self._mark = now

    def report(self, metrics, progress=None):
        """Sends metrics at the current progress; returns "continue" or "stop" (batchtune's answer).
        After a stop, ``should_step()`` is False and further reports are not sent again."""
        if progress is not None:
            self.progress = {u: progress[u] for u in _UNITS}
        if self._stopped and self.progress == self._last_reported:
            return "stop"
        message = {
            "type": "report",
            "progress": self._progress_out(self.progress),
            "metrics": {str(k): _number(v, "metric %r" % (k,)) for k, v in (metrics or {}).items()},
        }
        if self._learning_rate is not None:
            message["learningRate"] = _number(self._learning_rate, "learning rate")
        self._channel.send(message)
        self._last_reported = dict(self.progress)
        answer = self._channel.receive().get("type")
        self._stopped = answer == "stop"
        self._mark = time.perf_counter()
        return "stop" if self._stopped else "continue"

    def should_stop(self):
        """True once batchtune answered a report with stop (a callback or scheduler ended the trial)."""
        return self._stopped

    def heartbeat(self):
        """Renews batchtune's timeout during long work between reports (a big evaluation)."""
        self._channel.send({"type": "heartbeat"})

    # -- noise scale ---------------------------------------------------------------------------

    def should_measure_noise(self):
        """True when the study measures the gradient noise scale and this step is one to measure
        (every ``noise_scale["every"]`` steps): split the batch into ``noise_scale["microBatches"]``
        equal micro-batches and call ``gradient_norms`` with their squared gradient norms."""
        ns = self.noise_scale
        return bool(ns) and self.progress["steps"] % ns["every"] == 0

    def gradient_norms(self, micro_batch, micro_sq_norms, mean_sq_norm):
        """Sends one noise measurement: |g_i|² of k >= 2 micro-batch gradients of ``micro_batch``
        examples each (same weights), and |ḡ|² of their mean. batchtune estimates B_simple from them."""
        norms = [_number(v, "micro-batch squared norm") for v in micro_sq_norms]
        mean = _number(mean_sq_norm, "mean squared norm")
        if mean is None or None in norms:
            return  # a diverged step measures nothing; the divergence shows in the reported loss
        self._channel.send({"type": "gradients", "microBatch": int(micro_batch), "microSqNorms": norms, "meanSqNorm": mean})

    # -- failures ------------------------------------------------------------------------------

    def infeasible(self, message):
        """This batch size cannot run (out of memory): batchtune marks the trial infeasible and the
        search goes on. Does not return: the process exits once batchtune closes it."""
        self._fail(message, True)

    def fail(self, message):
        """Ends the trial as failed with ``message``. Does not return."""
        self._fail(message, False)

    def _fail(self, message, infeasible):
        self._channel.send({"type": "error", "message": str(message), "infeasible": bool(infeasible)})
        self._channel.wait_for_close()
        sys.exit(0)

    @staticmethod
    def _progress_out(progress):
        out = {}
        for unit in _UNITS:
            value = _number(progress[unit], "progress %s" % unit)
            out[unit] = value if unit == "seconds" or value is None else int(value)
        return out


class _Channel:
    """The protocol's two pipes. A reader thread watches stdin, so the process exits as soon as
    batchtune goes away, even in the middle of a long training step."""

    def __init__(self):
        self._out = _protocol_out()
        self._lock = threading.Lock()
        self._inbox = queue.Queue()
        self._closing = False
        parent = os.getppid()
        threading.Thread(target=self._read, name="batchtune-stdin", daemon=True).start()
        threading.Thread(target=self._watch_parent, args=(parent,), name="batchtune-parent", daemon=True).start()

    def send(self, message):
        line = json.dumps(message, allow_nan=False, separators=(",", ":"))
        with self._lock:
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except (BrokenPipeError, OSError):
                _gone("stdout closed")

    def receive(self):
        message = self._inbox.get()
        if message is None:
            _gone("stdin closed")
        return message

    def wait_for_close(self):
        while True:
            message = self._inbox.get()
            if message is None or message.get("type") == "close":
                return

    def _read(self):
        # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader holds its lock and
        # can stall the interpreter's shutdown when the script ends with an exception.
        pending = b""
        while True:
            try:
                chunk = os.read(0, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                raw, pending = pending.split(b"\n", 1)
                line = raw.decode("utf-8").strip()
                if line:
                    self._accept(line)
        self._inbox.put(None)
        # batchtune closed our stdin: after `close` that is the normal end, otherwise it is gone.
        time.sleep(0.05)
        if not self._closing:
            _gone("stdin closed")

    def _accept(self, line):
        try:
            message = json.loads(line)
        except ValueError:
            _gone("it sent a line that is not JSON: %r" % line[:80])
        if message.get("type") == "close":
            self._closing = True
        self._inbox.put(message)

    @staticmethod
    def _watch_parent(parent):
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                _gone("its parent process %d ended" % parent)


_PROTOCOL_OUT = None


def _protocol_out():
    """The real stdout, kept for the protocol; from then on fd 1 and sys.stdout go to stderr (the
    trial's log), so print() anywhere in the script cannot break the protocol."""
    global _PROTOCOL_OUT
    if _PROTOCOL_OUT is None:
        sys.stdout.flush()
        _PROTOCOL_OUT = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
    return _PROTOCOL_OUT


# Started by batchtune: take stdout over at import, so output printed before connect() is safe too.
if os.environ.get("BATCHTUNE_PROTOCOL"):
    _protocol_out()


def _gone(why):
    sys.stderr.write("batchtune_trainer: batchtune went away (%s); exiting\n" % why)
    sys.stderr.flush()
    os._exit(3)


def connect(objective=None, max_resource=None, space=None, info=None):
    """Says hello to batchtune and returns the trial's ``Session``.

    The arguments describe the script, for batchtune's ``describe`` question before any trial
    (``objective`` {"metric", "mode"}, ``max_resource`` {"examples": n}, a ``space`` as in a config,
    ``info`` facts for the journal); the config's own settings win. When batchtune only asked for
    that description, ``connect`` answers and exits the process.
    """
    channel = _Channel()
    channel.send({"type": "hello", "protocol": PROTOCOL_VERSION})
    message = channel.receive()
    kind = message.get("type")
    if kind == "describe":
        description = {"type": "description"}
        for key, value in (("objective", objective), ("maxResource", max_resource), ("space", space), ("info", info)):
            if value is not None:
                description[key] = value
        channel.send(description)
        channel.wait_for_close()
        sys.exit(0)
    if kind == "close":
        sys.exit(0)
    if kind != "open":
        raise RuntimeError("batchtune_trainer: expected open or describe, got %r" % (kind,))
    if message.get("protocol") != PROTOCOL_VERSION:
        raise RuntimeError("batchtune_trainer: batchtune speaks protocol %r, this helper %d" % (message.get("protocol"), PROTOCOL_VERSION))
    return Session(channel, message, max_resource)
