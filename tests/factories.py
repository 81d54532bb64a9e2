"""Test data made in code: questions as the parser would produce them."""

from bot.core.content import Question, question_id


def make_question(text: str, answer: str = "An answer.", topic: str = "general", source: str = "notes.md:1") -> Question:
    """A bank question with its real id."""
    return Question(id=question_id(text), question=text, answer=answer, topic=topic, source=source)


def store_snapshot(store) -> list[list[dict]]:
    """The rows a refused action must leave alone (the members table is only a directory of names)."""
    return [list(store.db[table].rows) for table in ("chats", "deliveries", "grades", "cards")]


class RecordingSender:
    """A chat platform seen from the scheduler: keeps what it was sent; can refuse on demand."""

    def __init__(self):
        self.sent: list[tuple[str, list]] = []
        self.reminded: list[tuple[str, str, object]] = []  # (member, chat, reply) of each reminder sent
        self.refuse: dict[str, Exception] = {}  # by chat key for daily sends, by member key for reminders

    async def send_daily(self, chat: dict, replies: list) -> str:
        error = self.refuse.get(chat["key"])
        if error is not None:
            raise error
        self.sent.append((chat["key"], replies))
        return f"m{len(self.sent)}"

    async def send_reminder(self, pending: dict, reply) -> None:
        error = self.refuse.get(pending["member"])
        if error is not None:
            raise error
        self.reminded.append((pending["member"], pending["chat"], reply))

    def questions_to(self, chat_key: str) -> list[str]:
        """Question ids delivered to a chat, in order."""
        return [r[-1].question_id for key, r in self.sent if key == chat_key]
