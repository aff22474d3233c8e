"""scisays: what does the science actually say about this substance for this condition?"""

__version__ = "0.1.0"
