"""Microsoft Graph's education API on the loopback fake (tests/fakes/teams_api.py): schools,
their users (students with birthDate, grade and relatedContacts; teachers), their classes and
the classes' members, in pages of `page_size` with @odata.nextLink."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .teams_api import FakeTeams, JsonDict, Request


@dataclass
class FakeEducation(FakeTeams):
    page_size: int = 2
    schools: dict[str, JsonDict] = field(default_factory=dict)
    users: dict[str, JsonDict] = field(default_factory=dict)
    school_users: dict[str, list[str]] = field(default_factory=dict)
    classes: dict[str, JsonDict] = field(default_factory=dict)
    class_members: dict[str, list[str]] = field(default_factory=dict)

    def add_school(self, school_id: str, name: str, external_id: str | None = None) -> None:
        self.schools[school_id] = {
            "@odata.type": "#microsoft.graph.educationSchool",
            "id": school_id,
            "displayName": name,
            "externalId": external_id,
        }
        self.school_users.setdefault(school_id, [])

    def add_student(
        self,
        school: str,
        user_id: str,
        name: str,
        *,
        birth: str | None = None,
        grade: str | None = None,
        contacts: list[tuple[str, str]] = (),  # type: ignore[assignment]
        group: str | None = None,
    ) -> None:
        self.users[user_id] = {
            "@odata.type": "#microsoft.graph.educationUser",
            "id": user_id,
            "displayName": name,
            "primaryRole": "student",
            "student": {"birthDate": birth, "grade": grade},
            "relatedContacts": [
                {"displayName": n, "relationship": r, "mobilePhone": "+47 400 00 000"}
                for n, r in contacts
            ],
        }
        self.school_users[school].append(user_id)
        if group:
            self._join(school, group, user_id)

    def add_teacher(self, schools: list[str], user_id: str, name: str, email: str) -> None:
        self.users[user_id] = {
            "@odata.type": "#microsoft.graph.educationUser",
            "id": user_id,
            "displayName": name,
            "mail": email,
            "primaryRole": "teacher",
        }
        for school in schools:
            self.school_users[school].append(user_id)

    def _join(self, school: str, group: str, user_id: str) -> None:
        class_id = f"class-{school}-{group}"
        self.classes.setdefault(
            class_id,
            {
                "@odata.type": "#microsoft.graph.educationClass",
                "id": class_id,
                "displayName": group,
                "school": school,
            },
        )
        self.class_members.setdefault(class_id, []).append(user_id)

    def add_class(self, school: str, name: str, members: list[str]) -> None:
        for member in members:
            self._join(school, name, member)

    def _routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", r"/v1\.0/education/schools", self._schools),
            ("GET", r"/v1\.0/education/schools/([^/]+)/users", self._users),
            ("GET", r"/v1\.0/education/schools/([^/]+)/classes", self._classes),
            ("GET", r"/v1\.0/education/classes/([^/]+)/members", self._members),
            *super()._routes(),
        ]

    def _page(self, request: Request, items: list[JsonDict]) -> tuple[int, Any]:
        start = int(request.query.get("$skiptoken", "0"))
        body: JsonDict = {"value": items[start : start + self.page_size]}
        if start + self.page_size < len(items):
            body["@odata.nextLink"] = (
                f"{self.url}{request.path}?$skiptoken={start + self.page_size}"
            )
        return 200, body

    def _schools(self, request: Request) -> tuple[int, Any]:
        return self._page(request, list(self.schools.values()))

    def _users(self, request: Request, school: str) -> tuple[int, Any]:
        if school not in self.schools:
            return 404, {"error": {"code": "ResourceNotFound", "message": school}}
        return self._page(request, [self.users[u] for u in self.school_users[school]])

    def _classes(self, request: Request, school: str) -> tuple[int, Any]:
        found = [
            {k: v for k, v in c.items() if k != "school"}
            for c in self.classes.values()
            if c["school"] == school
        ]
        return self._page(request, found)

    def _members(self, request: Request, class_id: str) -> tuple[int, Any]:
        return self._page(request, [self.users[u] for u in self.class_members.get(class_id, [])])
