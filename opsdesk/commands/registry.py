"""Every subcommand of `opsdesk`, in the order its help lists them; cli.py loops over these."""

from __future__ import annotations

from opsdesk.commands import (
    Command,
    as_command,
    audit,
    collect,
    consumers,
    dead_letter,
    declare_queue,
    export,
    gui,
    health,
    lag,
    move,
    publish_test,
    purge,
    queues,
    replay,
    requeue_dead_letters,
    route,
    simulate,
)

COMMANDS: tuple[Command, ...] = tuple(
    as_command(module)
    for module in (
        gui,
        collect,
        export,
        queues,
        consumers,
        health,
        route,
        lag,
        simulate,
        move,
        dead_letter,
        requeue_dead_letters,
        replay,
        purge,
        declare_queue,
        publish_test,
        audit,
    )
)
