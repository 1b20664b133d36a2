"""The scripted agent both agent-loop benchmarks play: what it reads, writes and, later, asks for.

An office-handbook assistant reads one-fact notes, one note per step. Half of the facts have a look-alike
note (same kind of fact about another office, person or system: "The door code of the Porto office is
9031." beside Lisbon's), and between the notes it does unrelated work: drafts, a work log, a style guide,
a glossary, a file search, a missing file. Then it needs facts it read many steps earlier: its thoughts
say "I need <the fact, paraphrased>" while its command does something else (appends a heading to the
handbook, lists a folder, reads a file that does not exist, or nothing), so the loop's newest message is
usually a bare acknowledgement such as ``Text appended successfully.`` After a restart it asks for facts
it read before the restart.

The script is the same for every memory backend, so every backend sees the very same histories; the
agent does not react to what memory gives it. Each step is an Auto-GPT 0.2.2 reply (``thoughts`` and
``command``), also rendered as an OpenAI tool call for the chat-history loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["FACTS", "SCRIPT", "Fact", "Script", "Step", "schema"]


@dataclass(frozen=True, slots=True)
class Fact:
    """One note's fact, how the agent asks for it, and its look-alike note (if any).

    Attributes:
        key: a short name.
        text: the note's whole content, one sentence.
        need: how the agent's thoughts ask for it later, paraphrased ("the code that opens ...").
        look_alike: a note of the same shape about something else, or None.
    """

    key: str
    text: str
    need: str
    look_alike: str | None = None


FACTS = (
    Fact("lisbon_door", "The door code of the Lisbon office is 4417.", "the code that opens the door of our "
         "Lisbon office", "The door code of the Porto office is 9031."),
    Fact("berlin_wifi", "The Wi-Fi password in the Berlin office is maple-horizon-58.", "the wireless network "
         "password at the Berlin office", "The Wi-Fi password in the Munich office is copper-lantern-21."),
    Fact("okafor_dentist", "Dr. Okafor's dentist appointment is on March 14 at 10:30.", "when Dr. Okafor sees "
         "the dentist", "Dr. Okafor's eye exam is on April 2 at 15:00."),
    Fact("prod_db_port", "The production database listens on port 6543.", "the port number of the production "
         "database server", "The staging database listens on port 6012."),
    Fact("marketing_budget", "The marketing team's quarterly budget is 48,000 euros.", "how much money the "
         "marketing team may spend this quarter", "The design team's quarterly budget is 31,500 euros."),
    Fact("tokyo_tracking", "The Tokyo shipment goes with Hanabi Express, tracking number HX-20931.", "the "
         "tracking number of the parcel we sent to Tokyo", "The Osaka shipment goes with Sakura Freight, "
         "tracking number SF-77120."),
    Fact("maria_flight", "Maria's flight to Oslo leaves at 07:15 from gate C4.", "the departure time and gate "
         "of Maria's plane to Oslo", "Maria's train to Bergen leaves at 13:40 from platform 2."),
    Fact("partner_rate", "The partner API allows 120 requests per minute.", "the rate limit of the partner "
         "integration API", "The internal dashboard API allows 600 requests per minute."),
    Fact("thermostat", "The server room thermostat must stay at 19 degrees Celsius.", "the temperature the "
         "server room has to be kept at"),
    Fact("vat_number", "The company's VAT number is PT 509 442 781.", "our company's VAT registration number "
         "for the invoice footer"),
    Fact("kenji_contact", "Kenji wants to be contacted on Signal, never by email.", "how Kenji prefers to be "
         "reached"),
    Fact("backup_tapes", "The backup tapes are kept in locker 27 in the basement.", "where the backup tapes "
         "are stored"),
    Fact("release_freeze", "The release freeze for version 4.2 starts on June 9.", "the date the 4.2 release "
         "freeze begins"),
    Fact("caterer", "Green Fork caters the summer party; ask for Lina at 555-0142.", "the caterer's contact "
         "person for the summer party"),
    Fact("madrid_lease", "The lease of the Madrid warehouse ends on 30 September 2027.", "when the Madrid "
         "warehouse lease runs out"),
    Fact("datacenter_contact", "The data center's emergency contact is Tomasz Nowak, phone 555-0199.", "who to "
         "call in a data center emergency"),
)  # fmt: skip
_BY_KEY = {f.key: f for f in FACTS}


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the agent: its thoughts and the command it issues.

    Attributes:
        kind: ``read`` (a note), ``work`` (unrelated), or ``request`` (asks for a fact read earlier).
        thoughts: Auto-GPT's ``text``, ``reasoning``, ``plan``, ``criticism`` and ``speak``.
        command: the command's name.
        args: its arguments.
        fact: the fact a ``read`` step reads (None for a look-alike note) or a ``request`` step asks for.
    """

    kind: str
    thoughts: Mapping[str, str]
    command: str
    args: Mapping[str, str]
    fact: Fact | None = None

    def autogpt_reply(self) -> str:
        """The step as an Auto-GPT 0.2.2 reply: the JSON of its response format."""
        body = {"thoughts": dict(self.thoughts), "command": {"name": self.command, "args": dict(self.args)}}
        return json.dumps(body, indent=4)

    def tool_call(self, call_id: str) -> dict[str, Any]:
        """The step as an OpenAI assistant message: the thoughts as content, the command as a tool call."""
        return {
            "role": "assistant",
            "content": self.thoughts["text"],
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": self.command, "arguments": json.dumps(dict(self.args))},
                }
            ],
        }


