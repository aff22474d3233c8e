"""The web app (FastAPI): search page, report pages with progress, history, JSON API.

Needs the ``web`` extra (``pip install 'scisays[web]'``); the rest of scisays does not.
"""

from .app import create_app

__all__ = ["create_app"]
