"""The search engine of the laptop stack and the tests: tantivy, embedded, persisted on disk.

One process writes (the stream consumer); any number read (the API). tantivy allows one writer
per index directory across processes, so the writer is opened on the first write only; readers
see each commit on their own (tantivy watches the index's meta file) or at once after `refresh()`
in the writing process.

`upsert`/`delete`/`set_availability` buffer in memory (the last change per event wins) and
`refresh()` writes them in one commit. Every stored document keeps its version (`updated_at`), and
an upsert whose version is not newer than the stored or buffered one is dropped, so duplicate and
late stream records change nothing. The event's availability record is stored inside its document
(under "availability", versioned by its own `as_of`); an upsert carries it over, and a record for
an event not indexed yet waits in memory for its document.

A query word's prefixes and typos are expanded into the index's own words before searching:
prefixes from each field's term dictionary, typos by a Levenshtein automaton (a second one tells
a long word's one-edit typos from its two-edit ones) over a second, small index of every word the
events use (`v<N>-words`, one document per word, committed just before the events that bring it).
Each field is then searched for the few words found, with the constant scores tantivy gives an
automaton match, so results are those of a prefix and a typo automaton per field, at a fraction
of the cost: an automaton query collects every posting of every word it matches before the
query's other words can narrow them, where term queries skip.
Words are never removed: one that no event uses any more expands to a term that matches nothing.
They are kept apart so that they do not count in the events' BM25 statistics.

Ordering with `q` is relevance, then start_at, then event_id; tantivy sorts by one key (the
score, or start_at without `q`), so a page is cut from the top hits only once the hits whose key
ties with the last one fetched are all in hand (`_ranked`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import Counter, OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.errors import InvalidRequestError
from chalicelib.search import SearchPage, SearchQuery
from chalicelib.search.documents import (
    availability_version,
    category_keys,
    filter_keys,
    newer_availability,
    start_timestamp,
    summary,
    version,
)
from chalicelib.search.paging import WORD_MATCHED, decode_cursor, encode_cursor, start_bounds
from chalicelib.search.text import MIN_PREFIX_CHARS, fold, fuzzy_distance, keyword, words
from chalicelib.turns import FifoGate

if TYPE_CHECKING:
    import tantivy

logger = logging.getLogger("onsale.search.tantivy")

# Bump when the schema changes: each version lives in its own subdirectory (rebuilt from the stream).
SCHEMA_VERSION = 3
# Searched text fields and their weights (the same weights as the OpenSearch query).
TEXT_FIELDS: dict[str, float] = {
    "name": 3.0,
    "performers": 2.0,
    "venue_name": 1.0,
    "city": 1.0,
    # A word naming the category ("comedy") is strong evidence, though many events share it (so
    # its BM25 weight is low): without this, a description mentioning "comedy" outranked every
    # comedy show.
    "category": 3.0,
    "description": 1.0,
}
EXACT_BOOST = 2.0  # a word found as typed outranks a prefix or a typo
FUZZY_BOOST = 0.5
# A word two edits away scores this much of one a single edit away ("saterdal": Sæterdal, one
# edit, before Saturday, two), as OpenSearch's fuzzy scoring favours the closer word.
SECOND_EDIT_FACTOR = 0.5
# Words a query word stands for at most, as prefix and as typo (OpenSearch's max_expansions).
MAX_EXPANSIONS = 50
# Longest token tantivy's default tokenizer keeps (its RemoveLongFilter drops longer ones).
MAX_TOKEN_BYTES = 40
# A query word's expanded query is reused for this long by a reading process: a word that is new
# to the index joins other words' prefix and typo expansions at most this much later (as typed,
# it matches at once). The writing process starts afresh after each commit.
WORD_QUERY_SECONDS = 1.0
WORD_QUERY_ENTRIES = 4096
# Stored documents a reading process keeps decoded, by (event key, version, availability as_of):
# reading one back costs a store-block decompression and a JSON parse (~20 us, a third of a
# keyword search for a page of 20), and popular events come up again and again.
DECODED_ENTRIES = 20_000
# Deepest result a cursor may ask for (as OpenSearch's default max_result_window).
MAX_OFFSET = 10_000
WRITER_HEAP_BYTES = 64_000_000


def build_schema() -> tantivy.Schema:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("event_id", stored=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="default", index_option="freq")
    for name in ("city_key", "category_key", "performer_key", "venue_id"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("start_ts", stored=True, indexed=True, fast=True)
    builder.add_integer_field("version", stored=True, fast=True)
    # What identifies a stored document's content without reading it (see `_decoded`).
    builder.add_unsigned_field("event_key", fast=True)
    builder.add_unsigned_field("availability_as_of", fast=True)
    builder.add_bytes_field("doc", stored=True)  # the whole document, as JSON
    return builder.build()


def build_words_schema() -> tantivy.Schema:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("term", stored=True, tokenizer_name="raw")
    return builder.build()


class TantivyEngine:
    def __init__(self, path: str | Path) -> None:
        import tantivy

        self.path = Path(path) / f"v{SCHEMA_VERSION}"
        self.path.mkdir(parents=True, exist_ok=True)
        self._schema = build_schema()
        self._index = tantivy.Index(self._schema, path=str(self.path), reuse=True)
        self._writer: tantivy.IndexWriter | None = None
        words_path = self.path.with_name(f"v{SCHEMA_VERSION}-words")
        words_path.mkdir(exist_ok=True)
        self._words_schema = build_words_schema()
        self._words = tantivy.Index(self._words_schema, path=str(words_path), reuse=True)
        self._words_writer: tantivy.IndexWriter | None = None
        self._lock = threading.RLock()
        # event_id -> (document, its tantivy form), or None to delete; applied by refresh().
        self._pending: dict[str, tuple[dict[str, Any], tantivy.Document] | None] = {}
        # Availability records of events not indexed yet: joined to their document on upsert.
        self._waiting: dict[str, dict[str, Any]] = {}
        # Searches of this process, one at a time in the order they came. The engine's work is
        # CPU held under the GIL: run together they only interleave, and a costly query took as
        # many times its own time as searches shared the core (p99 ~3x p50 at 16 clients); in
        # turn, each waits for those ahead of it only (docs/benchmarks.md, seventh run).
        self._turns = FifoGate(1)
        # Decoded stored documents: (event key, version, availability as_of) -> document.
        self._decoded: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        # Expanded query words: word -> (monotonic expiry, query).
        self._word_queries: OrderedDict[str, tuple[float, tantivy.Query]] = OrderedDict()
        # The words in the words index (the writer's; read from that index on the first write).
        self._terms: set[str] | None = None

    # --- writes ----------------------------------------------------------------------------

    def upsert(self, doc: dict[str, Any]) -> None:
        new_version = version(doc)
        event_id = doc["event_id"]
        with self._lock:
            current = self._current(event_id)
            if current is not None and version(current) >= new_version:
                logger.debug("skip %s version %s (have %s)", event_id, new_version, version(current))
                return
            availability = newer_availability(
                current.get("availability") if current else None, self._waiting.get(event_id)
            )
            availability = newer_availability(availability, doc.get("availability"))
            self._stage({**doc, "availability": availability} if availability else doc)

    def set_availability(self, availability: dict[str, Any]) -> None:
        availability_version(availability)
        event_id = availability["event_id"]
        with self._lock:
            current = self._current(event_id)
            if current is None:
                if newer_availability(self._waiting.get(event_id), availability) is availability:
                    self._waiting[event_id] = availability
                return
            if newer_availability(current.get("availability"), availability) is availability:
                self._stage({**current, "availability": availability})

    def delete(self, event_id: str) -> None:
        with self._lock:
            self._pending[event_id] = None
            self._waiting.pop(event_id, None)

    def _stage(self, doc: dict[str, Any]) -> None:
        # A malformed document fails here (before anything is buffered), not in refresh().
        self._pending[doc["event_id"]] = (doc, self._to_tantivy(doc))

    def _current(self, event_id: str) -> dict[str, Any] | None:
        """The event's document as buffered, else as stored; None if there is none."""
        if event_id in self._pending:
            buffered = self._pending[event_id]
            return None if buffered is None else buffered[0]
        return self._stored(event_id)

    def refresh(self) -> None:
        """Commit what is buffered. On failure nothing of it is written, and it is dropped: the
        stream redelivers the batch."""
        with self._lock:
            if not self._pending:
                return
            pending, self._pending = self._pending, {}
            self._add_words({term for change in pending.values() if change for term in _terms(change[0])})
            writer = self._open_writer()
            try:
                for event_id, change in pending.items():
                    writer.delete_documents_by_term("event_id", event_id)
                    if change is not None:
                        writer.add_document(change[1])
                writer.commit()
            except Exception:
                writer.rollback()
                raise
            for event_id in pending:  # their documents now hold what was waiting
                self._waiting.pop(event_id, None)
            self._index.reload()
            self._word_queries.clear()

    def close(self) -> None:
        """Write what is buffered and release the index's writer lock."""
        with self._lock:
            self.refresh()
            for name in ("_writer", "_words_writer"):
                writer = getattr(self, name)
                if writer is not None:
                    setattr(self, name, None)
                    writer.wait_merging_threads()

    def _add_words(self, terms: set[str]) -> None:
        """Commit the words not in the words index yet (before the events that use them, so a
        reader never sees an event whose words it cannot expand to)."""
        import tantivy

        if self._terms is None:
            self._terms = {term for term, _ in self._words.searcher().terms_with_prefix("term", "")}
        new = terms - self._terms
        if not new:
            return
        if self._words_writer is None:
            self._words_writer = self._words.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        try:
            for term in sorted(new):
                document = tantivy.Document()
                document.add_text("term", term)
                self._words_writer.add_document(document)
            self._words_writer.commit()
        except Exception:
            self._words_writer.rollback()
            raise
        self._terms |= new
        self._words.reload()

    def _open_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        return self._writer

    def _stored(self, event_id: str) -> dict[str, Any] | None:
        import tantivy

        searcher = self._index.searcher()
        hits = searcher.search(tantivy.Query.term_query(self._schema, "event_id", event_id), 1).hits
        return _stored_document(searcher, hits[0][1]) if hits else None

    def _to_tantivy(self, doc: dict[str, Any]) -> tantivy.Document:
        import tantivy

        keys = filter_keys(doc)
        document = tantivy.Document()
        document.add_text("event_id", doc["event_id"])
        for field_name, texts in _searched_texts(doc).items():
            for text in texts:
                document.add_text(field_name, fold(text))
        document.add_text("city_key", keys["city"])
        document.add_text("category_key", keys["category"])
        for performer_key in keys["performers"]:
            document.add_text("performer_key", performer_key)
        document.add_text("venue_id", keys["venue_id"])
        document.add_integer("start_ts", start_timestamp(doc))
        document.add_integer("version", version(doc))
        document.add_unsigned("event_key", _event_key(doc["event_id"]))
        document.add_unsigned("availability_as_of", (doc.get("availability") or {}).get("as_of", 0))
        document.add_bytes("doc", json.dumps(doc, separators=(",", ":")).encode())
        return document

    # --- reads -----------------------------------------------------------------------------

    @property
    def num_docs(self) -> int:
        return self._index.searcher().num_docs

    def search(self, query: SearchQuery) -> SearchPage:
        offset = self._offset(query.cursor)
        with self._turns:
            searcher = self._index.searcher()
            tantivy_query = self._query(query, searcher)
            ranked = _ranked(searcher, tantivy_query, offset + query.limit + 1, by_score=bool(query.words))
            page = self._decoded_documents(searcher, ranked[offset : offset + query.limit])
        more = len(ranked) > offset + query.limit
        now = query.now.timestamp()
        return SearchPage(
            events=[summary(doc, doc.get("availability"), now) for doc in page],
            next_cursor=encode_cursor({"o": offset + query.limit}) if more else None,
        )

    def _decoded_documents(
        self, searcher: tantivy.Searcher, addresses: list[tantivy.DocAddress]
    ) -> list[dict[str, Any]]:
        """The stored documents at `addresses`, decoded once per content: a document's event,
        version and availability are read from fast fields, and only an unseen combination is
        read from the store. The documents are shared: callers must not change them."""
        if not addresses:
            return []
        keys = zip(
            searcher.fast_field_values("event_key", addresses),
            searcher.fast_field_values("version", addresses),
            searcher.fast_field_values("availability_as_of", addresses),
            strict=True,
        )
        documents = []
        for address, key in zip(addresses, keys, strict=True):
            document = self._decoded.get(key)
            if document is None:
                document = _stored_document(searcher, address)
                if len(self._decoded) >= DECODED_ENTRIES:  # the oldest goes: one at a time, as
                    self._decoded.popitem(last=False)  # freeing all 20,000 at once took ~30 ms
                if None not in key:  # (a value is missing only from a document of another schema)
                    self._decoded[key] = document
            documents.append(document)
        return documents

    @staticmethod
    def _offset(cursor: str | None) -> int:
        if cursor is None:
            return 0
        offset = decode_cursor(cursor).get("o")
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 < offset <= MAX_OFFSET:
            raise InvalidRequestError("The cursor is not valid")
        return offset

    def _query(self, query: SearchQuery, searcher: tantivy.Searcher) -> tantivy.Query:
        import tantivy

        Query, Occur, schema = tantivy.Query, tantivy.Occur, self._schema
        lower, upper = start_bounds(query)
        word_queries = [self._word_query(word, searcher) for word in query.words]
        if query.all_words or len(word_queries) < 2:
            clauses = [(Occur.Must, word_query) for word_query in word_queries]
        else:  # any word (a boolean of Should clauses alone needs one), more words first
            clauses = [(Occur.Must, Query.boolean_query([(Occur.Should, w) for w in word_queries]))]
            clauses.extend((Occur.Should, Query.const_score_query(w, WORD_MATCHED)) for w in word_queries)
        filters = [
            Query.range_query(
                schema,
                "start_ts",
                tantivy.FieldType.Integer,
                lower_bound=lower,
                upper_bound=upper,
                include_lower=True,
                include_upper=False,
            )
            if upper is not None
            else Query.range_query(schema, "start_ts", tantivy.FieldType.Integer, lower_bound=lower)
        ]
        if query.city:
            filters.append(self._key_filter("city_key", keyword(query.city), searcher))
        if query.performer:
            filters.append(self._key_filter("performer_key", keyword(query.performer), searcher))
        if query.venue_id:
            filters.append(Query.term_query(schema, "venue_id", query.venue_id))
        if query.category:
            filters.append(self._any_term("category_key", category_keys(query.category)))
        clauses.extend((Occur.Must, Query.const_score_query(f, 0.0)) for f in filters)
        if not query.words:
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)

    def _key_filter(self, field_name: str, key: str, searcher: tantivy.Searcher) -> tantivy.Query:
        """Events whose key (a city, a performer) is `key`; when no event has that key, those
        whose key is within its edit distance (a misspelt city or name, as `q` allows)."""
        import tantivy

        distance = fuzzy_distance(key)
        if not distance or searcher.doc_freq(field_name, key):
            return tantivy.Query.term_query(self._schema, field_name, key)
        return tantivy.Query.fuzzy_term_query(
            self._schema, field_name, key, distance=distance, transposition_cost_one=True
        )

    def _word_query(self, word: str, searcher: tantivy.Searcher) -> tantivy.Query:
        """`_expanded` of the word, as built at most `WORD_QUERY_SECONDS` ago."""
        now = time.monotonic()
        cached = self._word_queries.get(word)
        if cached is not None and cached[0] > now:
            return cached[1]
        expanded = self._expanded(word, searcher)
        if len(self._word_queries) >= WORD_QUERY_ENTRIES:
            self._word_queries.popitem(last=False)  # the oldest
        self._word_queries[word] = (now + WORD_QUERY_SECONDS, expanded)
        return expanded

    def _expanded(self, word: str, searcher: tantivy.Searcher) -> tantivy.Query:
        """One query word: found as typed, as a prefix, or within its edit distance, in any
        searched field (the best field counts). As typed, a match scores by BM25; as a prefix or
        a typo, a constant (the field's weight, halved for a typo), as an automaton query would."""
        import tantivy

        Query, schema = tantivy.Query, self._schema
        typos = self._typos(word, self._words.searcher())
        alternatives = []
        for field_name, weight in TEXT_FIELDS.items():
            alternatives.append(
                Query.boost_query(Query.term_query(schema, field_name, word), weight * EXACT_BOOST)
            )
            prefixed: list[str] = []
            if len(word) >= MIN_PREFIX_CHARS:
                prefixed = [
                    term for term, _ in searcher.terms_with_prefix(field_name, word, limit=MAX_EXPANSIONS)
                ]
            if prefixed:
                alternatives.append(Query.const_score_query(self._any_term(field_name, prefixed), weight))
            for edits in (1, 2):  # a prefix scores more than a typo, one edit more than two
                typoed = sorted(t for t, e in typos.items() if e == edits and t not in prefixed)
                if typoed:
                    score = weight * FUZZY_BOOST * (SECOND_EDIT_FACTOR if edits == 2 else 1.0)
                    alternatives.append(Query.const_score_query(self._any_term(field_name, typoed), score))
        return Query.disjunction_max_query(alternatives)

    def _any_term(self, field_name: str, terms: list[str]) -> tantivy.Query:
        """Documents with any of `terms` in the field. Term queries, not a term set: a term set
        reads every posting up front, where term queries let a rarer word of the query skip
        through a frequent one."""
        import tantivy

        Query = tantivy.Query
        if len(terms) == 1:
            return Query.term_query(self._schema, field_name, terms[0])
        return Query.boolean_query(
            [(tantivy.Occur.Should, Query.term_query(self._schema, field_name, t)) for t in terms]
        )

    def _typos(self, word: str, words: tantivy.Searcher) -> dict[str, int]:
        """The events' words within the word's edit distance (transpositions count as one edit),
        found by one automaton over the words index, each with its edits (1 or 2: a word of 8+
        letters asks a second automaton which of them are one edit away)."""
        distance = fuzzy_distance(word)
        if not distance:
            return {}
        found = self._within(word, distance, words)
        near = self._within(word, 1, words) if distance > 1 else found
        return {term: 1 if term in near else distance for term in found}

    def _within(self, word: str, distance: int, words: tantivy.Searcher) -> set[str]:
        import tantivy

        automaton = tantivy.Query.fuzzy_term_query(
            self._words_schema, "term", word, distance=distance, transposition_cost_one=True
        )
        hits = words.search(automaton, MAX_EXPANSIONS, count=False).hits
        return {str(words.doc(address).get_first("term")) for _, address in hits}


