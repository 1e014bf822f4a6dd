"""Pages kept under a generation of the published list are made again when something else they show changes
(the map's successions: carried trends and map links), even when nothing new is published. Both engines."""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine

from survey_engine.publication.public import PublicResults


async def test_a_new_revision_of_what_pages_also_show_is_a_new_generation(engine: Engine[Any]) -> None:
    revision = ["0:0"]

    async def successions() -> str:
        return revision[0]

    public = PublicResults(ttl=0.0, also_shows=successions)  # every call re-reads
    await public.waves()
    first = public.generation
    await public.waves()
    assert public.generation == first  # nothing changed: pages kept under it stay good
    revision[0] = "4:9"  # successions re-imported
    await public.waves()
    assert public.generation == first + 1
    await public.waves()
    assert public.generation == first + 1


async def test_without_another_source_only_the_list_counts(engine: Engine[Any]) -> None:
    public = PublicResults(ttl=0.0)
    await public.waves()
    first = public.generation
    await public.waves()
    assert public.generation == first
