"""A partner-group answer's words, in each language the bot speaks: the sentences are the bot's
own (gettext catalogues, bot/i18n.py), the group's name, classification and note are the
table's (knowledge/partner_groups.yaml, in each language). bot/groups.py decides what a clause
asks and which partners an answer counts; this only words it, so every language states the
same counts and countries."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.i18n import N_, describe, gettext
from bot.kb.model import PartnerGroup

# The answer's own words (bot/i18n.py), translated in the reply's language. A region and an
# organisation have a placeholder each, as a translation puts them in different cases ("в
# Европе", "членами Европейского союза"); the group's name in that case is the table's.
TITLE_REGION = N_("Partners in {region}")
TITLE_ORGANISATION = N_("Partners in {organisation}")
LEAD = N_("the <b>{total} countries</b> the document lists for bilateral military cooperation")
LEAD_AGAIN = N_("the {total}")  # a later paragraph's, once the first said what the 36 are
REGION = (  # none, one, several of the partners in the group
    N_("None of {lead} is in {region} ({per})."),
    N_("Of {lead}, <b>one</b> is in {region} ({per}): {names}."),
    N_("Of {lead}, <b>{count}</b> are in {region} ({per}): {names}."),
)
MEMBERSHIP = (
    N_("None of {lead} is a member of {organisation} ({per})."),
    N_("Of {lead}, <b>one</b> is a member of {organisation} ({per}): {names}."),
    N_("Of {lead}, <b>{count}</b> are members of {organisation} ({per}): {names}."),
)
OUTSIDE_REGION = N_(
    "<b>{country}</b> is in {region} by this classification, but it is not one of the {total}."
)
OUTSIDE_MEMBERSHIP = N_(
    "<b>{country}</b> is a member of {organisation} by this classification, but it is not one"
    " of the {total}."
)


@dataclass(frozen=True)
class GroupWords:
    """What an answer in one language says of a group."""

    name: str
    classification: str
    note: str
    placeholder: str  # the templates' name for it: "region" or "organisation"


def group_words(group: PartnerGroup, language: str) -> GroupWords:
    """The group's name, classification and note in `language` (English when it has none)."""
    texts = group.translations.get(language)
    placeholder = "region" if group.region else "organisation"
    if texts is None:
        return GroupWords(group.name, group.classification, group.note, placeholder)
    return GroupWords(texts.name, texts.classification, texts.note, placeholder)


def title(group: PartnerGroup, language: str) -> str:
    """An answer's title about one group: "Partners in the G7", "Партнёры — члены G7"."""
    words = group_words(group, language)
    template = TITLE_REGION if group.region else TITLE_ORGANISATION
    text = gettext(language, template).format(**{words.placeholder: words.name})
    return text[:1].upper() + text[1:]  # "avro zonasının …" starts a title with a capital


def paragraph(
    group: PartnerGroup,
    inside: Sequence[str],
    outside: Sequence[str],
    *,
    named: Sequence[str],
    total: int,
    first: bool,
    language: str,
    name_of: Callable[[str], str],
) -> str:
    """The partners `inside` the group, counted and listed, with the classification that put
    them there; the countries `outside` the `total` partners that it holds, said so; the
    first paragraph says what the partners are. `named` countries are shown in bold, each
    country as `name_of` names it in `language`."""
    words = group_words(group, language)
    place = {words.placeholder: html.escape(words.name)}
    lead = gettext(language, LEAD if first else LEAD_AGAIN).format(total=total)
    shown = [
        f"<b>{html.escape(name_of(key))}</b>" if key in named else html.escape(name_of(key))
        for key in inside
    ]
    templates = REGION if group.region else MEMBERSHIP
    text = gettext(language, templates[min(len(inside), 2)]).format(
        lead=lead,
        count=len(inside),
        per=html.escape(words.classification),
        names=describe(shown, language),
        **place,
    )
    said = gettext(language, OUTSIDE_REGION if group.region else OUTSIDE_MEMBERSHIP)
    for key in outside:
        text += " " + said.format(country=html.escape(name_of(key)), total=total, **place)
    if words.note:
        text += f"\n<i>{html.escape(words.note)}</i>"
    return text