@dataclass(frozen=True, slots=True)
class Script:
    """The files the agent finds in its workspace and its steps, one tuple of steps per run of the loop.

    Attributes:
        files: workspace-relative path -> content.
        runs: the steps of the first run, then of the run after a restart.
    """

    files: Mapping[str, str] = field(default_factory=dict)
    runs: tuple[tuple[Step, ...], ...] = ()

    def probes(self) -> Iterator[tuple[int, int, Step]]:
        """(run, step number from 0, step) of every request."""
        for run, steps in enumerate(self.runs):
            for number, step in enumerate(steps):
                if step.kind == "request":
                    yield run, number, step


def schema() -> dict[str, Any]:
    """A JSON schema of the reply format Auto-GPT 0.2.2's prompt asks for.

    Its loop validates every reply against ``autogpt/json_utils/llm_response_format_1.json`` opened relative
    to the working folder, a file its repository has but its PyPI wheel does not ship: a run from an
    installed package needs one in its working folder.
    """
    thoughts = ("text", "reasoning", "plan", "criticism", "speak")
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["thoughts", "command"],
        "properties": {
            "thoughts": {
                "type": "object",
                "required": list(thoughts),
                "properties": {name: {"type": "string"} for name in thoughts},
            },
            "command": {
                "type": "object",
                "required": ["name", "args"],
                "properties": {"name": {"type": "string"}, "args": {"type": "object"}},
            },
        },
    }


def _thoughts(text: str, reasoning: str, plan: list[str], criticism: str, speak: str) -> Mapping[str, str]:
    return MappingProxyType(
        {
            "text": text,
            "reasoning": reasoning,
            "plan": "\n".join(f"- {p}" for p in plan),
            "criticism": criticism,
            "speak": speak,
        }
    )


def _read(path: str, fact: Fact | None, ordinal: int) -> Step:
    thoughts = _thoughts(
        f"I will read {path} next.",
        "Each note in the notes folder holds one fact for the office handbook.",
        ["read the next note", "continue through the notes folder"],
        "I am reading the notes one at a time; that is slow but thorough.",
        f"Reading note {ordinal}.",
    )
    return Step("read", thoughts, "read_file", MappingProxyType({"filename": path}), fact)


def _work(thought: str, command: str, **args: str) -> Step:
    thoughts = _thoughts(thought, "This keeps the handbook project moving.", ["do this task", "return to the notes"],
                         "I should not lose track of the notes.", thought)  # fmt: skip
    return Step("work", thoughts, command, MappingProxyType(args))


