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


class ConfigError(ScisaysError):
    """The scisays config file or a SCISAYS_* environment variable is malformed."""

    exit_code = 2


class SourceError(ScisaysError):
    """A live source (PubMed, Europe PMC, ...) could not answer: unreachable, failing, or
    answering with something that is not what its API documents."""

    def __init__(self, service: str, problem: str, *, offline_miss: bool = False) -> None:
        self.service = service
        self.problem = problem
        self.offline_miss = offline_miss
        super().__init__(f"{service} {problem}")
