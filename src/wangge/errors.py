"""The one error type of the domain: what is wrong, where (field), and a stable code."""

from dataclasses import dataclass, field


@dataclass
class Problem:
    """One thing wrong with the input: where (item, field) and why, in the user's language."""

    message: str
    field: str = ""
    code: str = "invalid"
    item: str = ""  # e.g. "feature 12" or "row 7"

    def __str__(self) -> str:
        where = " · ".join(p for p in (self.item, self.field) if p)
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, str]:
        return {"item": self.item, "field": self.field, "code": self.code, "message": self.message}


@dataclass
class DomainError(Exception):
    """A refused operation. Nothing was written when this is raised."""

    problems: list[Problem] = field(default_factory=list)
    status: int = 400
    retry_after: int = 0  # seconds; with status 429 the API sends it as Retry-After

    @classmethod
    def one(
        cls, message: str, *, field: str = "", code: str = "invalid", status: int = 400
    ) -> "DomainError":
        return cls([Problem(message, field=field, code=code)], status=status)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