# Unrelated work, each used once (write_to_file refuses a file it already wrote).
_WORK = (
    _work("I will draft a haiku for the handbook cover.", "write_to_file", filename="drafts/haiku.txt",
          text="Autumn rain on tin roofs, the kettle hums, the last light folds into the hills."),
    _work("I will note my progress in the work log.", "append_to_file", filename="worklog.txt",
          text="Read the first batch of notes.\n"),
    _work("I will read the style guide before writing anything long.", "read_file", filename="docs/style_guide.txt"),
    _work("I will see which reference documents exist.", "search_files", directory="docs"),
    _work("I will read the glossary to use the right terms.", "read_file", filename="docs/glossary.txt"),
    _work("I will draft the agenda of the kick-off meeting.", "write_to_file", filename="drafts/agenda.txt",
          text="Monday: scope and owners. Tuesday: chapter outlines. Wednesday: review of the first drafts."),
    _work("I will log that the second batch of notes is done.", "append_to_file", filename="worklog.txt",
          text="Second batch of notes done.\n"),
    _work("I will check the older drafts folder.", "read_file", filename="drafts/old_outline.txt"),
    _work("I will write the table of contents.", "write_to_file", filename="handbook/contents.txt",
          text="1. Offices  2. People  3. Systems  4. Money  5. Events"),
    _work("I will pause to let the file system settle.", "do_nothing"),
    _work("I will write the welcome paragraph.", "write_to_file", filename="handbook/welcome.txt",
          text="Welcome to the team. This handbook collects what you need in your first weeks."),
    _work("I will log that all notes are read.", "append_to_file", filename="worklog.txt",
          text="All notes read; starting the handbook chapters.\n"),
    _work("I will list the handbook chapters written so far.", "search_files", directory="handbook"),
    _work("I will write the chapter on the office kitchen.", "write_to_file", filename="handbook/kitchen.txt",
          text="The kitchen is cleaned every Friday. Label your food; unlabeled food is thrown away on Fridays."),
    _work("I will re-read the style guide on headings.", "read_file", filename="docs/style_guide.txt"),
    _work("I will write the chapter on holidays.", "write_to_file", filename="handbook/holidays.txt",
          text="Everyone has 25 days of paid holiday; book them in the team calendar two weeks ahead."),
    _work("I will log the chapters written.", "append_to_file", filename="worklog.txt",
          text="Chapters on the kitchen and holidays written.\n"),
    _work("I will write the chapter on the dress code.", "write_to_file", filename="handbook/dress_code.txt",
          text="There is no dress code, but wear closed shoes in the warehouse."),
    _work("I will check what the drafts folder holds.", "search_files", directory="drafts"),
    _work("I will write the chapter on parking.", "write_to_file", filename="handbook/parking.txt",
          text="Bicycles go in the courtyard; there are four car spaces, booked at the front desk."),
    _work("I will log the parking chapter.", "append_to_file", filename="worklog.txt",
          text="Parking chapter written.\n"),
    _work("I will write the chapter on meetings.", "write_to_file", filename="handbook/meetings.txt",
          text="Meetings end five minutes early; every meeting has an agenda sent the day before."),
    _work("I will look for a template of the chapter on expenses.", "read_file", filename="drafts/expenses.txt"),
    _work("I will write the chapter on expenses.", "write_to_file", filename="handbook/expenses.txt",
          text="Expenses are filed within 30 days with a photo of the receipt."),
    _work("I will log the meetings and expenses chapters.", "append_to_file", filename="worklog.txt",
          text="Meetings and expenses chapters written.\n"),
    _work("I will write the chapter on the library.", "write_to_file", filename="handbook/library.txt",
          text="Books may be borrowed for a month; return them to the shelf by the window."),
    _work("I will list the whole workspace once more.", "search_files", directory=""),
    _work("I will write the closing paragraph.", "write_to_file", filename="handbook/closing.txt",
          text="Questions that this handbook does not answer go to your team lead."),
    _work("I will log the closing paragraph.", "append_to_file", filename="worklog.txt",
          text="Closing paragraph written.\n"),
    _work("I will start the first chapter again after the restart.", "search_files", directory="handbook"),
    _work("I will log the restart.", "append_to_file", filename="worklog.txt", text="Restarted.\n"),
    _work("I will write the chapter on the printers.", "write_to_file", filename="handbook/printers.txt",
          text="The printer on the second floor prints in colour; the others print in black and white."),
    _work("I will write the chapter on visitors.", "write_to_file", filename="handbook/visitors.txt",
          text="Visitors sign in at the front desk and wear a badge."),
    _work("I will log the printers and visitors chapters.", "append_to_file", filename="worklog.txt",
          text="Printers and visitors chapters written.\n"),
    _work("I will write the chapter on the post room.", "write_to_file", filename="handbook/post.txt",
          text="Post is collected at noon; parcels wait at the front desk."),
    _work("I will write the chapter on plants.", "write_to_file", filename="handbook/plants.txt",
          text="The plants are watered on Mondays and Thursdays."),
    _work("I will list the handbook chapters once more.", "search_files", directory="handbook"),
)  # fmt: skip

_DOCS = {
    "docs/style_guide.txt": (
        "Style guide. Use sentence case for headings. Prefer short sentences and the active voice. Write "
        "numbers below ten as words. Put one space after a full stop. Avoid jargon; explain every acronym "
        "the first time it appears."
    ),
    "docs/glossary.txt": (
        "Glossary. Onboarding: the first two weeks of a new colleague. Buddy: the colleague who answers a "
        "newcomer's questions. Stand-up: the short morning meeting of a team."
    ),
}

