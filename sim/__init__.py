"""labsim: an agent-based simulator of a national labour market under automation and AI."""

from .errors import ScenarioError

__version__ = "0.1.0"
__all__ = ["ScenarioError", "__version__"]