# A common word gives thousands of hits the same score; ordering a tie by date needs the whole tie
# in hand. It is fetched up to this many times as deep as the page (and at most TIE_EXTRA_HITS
# further), no further: beyond, a huge tie is ordered by date within the window fetched
# (docs/decisions.md) and a query costs a bounded amount.
TIE_WINDOW = 8
TIE_EXTRA_HITS = 1000


def _ranked(
    searcher: tantivy.Searcher, query: tantivy.Query, needed: int, *, by_score: bool
) -> list[tantivy.DocAddress]:
    """The first `needed` matches in full order: score (descending, with `by_score`), then
    start_at, then event_id.

    tantivy returns the top hits by one key and breaks its ties by document address, so hits are
    fetched until every hit whose key ties with the last one fetched is in hand, or a window of
    `TIE_WINDOW` times the hits needed is. Scores tie often (one common word: thousands of hits
    with one score), so a search by relevance asks for the whole window at once (collecting more
    hits costs little next to matching them again); start times seldom tie, so a listing by
    date asks for twice the hits needed first. Sort keys come from the `start_ts` fast field;
    event ids are read only for hits that still tie.
    """
    import tantivy

    window = min(needed * TIE_WINDOW, needed + TIE_EXTRA_HITS, searcher.num_docs)
    if window == 0:
        return []
    hits: list[tuple[Any, tantivy.DocAddress]] = []
    for wanted in [window] if by_score else sorted({min(needed * 2, window), window}):
        if by_score:
            hits = searcher.search(query, wanted, count=False).hits
        else:
            hits = searcher.search(
                query, wanted, count=False, order_by_field="start_ts", order=tantivy.Order.Asc
            ).hits
        if len(hits) < wanted:
            break  # every match is in hand
        settled = [hit for hit in hits if hit[0] != hits[-1][0]]
        if len(settled) >= needed:
            hits = settled
            break
        # else: a tie reaches past the page; with the whole window it is ordered by date within it
    if by_score and len(hits) > needed:
        # Hits come best first: one scoring below the `needed`th cannot reach the page.
        last = hits[needed - 1][0]
        hits = [hit for hit in hits if hit[0] >= last]
    addresses = [address for _, address in hits]
    starts = searcher.fast_field_values("start_ts", addresses)
    rows = sorted(
        (
            ((-float(score) if by_score else 0.0, int(start or 0)), address)
            for (score, address), start in zip(hits, starts, strict=True)
        ),
        key=lambda row: row[0],
    )
    # Event ids break the remaining ties; only the ties that reach into the page are read.
    ties = Counter(key for key, _ in rows)
    cut = rows[needed - 1][0] if len(rows) >= needed else None
    ordered = sorted(
        (
            (
                key,
                _event_id(searcher, address) if ties[key] > 1 and (cut is None or key <= cut) else "",
                address,
            )
            for key, address in rows
        ),
        key=lambda row: (row[0], row[1]),
    )
    return [address for _, _, address in ordered[:needed]]


