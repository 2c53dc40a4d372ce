"""vidpipe's exceptions: one class per kind of error (README.md "Errors"), each a
vidpipe.Error and a ValueError (your input or settings: fix them) or a RuntimeError (a limit,
the machine, or a bug)."""


class Error(Exception):
    """A vidpipe error. Attributes: input (what was processed, or None), stage (the graph
    node that failed, e.g. 'decode'), node_type (e.g. 'decode.ffmpeg'), hint (the fix to
    try), kind ('configuration', 'input', 'resource', 'internal'), status (the job's status)."""

    kind = "internal"

    def __init__(self, message, input=None, stage=None, node_type=None, hint=None, status=None):
        super().__init__(message)
        self.input, self.stage, self.node_type = input, stage or None, node_type or None
        self.hint, self.status = hint or None, status

    def __str__(self):
        text = super().__str__()
        return text if not self.hint or self.hint in text else f"{text} (fix: {self.hint})"


class ConfigurationError(Error, ValueError):
    """The graph, a parameter or a per-video setting is wrong: fix the call."""
    kind = "configuration"


class InputError(Error, ValueError):
    """This input is unreadable, damaged beyond use or not a video: fix the input."""
    kind = "input"


class ResourceError(Error, RuntimeError):
    """A safety limit, the deadline, memory, disk or the network (or the job was cancelled):
    raise the limit or retry."""
    kind = "resource"


class InternalError(Error, RuntimeError):
    """A bug: please report it."""
    kind = "internal"


_CLASSES = {c.kind: c for c in (ConfigurationError, InputError, ResourceError, InternalError)}


def error_class(kind):
    """The class for a C++ ErrorKind name (used by the extension)."""
    return _CLASSES.get(kind, InternalError)
