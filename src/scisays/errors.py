"""Errors a user can act on. Each message is one sentence: what was wrong and what to do."""


class ScisaysError(Exception):
    """A problem with the user's input or environment, reported without a traceback."""

    exit_code = 1


class InputFileError(ScisaysError):
    """A file given to scisays is missing, of the wrong format, truncated or corrupt."""


class CorpusError(ScisaysError):
    """The local corpus is missing, unreadable or not a scisays corpus."""


class UsageError(ScisaysError):
    """The command line asks for something scisays cannot do."""

    exit_code = 2
