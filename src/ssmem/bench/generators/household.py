"""A family group chat: trips and parties being planned, deposits and pick-up people and
dates that change — mostly without naming what changed ("they said 450 now") — allergies and
house rules that hold all along, chores nobody has claimed, and a lot of chatter.

The domain no other family covers, and the one where implicit updates are the norm: every
family of this module has threads (see `threads.py`).
"""

from __future__ import annotations

from ssmem.bench.generators.spec import Attr, FamilySpec, chat_noise

ATTRS = (
    Attr(
        "deposit", {"train": ("deposit", "down payment", "booking fee"), "eval": "advance"}, "money"
    ),
    Attr("driver", {"train": ("driver", "pick-up person", "lift"), "eval": "chauffeur"}, "person"),
    Attr("date", {"train": ("date", "day", "booking date"), "eval": "weekend"}, "date"),
)

TEMPLATES = {
    "train": {
        "intro": (
            "Family, we're planning the {entity} trip!",
            "New plan: the {entity} weekend, who's in?",
            "Mum wants to do the {entity} thing this year.",
            "Booking the {entity} cabin, I'll put details here.",
            "OK the {entity} party is happening.",
            "Adding the {entity} outing to the family calendar.",
            "Heads up everyone: {entity} reunion, planning starts now.",
            "So the {entity} holiday is on.",
        ),
        "set": (
            "The {attr} for {entity} is {value}.",
            "{entity}: {attr} {value}.",
            "Just so we all know, {entity} {attr} = {value}.",
            "For {entity} the {attr} will be {value}.",
            "{value} is the {attr} for {entity}, ok?",
            "Writing it down: {attr} for {entity}, {value}.",
            "We agreed {entity} {attr} is {value}.",
            "{entity} {attr}? {value}.",
        ),
        "update": (
            "Change for {entity}: the {attr} is now {value}.",
            "{entity} {attr} moved to {value}.",
            "Correction, {entity}'s {attr} is {value}.",
            "New {attr} for {entity}: {value}.",
            "They changed {entity}'s {attr} to {value}.",
            "From now on the {attr} for {entity} is {value}.",
            "{entity} update, {attr} {value}.",
            "Scratch that, {entity} {attr} is {value}.",
        ),
        "ping": (
            "Did anyone hear back about the {attr} for {entity}?",
            "What's happening with {entity}'s {attr}?",
            "Still no news on the {entity} {attr}?",
            "Can someone sort out the {attr} for {entity}?",
            "Any update on {entity} and the {attr}?",
            "Remind me about the {entity} {attr}.",
            "Is the {attr} for {entity} sorted yet?",
            "Who's dealing with the {entity} {attr}?",
        ),
        "implicit": (
            "Heard back, it's {value} now.",
            "They bumped it to {value}.",
            "Ok it changed, {value}.",
            "Just called them: {value}.",
            "Final: {value}.",
            "Turns out it's {value} instead.",
            "Sorted, {value}.",
            "Got the email, {value}.",
        ),
        "constraint": (
            "Important for the whole trip planning: {rule}.",
            "Please remember, always: {rule}.",
            "Rule for every plan we make: {rule}.",
            "Non-negotiable in this family: {rule}.",
            "Don't forget, ever: {rule}.",
            "One thing that holds for all of it: {rule}.",
            "Standing rule: {rule}.",
            "Reminder that never expires: {rule}.",
        ),
        "rule": (
            "nothing with peanuts near {rule_obj}",
            "ask {rule_obj} before booking anything",
            "never share the address with {rule_obj}",
            "keep {rule_obj} out of the money talk",
            "check with {rule_obj} about dogs",
            "no plans on Sunday mornings because of {rule_obj}",
            "{rule_obj} must approve the budget",
            "always send {rule_obj} the itinerary",
        ),
        "item": (
            "the {entity} packing list",
            "the {entity} grocery run",
            "the {entity} cake order",
            "the {entity} plant watering",
            "the {entity} dog sitter",
            "the {entity} gift",
            "the {entity} car booking",
            "the {entity} playlist",
        ),
        "open": (
            "Who's doing {item}? Nobody yet.",
            "We still need someone for {item}.",
            "{item} is unclaimed, volunteers?",
            "Can someone take {item}?",
            "No one has {item} yet.",
            "Still open: {item}.",
            "Who wants {item}?",
            "Reminder, {item} needs a person.",
        ),
        "resolve": (
            "{value} is doing {item}.",
            "{item}: {value} said yes.",
            "Sorted, {value} takes {item}.",
            "{value} will handle {item}.",
            "Good news, {value} has {item}.",
            "{item} goes to {value}.",
            "{value} offered to do {item}.",
            "Done, {item} is {value}'s job.",
        ),
        "param": ("bedtime", "screen_time", "pocket_money", "curfew", "chore_rota", "wake_up"),
        "cause": (
            "We decided {change} for {entity}.",
            "New family rule for {entity}: {change}.",
            "Trying {change} during {entity}.",
            "Agreed: {change} for the {entity} trip.",
            "For {entity} we'll do {change}.",
            "Dad set {change} for {entity}.",
            "Starting with {entity}, {change}.",
            "{change} applies for {entity}.",
        ),
        "symptom": (
            "grumpy mornings",
            "missed calls",
            "arguments at dinner",
            "late arrivals",
            "nobody sleeping",
            "tears at bedtime",
        ),
        "effect": (
            "The kids had {symptom} all through {entity}.",
            "So {entity} was full of {symptom}.",
            "Lots of {symptom} during {entity}, sigh.",
            "{entity} recap: {symptom}.",
            "Honestly {entity} meant {symptom} every day.",
            "We got {symptom} on {entity}.",
            "{symptom} again on {entity}.",
            "{entity} was mostly {symptom}.",
        ),
        "quote_msg": (
            "Booking ref {n} confirmed, {m} guests, no refunds after check-in",
            "Your order {n} is delayed by {m} days",
            "Gate code {n}# valid for {m} hours",
            "Reservation {n}: table for {m}, arrive 10 minutes early",
        ),
        "quote": (
            'The text they sent about {entity}: "{quote}"',
            'Copying the {entity} email: "{quote}"',
            'Screenshot from the {entity} app says "{quote}"',
            '{entity} confirmation, word for word: "{quote}"',
            'Message from the {entity} host: "{quote}"',
            'For {entity}, the site says: "{quote}"',
            'Exact words from {entity}: "{quote}"',
            'The {entity} voucher reads "{quote}"',
        ),
    },
    "eval": {
        "intro": ("Who's up for the {entity} getaway? Starting the plan.",),
        "set": (
            "Locked in: {entity} has {attr} {value}.",
            "For the record, {value} is what {entity} has as {attr}.",
        ),
        "update": (
            "Heads up, {entity} switched its {attr} to {value}.",
            "Different now: {entity} {attr} became {value}.",
        ),
        "ping": (
            "Has anyone chased the {attr} for {entity}?",
            "What did they say about {entity}'s {attr}?",
        ),
        "implicit": ("Phoned them, they said {value}.", "Right, it's gone to {value}."),
        "constraint": ("Please never forget this one: {rule}.",),
        "rule": ("no loud music near {rule_obj}", "{rule_obj} gets the front seat"),
        "item": ("the {entity} snack bag", "the {entity} photo album"),
        "open": ("Nobody has put their hand up for {item} yet.",),
        "resolve": ("{value} agreed to do {item}.",),
        "param": ("dessert_rule", "tv_hours"),
        "cause": ("Agreed for {entity}: {change} from now.",),
        "symptom": ("bored kids", "cold dinners"),
        "effect": ("{entity} brought {symptom} again.",),
        "quote_msg": ("Check-in code {n}, valid until {m}:00",),
        "quote": ('The {entity} host wrote: "{quote}"',),
    },
}

CHAT = {
    "train": (
        "lol {topic} again, {n} messages about it",
        "Did you see {topic}? {n} likes already",
        "Can't talk, {topic}, back in {n} minutes",
        "Send pics of {topic}!! {n} of them",
        "omg {topic}, {n} times this week",
        "Who ate the last of {topic}? That's {n} days running",
        "❤️ {topic}, {n} stars",
        "Running {n} minutes late because of {topic}",
    ),
    "eval": (
        "haha is {topic} still going? {n} replies",
        "brb, {topic} for {n} mins",
        "so about {topic}, that's {n} times now",
    ),
}


noise = chat_noise(CHAT)


SPEC = FamilySpec(
    name="household",
    kind="turn",
    attrs=ATTRS,
    templates=TEMPLATES,
    noise=noise,
    entity_fmt=lambda adj, noun: f"{adj} {noun}",
)
