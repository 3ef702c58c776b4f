"""An answer in the reader's language: the core builds every answer in English, the document's
language, and this turns it into Azerbaijani or Russian from the knowledge base's translations
(knowledge/i18n/): each card's title, text and gap notes, each button's title, the per-name
answers from their translated templates, with the names in that language. The sources stay the
document's English sentences, which the reply labels as the original. A partner-group answer is
written again in the language by bot/groups.py, from the table's translations of its groups
and with the countries named as here. What has no translation stays English, and says so in
its `language`."""

from __future__ import annotations

from dataclasses import replace

from bot.answers import Answer, Topic
from bot.groups import GROUP_FACT, PartnerGroups
from bot.i18n import ENGLISH, describe
from bot.i18n import gettext as _
from bot.kb.model import Category, Fact, KnowledgeBase
from bot.names import pycountry_names
from bot.summary import SUMMARY_ID, SUMMARY_TITLE, Summaries
from bot.text import normalise


class Localiser:
    """Answers in another language; built once from the knowledge base."""

    def __init__(
        self, kb: KnowledgeBase, summaries: Summaries, groups: PartnerGroups | None = None
    ) -> None:
        self.kb = kb
        self.summaries = summaries
        self.groups = groups  # writes a partner-group answer in another language
        self._names: dict[tuple[str, str], str] = {}
        self._partners = {country.name: country for country in kb.partners}
        self._exercises = {exercise.name for exercise in kb.exercises}

    def localise(self, answer: Answer, language: str) -> Answer:
        """`answer` in `language`; English answers are returned as they are."""
        if language == ENGLISH:
            return answer
        if answer.parts:
            parts = tuple(self.localise(part, language) for part in answer.parts)
            if any(part.language != language for part in parts):
                return answer
            title = answer.title
            if answer.fact_id == SUMMARY_ID:
                names = [self.name(key, language) for key in self.summaries.names(answer.question)]
                title = _(language, SUMMARY_TITLE).format(names=describe(names, language))
            return replace(
                answer,
                parts=parts,
                title=title,
                related=self.topics(answer.related, language),
                language=language,
            )
        fact = self.kb.get(answer.fact_id) if answer.fact_id else None
        changes: dict[str, object] = {
            "related": self.topics(answer.related, language),
            "suggestions": self.topics(answer.suggestions, language),
            "card": self.topic(answer.card, language) if answer.card else None,
            "language": language,
        }
        if fact is not None:
            text = fact.translations.get(language)
            if text is None:
                return answer
            if fact.slot is not None:
                names = [key for category, key in answer.entities if category == fact.slot.value]
                changes["body"] = "\n\n".join(self._fill(fact, key, language) for key in names)
                changes["title"] = self.name(names[0], language) if len(names) == 1 else text.title
            else:
                changes["title"], changes["body"] = text.title, text.answer
            if fact.id == GROUP_FACT and any(c == Category.GROUP for c, _ in answer.entities):
                group = self._group(answer, language)
                if group is None:
                    return answer  # a group the table does not translate: honestly English
                changes["title"] = group[0] or text.title
                changes["body"] = group[1]
            changes["gaps"] = tuple(self._note(fact, note, language) for note in answer.gaps)
        return replace(answer, **changes)  # type: ignore[arg-type]

    def topics(self, topics: tuple[Topic, ...], language: str) -> tuple[Topic, ...]:
        return tuple(self.topic(topic, language) for topic in topics)

    def topic(self, topic: Topic, language: str) -> Topic:
        """A button's topic with its title in `language`."""
        fact = self.kb.get(topic.fact_id)
        text = fact.translations.get(language) if fact is not None else None
        return replace(topic, title=text.title) if text is not None else topic

    def name(self, key: str, language: str) -> str:
        """A country's name in `language`, a training's as the document spells it, anything
        else as it is."""
        if language == ENGLISH or key in self._exercises:
            return key
        known = self._names.get((key, language))
        if known is None:
            known = self._names[(key, language)] = self._country_name(key, language)
        return known

    def _country_name(self, key: str, language: str) -> str:
        """The knowledge base's first name for the country in that language (entities.yaml),
        else pycountry's translation of its name, else the English name."""
        partner = self._partners.get(key)
        given = (
            partner.localised.get(language, ())
            if partner is not None
            else self.kb.other_country_localised.get(language, {}).get(key, ())
        )
        if given:
            return given[0]
        english = normalise(key)
        for names in pycountry_names():
            if english in (normalise(name) for name in (names.display, *names.english)):
                return next(iter(names.localised.get(language, ())), key)
        return key

    def _group(self, answer: Answer, language: str) -> tuple[str | None, str] | None:
        """A partner-group answer's title and body in `language`: the same counts and
        countries, each country named as the knowledge base names it in that language."""
        if self.groups is None:
            return None
        return self.groups.render_about(
            answer.entities, language, lambda key: self.name(key, language)
        )

    def _fill(self, fact: Fact, key: str, language: str) -> str:
        """One per-name paragraph from the fact's translated templates."""
        templates = fact.translations[language].answers
        if fact.slot is Category.COUNTRY:
            country = self._partners.get(key)
            if country is None:
                template = templates["not_listed"]
            elif country.spelling != key:
                template = templates["listed_spelling"]
            else:
                template = templates["listed"]
            spelling = country.spelling if country else ""
            return template.format(name=self.name(key, language), spelling=spelling)
        others = [e.name for e in self.kb.exercises if e.name != key]
        return templates["held"].format(name=key, others=describe(others, language))

    def _note(self, fact: Fact, note: str, language: str) -> str:
        """A gap note in `language`: the translation of the fact's gap that says it."""
        notes = fact.translations[language].notes
        for gap, translated in zip(fact.gaps, notes, strict=True):
            if gap.note == note:
                return translated
        return note


__all__ = ["Localiser"]
