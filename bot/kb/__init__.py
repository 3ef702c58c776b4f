"""The knowledge base: its model, and loading and validating the YAML knowledge folder."""

from bot.kb.loader import load_knowledge
from bot.kb.location import find_knowledge_dir
from bot.kb.model import (
    Category,
    Country,
    Exercise,
    Fact,
    FactKind,
    Gap,
    KnowledgeBase,
    KnowledgeError,
    Lexicon,
    Problem,
)

__all__ = [
    "Category",
    "Country",
    "Exercise",
    "Fact",
    "FactKind",
    "Gap",
    "KnowledgeBase",
    "KnowledgeError",
    "Lexicon",
    "Problem",
    "find_knowledge_dir",
    "load_knowledge",
]