# Requests: (fact, command, args) where the command is what the agent does meanwhile.
_RUN1_REQUESTS = (
    ("lisbon_door", "append_to_file", {"filename": "handbook/offices.txt", "text": "Lisbon office access: "}),
    ("berlin_wifi", "write_to_file", {"filename": "handbook/berlin.txt", "text": "Berlin office network:"}),
    ("prod_db_port", "search_files", {"directory": "handbook"}),
    ("marketing_budget", "append_to_file", {"filename": "handbook/money.txt", "text": "Marketing budget: "}),
    ("tokyo_tracking", "read_file", {"filename": "shipments/tokyo.txt"}),
    ("maria_flight", "append_to_file", {"filename": "handbook/travel.txt", "text": "Maria, Oslo trip: "}),
    ("thermostat", "do_nothing", {}),
    ("vat_number", "write_to_file", {"filename": "handbook/invoices.txt", "text": "Invoice footer:"}),
    ("kenji_contact", "append_to_file", {"filename": "handbook/people.txt", "text": "Kenji, contact: "}),
    ("backup_tapes", "search_files", {"directory": "drafts"}),
    ("release_freeze", "append_to_file", {"filename": "handbook/calendar.txt", "text": "Release 4.2 freeze: "}),
    ("madrid_lease", "write_to_file", {"filename": "handbook/warehouses.txt", "text": "Madrid warehouse:"}),
)
_RUN2_REQUESTS = (
    ("okafor_dentist", "append_to_file", {"filename": "handbook/calendar.txt", "text": "Dr. Okafor: "}),
    ("partner_rate", "write_to_file", {"filename": "handbook/integrations.txt", "text": "Partner API:"}),
    ("caterer", "search_files", {"directory": "handbook"}),
    ("datacenter_contact", "append_to_file", {"filename": "handbook/emergencies.txt", "text": "Data center: "}),
)
# Reading order of the notes (fact keys; "~key" is that fact's look-alike) and, after every third note,
# one piece of unrelated work.
_READING = (
    "lisbon_door", "thermostat", "~berlin_wifi", "okafor_dentist", "vat_number", "~lisbon_door", "berlin_wifi",
    "prod_db_port", "kenji_contact", "~okafor_dentist", "marketing_budget", "~prod_db_port", "backup_tapes",
    "tokyo_tracking", "~marketing_budget", "release_freeze", "maria_flight", "~tokyo_tracking", "caterer",
    "partner_rate", "~maria_flight", "madrid_lease", "~partner_rate", "datacenter_contact",
)  # fmt: skip


def _request(fact: Fact, command: str, args: Mapping[str, str]) -> Step:
    thoughts = _thoughts(
        f"I need {fact.need}.",
        "The handbook chapter I am writing is incomplete without it, and I read it in one of the notes.",
        [f"recall {fact.need} from the notes I read", "write it into the handbook"],
        "I should have copied it into the handbook when I read the note.",
        f"I need {fact.need}.",
    )
    return Step("request", thoughts, command, MappingProxyType(dict(args)), fact)


def _build() -> Script:
    files = dict(_DOCS)
    work = iter(_WORK)
    reading: list[Step] = []
    for ordinal, entry in enumerate(_READING, start=1):
        fact = _BY_KEY[entry.lstrip("~")]
        path = f"notes/n{ordinal:02d}.txt"
        text = fact.look_alike if entry.startswith("~") else fact.text
        assert text is not None
        files[path] = text
        reading.append(_read(path, None if entry.startswith("~") else fact, ordinal))
        if ordinal % 3 == 0:
            reading.append(next(work))
    asking: list[Step] = []
    for number, (key, command, args) in enumerate(_RUN1_REQUESTS):
        asking.append(_request(_BY_KEY[key], command, args))
        asking.append(next(work))
        if number % 2:  # every other request, a second step before the next one
            asking.append(next(work))
    asking.extend([next(work), next(work)])  # the last request's window: three more prompts
    restart: list[Step] = [next(work)]  # the first prompt after a start carries no memory
    for key, command, args in _RUN2_REQUESTS:
        restart.extend([_request(_BY_KEY[key], command, args), next(work)])
    restart.extend([next(work), next(work)])
    return Script(files=MappingProxyType(files), runs=(tuple(reading + asking), tuple(restart)))


SCRIPT = _build()
"""The script of both agent-loop benchmarks: 16 facts, 8 look-alikes, 12 requests, then 4 after a restart."""
