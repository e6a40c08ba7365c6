"""Meeting / project transcripts: owners, budgets and deadlines that change, commitments,
open questions settled weeks later, and chit-chat between speakers."""

from __future__ import annotations

from ssmem.bench.generators.spec import Attr, FamilySpec, chat_noise

ATTRS = (
    Attr("budget", {"train": ("budget", "funding", "allocation"), "eval": "spending cap"}, "money"),
    Attr(
        "owner",
        {"train": ("owner", "point person", "accountable manager"), "eval": "lead"},
        "person",
    ),
    Attr(
        "deadline",
        {"train": ("deadline", "target date", "delivery date"), "eval": "due date"},
        "date",
    ),
)

TEMPLATES = {
    "train": {
        "intro": (
            "Quick intro: {entity} is a new workstream starting this quarter.",
            "We are kicking off {entity} today.",
            "{entity} is officially on the roadmap as of this meeting.",
            "First item on the agenda: {entity}, which starts now.",
            "I'd like to introduce {entity}; it gets its own track from here on.",
            "FYI all, {entity} got approved at yesterday's steering committee.",
            "Adding {entity} to our portfolio, details to follow.",
            "Please welcome {entity} to the programme list.",
        ),
        "set": (
            "For {entity}, the {attr} is {value}.",
            "Let's record it: {entity} {attr} = {value}.",
            "Minutes: {attr} for {entity} confirmed as {value}.",
            "Just so it's in the notes, the {attr} on {entity} is {value}.",
            "{value} is the {attr} we approved for {entity}.",
            "Consensus: {entity} goes with {value} as its {attr}.",
            "The {attr} for {entity}? That's {value}.",
            "Action log - {entity} - {attr}: {value}.",
        ),
        "update": (
            "Change of plan: the {attr} of {entity} is now {value}.",
            "Heads up, {entity} gets a new {attr}: {value}.",
            "Correction to last week's notes: {entity}'s {attr} should read {value}.",
            "Update on {entity}: we've adjusted the {attr} to {value}.",
            "From today, {value} is the {attr} for {entity}.",
            "The board reset {entity}'s {attr} to {value}.",
            "Effective immediately, {entity} has {value} as its {attr}.",
            "Scratch what we said before: {attr} for {entity} is {value} going forward.",
            "Following the steering call, we updated {entity}'s {attr} to {value}.",
        ),
        "constraint": (
            "Ground rule for everyone, all session long: {rule}.",
            "Reminder that applies to every meeting from now on: {rule}.",
            "Please keep this in mind for the whole project: {rule}.",
            "House rule, no exceptions: {rule}.",
            "Leadership asked that we always follow this: {rule}.",
            "Before anything else, one policy for the duration: {rule}.",
            "Non-negotiable for the team going forward: {rule}.",
            "For the record, this holds for all of us: {rule}.",
        ),
        "rule": (
            "never email {rule_obj} directly",
            "nothing goes to {rule_obj} without two approvals",
            "always copy the programme office when writing to {rule_obj}",
            "share no roadmap dates with {rule_obj}",
            "run every slide past the PMO before it reaches {rule_obj}",
            "only the sponsor talks money with {rule_obj}",
            "log every call with {rule_obj} in the CRM",
            "make no verbal promises to {rule_obj}",
        ),
        "item": (
            "the vendor contract for {entity}",
            "the launch checklist of {entity}",
            "the risk register of {entity}",
            "the kickoff deck for {entity}",
            "the staffing request for {entity}",
            "the quarterly report on {entity}",
            "the go-live plan of {entity}",
            "the stakeholder map for {entity}",
        ),
        "open": (
            "Open question: who signs off on {item}? Nobody has it yet.",
            "We still need someone to drive {item}.",
            "Action item without a name yet: {item}.",
            "Who is taking {item}? No volunteers so far.",
            "TBD: approver for {item}.",
            "Can someone pick up {item}? It's unclaimed.",
            "Still open from last time: sign-off on {item}.",
            "Nobody has agreed to handle {item} yet; flagging it.",
        ),
        "resolve": (
            "Closing the loop on {item}: {value} will sign off.",
            "{value} volunteered to take {item}.",
            "Done: {item} goes to {value}.",
            "Following up on {item} - {value} has it now.",
            "Action item {item} assigned to {value}.",
            "Good news, {value} agreed to approve {item}.",
            "We have a name for {item}: {value}.",
            "{value} will handle {item}, confirmed offline.",
        ),
        "param": (
            "headcount",
            "sprint_length",
            "standup_minutes",
            "wip_limit",
            "release_train_weeks",
            "approval_threshold",
        ),
        "cause": (
            "We agreed to set {change} for {entity} starting next week.",
            "Outcome of the retro: {entity} runs with {change}.",
            "Starting this sprint, {entity} adopts {change}.",
            "Leadership approved {change} for {entity}.",
            "Trial for {entity}: {change}, effective tomorrow.",
            "Per the planning session, {change} applies to {entity} now.",
            "We're trying {change} on {entity} for a month.",
            "Policy tweak for the {entity} team: {change}.",
        ),
        "symptom": (
            "missed milestones",
            "overtime complaints",
            "scope creep",
            "duplicated work",
            "late handoffs",
            "weekend escalations",
        ),
        "effect": (
            "The {entity} team is reporting {symptom} again.",
            "Seeing a lot of {symptom} on {entity} lately.",
            "Retro notes for {entity} list {symptom} as the top pain point.",
            "The {entity} crew raised {symptom} twice this week.",
            "Concern from {entity}: {symptom}, and it's getting worse.",
            "Status for {entity} turned amber because of {symptom}.",
            "{entity} escalated {symptom} to the steering group.",
            "Pulse survey for {entity} flags {symptom}.",
        ),
        "quote_msg": (
            "Budget sheet row {n} rejected: total exceeds approved cap by {m} units",
            "Calendar sync error {n}: room booking overlaps {m} existing events",
            "Approval workflow halted at step {n}: approver list has {m} unknown names",
            "Timesheet export aborted: week {n} has {m} entries over limit",
        ),
        "quote": (
            'Finance bot posted for {entity}: "{quote}"',
            'Copying the exact message for {entity}: "{quote}"',
            'Automated email about {entity} says: "{quote}"',
            'Screenshot text from the {entity} dashboard: "{quote}"',
            'The PMO tool rejected {entity}: "{quote}"',
            'Here is what the system said on {entity} - "{quote}"',
            'Error banner on {entity}\'s workspace: "{quote}"',
            '{entity} notification, word for word: "{quote}"',
        ),
    },
    "eval": {
        "intro": (
            "Say hello to {entity}, a project we are launching.",
            "New initiative on the board: {entity}.",
        ),
        "set": (
            "Noting down that {entity} has {attr} {value}.",
            "{entity}: {attr} set at {value}, everyone agreed.",
        ),
        "update": (
            "Revision: {entity} now carries a {attr} of {value}.",
            "We moved the {attr} for {entity} to {value}.",
        ),
        "constraint": ("Standing instruction until further notice: {rule}.",),
        "rule": (
            "do not contact {rule_obj} without the account manager",
            "keep {rule_obj} out of every draft",
        ),
        "item": ("the hiring plan of {entity}", "the pricing page for {entity}"),
        "open": ("Unassigned so far: a reviewer for {item}. Let's come back to it.",),
        "resolve": ("Settled: {value} takes the review of {item}.",),
        "param": ("review_quota", "meeting_cadence"),
        "cause": ("Decision for {entity}: switch to {change} from Monday.",),
        "symptom": ("slipping estimates", "reviewer burnout"),
        "effect": ("Folks on {entity} keep mentioning {symptom}.",),
        "quote_msg": ("Ledger import failed at line {n}: currency code missing for entry {m}",),
        "quote": ('The tracker flagged {entity} with: "{quote}"',),
    },
}

CHAT = {
    "train": (
        "Did anyone catch {topic}? {n} people were talking about it.",
        "Random thought about {topic}, I counted {n} messages on it.",
        "Sorry I'm late, {topic} took {n} minutes this morning.",
        "Totally off topic, but {topic} has {n} comments in the channel now.",
        "Lunch plans anyone? {n} of us want to talk about {topic}.",
        "Can you all hear me? My connection dropped {n} times, blame {topic}.",
        "Ha, {topic} again, that makes {n} times this month.",
        "Side note: the poll on {topic} closes in {n} hours.",
    ),
    "eval": (
        "Has anyone got news on {topic}? Heard {n} different stories.",
        "Before we start, a word on {topic}: round {n} of that debate.",
        "I was held up by {topic}, about {n} minutes.",
    ),
}


noise = chat_noise(CHAT)


SPEC = FamilySpec(
    name="meeting",
    kind="turn",
    attrs=ATTRS,
    templates=TEMPLATES,
    noise=noise,
    entity_fmt=lambda adj, noun: f"{adj} {noun}",
)
