"""Test data made in code: questions as the parser would produce them."""

from bot.core.content import Question, question_id


def make_question(text: str, answer: str = "An answer.", topic: str = "general", source: str = "notes.md:1") -> Question:
    """A bank question with its real id."""
    return Question(id=question_id(text), question=text, answer=answer, topic=topic, source=source)