def _searched_texts(doc: dict[str, Any]) -> dict[str, list[str]]:
    """The texts of each searched field (`TEXT_FIELDS`) of a document."""
    return {
        "name": [doc["name"]],
        "performers": list(doc["performers"]),
        "venue_name": [doc["venue"]["name"]],
        "city": [doc["venue"]["city"]],
        "category": [doc.get("category") or ""],
        "description": [doc.get("description") or ""],
    }


def _terms(doc: dict[str, Any]) -> set[str]:
    """The words of a document's searched fields, as the default tokenizer indexes them."""
    return {
        word
        for texts in _searched_texts(doc).values()
        for text in texts
        for word in words(text)
        if len(word.encode()) < MAX_TOKEN_BYTES
    }


def _event_key(event_id: str) -> int:
    """A 64-bit digest of an event id (with the version and availability it names one content)."""
    return int.from_bytes(hashlib.blake2b(event_id.encode(), digest_size=8).digest(), "big")


def _event_id(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> str:
    return str(searcher.doc(address).get_first("event_id"))


def _stored_document(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> dict[str, Any]:
    raw = searcher.doc(address).get_first("doc")
    if not isinstance(raw, bytes):
        raise RuntimeError("a search document without its stored JSON: rebuild the index")
    doc: dict[str, Any] = json.loads(raw)
    return doc
