"""blogetl: scraped blog dumps in, a DuckDB warehouse analysts can trust out."""

from blogetl.models import PARSER_VERSION, Comment, PageKind, ParseResult, Post, Reject

__all__ = ["PARSER_VERSION", "Comment", "PageKind", "ParseResult", "Post", "Reject"]
__version__ = "0.1.0"
