"""The user's choices survive "Ask the AI again" (issue 15): a manual match or a "not in
my library" made for a suggestion is given again to the same suggestion in the new
track list, "the same" meaning the same artist and title once normalised as the matcher
normalises them (:mod:`plex_completer.matching`: case, accents, punctuation, featured
credits, "The", versions in brackets)."""

from __future__ import annotations

from ..matching import artist_keys, title_key
from ..models import Generation, MatchOverride, SuggestedTrack


def suggestion_key(artist: str, title: str) -> tuple[str, str]:
    """``(artist key, title key)``: two suggestions with equal keys name the same song."""
    keys = artist_keys(artist or "")
    return (keys[0] if keys else (artist or "").casefold().strip(), title_key(title or "").key)


def carry_over_choices(previous: Generation | None, new: Generation) -> list[SuggestedTrack]:
    """Copy the user's choices (override ``track`` with its ratingKey, or ``absent``) from
    ``previous`` to the suggestions of ``new`` that name the same song and carry no
    choice yet. Returns the suggestions of ``new`` that got one, in order."""
    if previous is None:
        return []
    choices: dict[tuple[str, str], SuggestedTrack] = {}
    for track in previous.tracks:
        if track.override in (MatchOverride.TRACK, MatchOverride.ABSENT):
            choices.setdefault(suggestion_key(track.artist, track.title), track)
    kept = []
    for track in new.tracks:
        chosen = choices.get(suggestion_key(track.artist, track.title))
        if chosen is None or track.override is not None:
            continue
        track.override = chosen.override
        track.override_rating_key = chosen.override_rating_key
        kept.append(track)
    return kept


def describe_kept(kept: list[SuggestedTrack]) -> str:
    """A sentence for the job and the history ("" when nothing was kept): "Kept your
    choices for 2 suggestions that came back: A – B (your match), C – D (not in my
    library)."."""
    if not kept:
        return ""
    names = [
        f"{t.artist} – {t.title} ({'not in my library' if t.override == MatchOverride.ABSENT else 'your match'})"
        for t in kept[:5]
    ]
    more = f" and {len(kept) - 5} more" if len(kept) > 5 else ""
    which = "suggestion that came back" if len(kept) == 1 else "suggestions that came back"
    return f"Kept your choices for {len(kept)} {which}: {', '.join(names)}{more}."
