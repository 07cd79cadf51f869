"""The console's read-eval-print loop: slash commands as the current person, and colon commands."""

from __future__ import annotations

from bot.console.session import Console

HELP = """Type a slash command as the current person, e.g. /project list or /progress ATOPY 40% 초안 완료.
  :as USER        act as someone else (a user id like U0KIM, a handle like kim, or a name)
  :click N        press button [N] on the screen (options of a menu are numbered too)
  :home           open the App Home tab
  :inbox          direct messages from Onnuri to the current person
  :time ISO|+1d   move the clock forward (:time 2026-12-07T10:00, :time +1d, +2h, +30m) and run the scheduler
  :channel C...   the channel the next commands are typed in (default C0GENERAL)
  :show [C...]    the last messages of a channel (default: the current one), numbered, with thread replies
  :reply N TEXT   reply as the current person in the thread of message N of the channel shown last
  :who            the people in this organisation
  :help           this list        :quit  leave (also Ctrl-D or Ctrl-C)
In forms, answer each question; Enter keeps the value shown in [brackets]; a menu is answered with its
number; \\n in a text starts a new line; :cancel stops the form."""


def run(console: Console) -> None:
    console.say(f"Onnuri console. You are {console.name(console.user)} ({console.user}). :help for help.")
    while True:
        try:
            line = console.ask(f"{console.name(console.user)}> ")
        except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C at the prompt: leave without a traceback
            console.say("")
            break
        line = line.strip()
        if not line:
            continue
        if line in (":quit", ":q", ":exit"):
            break
        try:
            step(console, line)
        except (EOFError, KeyboardInterrupt):  # the same inside a form: nothing half-filled is sent
            console.say("")
            break


def step(console: Console, line: str) -> None:
    head, _, rest = line.partition(" ")
    if line.startswith("/"):
        console.command(line)
    elif head == ":as":
        found = console.find_person(rest.strip())
        if found is None:
            console.say(f"No one called {rest.strip()!r}. :who lists everyone.")
        else:
            console.user = found
            console.say(f"You are now {console.name(found)} ({found}).")
    elif head == ":click":
        if not rest.strip().isdigit():
            console.say("Which button? e.g. :click 2")
        else:
            console.click(int(rest.strip()))
    elif head == ":home":
        console.home()
    elif head == ":inbox":
        console.inbox()
    elif head in (":time", ":time!"):
        console.move_clock(("!" if head == ":time!" else "") + rest)
    elif head == ":channel":
        console.channel = rest.strip() or console.channel
        console.say(f"Commands now come from #{console.channel}.")
    elif head == ":show":
        console.show_channel(rest.strip().lstrip("#") or console.channel)
    elif head == ":reply":
        number, _, text = rest.strip().partition(" ")
        if not number.isdigit():
            console.say("Which message? e.g. :reply 2 북부가 좋겠습니다 (numbers as :show shows them)")
        else:
            console.reply(int(number), text)
    elif head == ":who":
        for person in console.people.values():
            console.say(f"  {person.user_id:<10} @{person.name:<8} {person.real_name}  {person.title}".rstrip())
    elif head == ":help":
        console.say(HELP)
    else:
        console.say(f"{head}: not a command. :help lists them.")
