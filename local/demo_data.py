"""The demo catalogue the local stack seeds: venues and events as admin API bodies.

Pure data, no I/O (but the time-zone database). `demo_venues()` returns `POST /admin/venues`
bodies plus a stable `key`; `demo_events(now)` returns `POST /admin/events` bodies naming their
venue by that `key` (`venue_key`) instead of a `venue_id`, which only exists once the venue has
been created. Each venue names its real IANA zone, and curtain times and box-office openings are
local times there, daylight saving included. The output depends on `now` alone: the random
choices come from `random.Random(2026)`.

Sizes are chosen so seeding stays fast: every event gets one item per seat, so the
events at venues other than Dodger Stadium hold fewer than `SEAT_BUDGET` seats in all.
"""

import random
import string
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

JsonObject = dict[str, Any]

CATEGORIES = ("concerts", "sports", "theatre", "comedy")
DODGER_STADIUM_KEY = "dodger-stadium"
DODGER_STADIUM_CAPACITY = 56_000
# Seats across all events at venues other than Dodger Stadium (one database item each).
SEAT_BUDGET = 40_000

_SEED = 2026
_STANDARD_ADMIT_PER_MINUTE = 300
# Waiting-room events admit slowly enough that the queue is visible in a demo.
_WAITING_ROOM_ADMIT_PER_MINUTE = 120


# --------------------------------------------------------------------------------------
# Venues
# --------------------------------------------------------------------------------------


def _letters(count: int) -> list[str]:
    return list(string.ascii_uppercase[:count])


def _numbers(count: int) -> list[str]:
    return [str(number) for number in range(1, count + 1)]


def _rows(labels: Sequence[str], first_row_seats: int, seats_added_per_row: int = 0) -> list[JsonObject]:
    """Rows that widen by `seats_added_per_row` going back, as in a bowl."""
    return [
        {"row": label, "seats": first_row_seats + seats_added_per_row * index}
        for index, label in enumerate(labels)
    ]


def _section(name: str, amount: int, currency: str, rows: list[JsonObject]) -> JsonObject:
    return {
        "section": name,
        "price": {"amount": amount, "currency": currency},
        "rows": rows,
    }


def _dodger_stadium() -> JsonObject:
    # Seats: 2 x 150 + 12 x 550 + 16 x 376 + 24 x 550 + 24 x 671 + 14 x 590 + 10 x 552
    # = 56,000.
    sections: list[JsonObject] = []
    for number in (1, 2):
        sections.append(_section(f"Dugout {number}", 35_000, "USD", _rows(_letters(6), 20, 2)))
    for number in range(1, 13):  # infield, behind the plate and along the baselines
        price = 18_500 if number <= 4 else 14_500
        sections.append(_section(f"Field {number}", price, "USD", _rows(_letters(20), 18, 1)))
    for number in range(13, 29):  # field level past the bases, out to the foul poles
        sections.append(_section(f"Field {number}", 9_500, "USD", _rows(_letters(16), 16, 1)))
    for number in range(101, 125):
        price = 7_500 if number <= 112 else 5_900
        sections.append(_section(f"Loge {number}", price, "USD", _rows(_letters(20), 18, 1)))
    for number in range(1, 25):
        price = 4_500 if number <= 12 else 3_500
        sections.append(_section(f"Reserve {number}", price, "USD", _rows(_letters(22), 20, 1)))
    for number in range(1, 15):
        sections.append(_section(f"Top Deck {number}", 2_500, "USD", _rows(_letters(20), 20, 1)))
    for side in ("L", "R"):
        for number in range(1, 6):
            sections.append(_section(f"Pavilion {side}{number}", 3_000, "USD", _rows(_numbers(16), 27, 1)))
    return {
        "key": DODGER_STADIUM_KEY,
        "name": "Dodger Stadium",
        "city": "Los Angeles",
        "time_zone": "America/Los_Angeles",
        "address": "1000 Vin Scully Ave, Los Angeles, CA 90012",
        "sections": sections,
    }


def _other_venues() -> list[JsonObject]:
    return [
        {
            "key": "the-velvet-mic",
            "name": "The Velvet Mic",
            "city": "New York",
            "time_zone": "America/New_York",
            "address": "148 MacDougal St, New York, NY 10012",
            "sections": [  # 180 seats
                _section("Front Tables", 4_500, "USD", _rows(_letters(3), 12)),
                _section("Main Floor", 3_500, "USD", _rows(_letters(8), 14)),
                _section("Bar Rail", 2_500, "USD", _rows(_letters(1), 32)),
            ],
        },
        {
            "key": "east-river-fieldhouse",
            "name": "East River Fieldhouse",
            "city": "New York",
            "time_zone": "America/New_York",
            "address": "40 Kent Ave, Brooklyn, NY 11249",
            "sections": [  # 1,200 seats
                _section("Courtside", 12_500, "USD", _rows(_letters(3), 30)),
                *(
                    _section(
                        f"Lower {number}",
                        4_500 if number <= 103 else 3_500,
                        "USD",
                        _rows(_letters(10), 14, 1),
                    )
                    for number in range(101, 107)
                ),
            ],
        },
        {
            "key": "lakeview-laugh-house",
            "name": "Lakeview Laugh House",
            "city": "Chicago",
            "time_zone": "America/Chicago",
            "address": "3175 N Broadway, Chicago, IL 60657",
            "sections": [  # 220 seats
                _section("Cabaret", 4_000, "USD", _rows(_letters(4), 14)),
                _section("Main Floor", 3_000, "USD", _rows(_letters(8), 16)),
                _section("Balcony", 2_000, "USD", _rows(_letters(2), 18)),
            ],
        },
        {
            "key": "wabash-hall",
            "name": "Wabash Hall",
            "city": "Chicago",
            "time_zone": "America/Chicago",
            "address": "1121 S Wabash Ave, Chicago, IL 60605",
            "sections": [  # 800 seats
                _section("Main Floor", 6_500, "USD", _rows(_numbers(16), 25)),
                _section("Mezzanine", 5_500, "USD", _rows(_letters(8), 25)),
                _section("Balcony", 3_900, "USD", _rows(_letters(8), 25)),
            ],
        },
        {
            "key": "the-crooked-pint",
            "name": "The Crooked Pint Comedy Cellar",
            "city": "London",
            "time_zone": "Europe/London",
            "address": "27 Greek Street, London W1D 5DF",
            "sections": [  # 160 seats
                _section("Stage Side", 2_200, "GBP", _rows(_letters(2), 12)),
                _section("Cellar", 1_600, "GBP", _rows(_letters(8), 14)),
                _section("Back Bar", 1_200, "GBP", _rows(_letters(2), 12)),
            ],
        },
        {
            "key": "the-bramble-theatre",
            "name": "The Bramble Theatre",
            "city": "London",
            "time_zone": "Europe/London",
            "address": "62 Southwark Street, London SE1 1UN",
            "sections": [  # 420 seats
                _section("Stalls", 5_500, "GBP", _rows(_letters(16), 14)),
                _section("Dress Circle", 4_500, "GBP", _rows(_letters(8), 14)),
                _section("Upper Circle", 2_500, "GBP", _rows(_letters(6), 14)),
            ],
        },
        {
            "key": "red-river-arena",
            "name": "Red River Arena",
            "city": "Austin",
            "time_zone": "America/Chicago",
            "address": "901 Red River St, Austin, TX 78701",
            "sections": [  # 1,500 seats
                _section("Courtside", 15_000, "USD", _rows(_letters(2), 40)),
                _section("Club Level", 9_500, "USD", _rows(_letters(5), 20)),
                *(
                    _section(
                        f"Lower {number}",
                        6_500 if number <= 104 else 4_900,
                        "USD",
                        _rows(_letters(10), 12, 1),
                    )
                    for number in range(101, 109)
                ),
            ],
        },
        {
            "key": "pine-street-playhouse",
            "name": "Pine Street Playhouse",
            "city": "Seattle",
            "time_zone": "America/Los_Angeles",
            "address": "1512 Pine St, Seattle, WA 98101",
            "sections": [  # 350 seats
                _section("Box Seats", 8_500, "USD", _rows(_letters(2), 15)),
                _section("Orchestra", 6_500, "USD", _rows(_letters(14), 16)),
                _section("Mezzanine", 4_800, "USD", _rows(_letters(6), 16)),
            ],
        },
        {
            "key": "cumberland-ballroom",
            "name": "Cumberland Ballroom",
            "city": "Nashville",
            "time_zone": "America/Chicago",
            "address": "410 Rep John Lewis Way S, Nashville, TN 37203",
            "sections": [  # 650 seats
                _section("Rail", 7_500, "USD", _rows(_letters(2), 30)),
                _section("Floor", 5_900, "USD", _rows(_numbers(15), 26)),
                _section("Balcony", 4_500, "USD", _rows(_letters(10), 20)),
            ],
        },
        {
            "key": "harbourfront-music-hall",
            "name": "Harbourfront Music Hall",
            "city": "Toronto",
            "time_zone": "America/Toronto",
            "address": "275 Queens Quay W, Toronto, ON M5V 1A2",
            "sections": [  # 900 seats
                _section("Floor", 8_900, "CAD", _rows(_numbers(20), 24)),
                _section("Mezzanine", 6_900, "CAD", _rows(_letters(10), 24)),
                _section("Balcony", 4_900, "CAD", _rows(_letters(10), 18)),
            ],
        },
    ]


def demo_venues() -> list[JsonObject]:
    """Every demo venue as a `POST /admin/venues` body plus a stable `key`."""
    return [_dodger_stadium(), *_other_venues()]


# --------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------


class _Show(NamedTuple):
    category: str
    name: str
    performers: tuple[str, ...]
    description: str


class _Date(NamedTuple):
    """One show on one night at one venue."""

    show: str
    venue_key: str
    opens_later: bool = False  # onsale still scheduled
    waiting_room: bool = False  # queue_required


_HEADLINER = "Luna Valdés-Harrington"

_DODGER_CONCERT = _Show(
    "concerts",
    "Luna Valdés-Harrington: The Solstice Tour",
    (_HEADLINER, "Neon Harbor"),
    "Luna Valdés-Harrington brings the Solstice Tour to Dodger Stadium for one night "
    "only, with a full orchestra and a three-hour set. Neon Harbor opens.",
)

_SHOWS: dict[str, _Show] = {
    # --- concerts ---------------------------------------------------------------------
    "luna-unplugged": _Show(
        "concerts",
        "Luna Valdés-Harrington: Solstice Unplugged",
        (_HEADLINER,),
        "A rare acoustic club show: Luna Valdés-Harrington strips the Solstice songs "
        "back to piano and strings. Four tickets per customer, sold through the "
        "waiting room.",
    ),
    "cartographers": _Show(
        "concerts",
        "The Midnight Cartographers: Paper Maps Tour",
        ("The Midnight Cartographers", "Neon Harbor"),
        "The indie five-piece play their new record Paper Maps in full, then the hits. "
        "Synth-pop duo Neon Harbor open.",
    ),
    "anais": _Show(
        "concerts",
        "Anaïs Beauchêne: Chansons de Minuit",
        ("Anaïs Beauchêne",),
        "Anaïs Beauchêne sings late-night French chanson with a cello, an accordion and a drum machine.",
    ),
    "kwabena": _Show(
        "concerts",
        "Kwabena Osei-Mensah & the Accra Horns",
        ("Kwabena Osei-Mensah",),
        "Two hours of Afrobeat and highlife from Kwabena Osei-Mensah and his "
        "twelve-piece band. Bring your dancing shoes.",
    ),
    "bjorn": _Show(
        "concerts",
        "Björn Sæterdal Quartet: Nordic Nights",
        ("Björn Sæterdal Quartet",),
        "Spacious Scandinavian jazz from the Oslo quartet, touring their album Fjordlight.",
    ),
    "neon-harbor": _Show(
        "concerts",
        "Neon Harbor: Afterglow",
        ("Neon Harbor",),
        "The synth-pop duo headline their own tour with a new light show and songs from Afterglow.",
    ),
    "tallulah": _Show(
        "concerts",
        "Tallulah Greenwood-Achterberg: Backroads & Bourbon",
        ("Tallulah Greenwood-Achterberg", "Copper Lantern"),
        "Country storyteller Tallulah Greenwood-Achterberg plays songs about small "
        "towns and long drives. Copper Lantern open.",
    ),
    "copper-lantern": _Show(
        "concerts",
        "Copper Lantern: Songs from the Holler",
        ("Copper Lantern",),
        "The Appalachian string band play banjo, fiddle and four-part harmonies in the round.",
    ),
    "marisol": _Show(
        "concerts",
        "Marisol Echeverría: Corazón Eléctrico",
        ("Marisol Echeverría",),
        "Latin pop star Marisol Echeverría brings the Corazón Eléctrico tour and a ten-piece band.",
    ),
    "songwriters": _Show(
        "concerts",
        "Songwriters in the Round",
        ("Tallulah Greenwood-Achterberg", "Copper Lantern", "Zoë Kowalczyk"),
        "Three songwriters, three stools, one stage: the stories behind the songs, "
        "told by the people who wrote them.",
    ),
    "zoe": _Show(
        "concerts",
        "Zoë Kowalczyk: Static Bloom",
        ("Zoë Kowalczyk",),
        "Dream-pop singer Zoë Kowalczyk plays her debut album Static Bloom with a full band.",
    ),
    "dmitri": _Show(
        "concerts",
        "Dmitri Vasilakopoulos Plays Chopin & Ravel",
        ("Dmitri Vasilakopoulos",),
        "The Athens-born pianist plays the Chopin ballades and Ravel's Gaspard de la nuit.",
    ),
    # --- comedy -----------------------------------------------------------------------
    "priya": _Show(
        "comedy",
        "Priya Venkataraman-Holt: Overthinking It",
        ("Priya Venkataraman-Holt",),
        "Priya Venkataraman-Holt on family group chats, tax season and the tyranny of "
        "smart fridges. Expect crowd work.",
    ),
    "priya-friends": _Show(
        "comedy",
        "Priya Venkataraman-Holt & Friends",
        ("Priya Venkataraman-Holt", "Joaquín Szczepański"),
        "Priya Venkataraman-Holt hosts a late show with a surprise guest list and Joaquín Szczepański.",
    ),
    "joaquin": _Show(
        "comedy",
        "Joaquín Szczepański: Lost in Translation",
        ("Joaquín Szczepański",),
        "A bilingual hour about growing up between Oaxaca and Łódź, and why nobody can pronounce his name.",
    ),
    "tryouts": _Show(
        "comedy",
        "Tuesday Night Tryouts",
        ("Marcus Bellweather", "Rosalind Fairweather-Nkemelu", "Hank Dubrovnik"),
        "Three comics, all new material, no safety net. Hosted by Marcus Bellweather.",
    ),
    "declan": _Show(
        "comedy",
        "Declan Ó Súilleabháin: Sorry, Say That Again?",
        ("Declan Ó Súilleabháin",),
        "The Cork-born storyteller on accents, airports and his mother's voicemails.",
    ),
    "rosalind": _Show(
        "comedy",
        "Rosalind Fairweather-Nkemelu: Small Talk",
        ("Rosalind Fairweather-Nkemelu",),
        "Rosalind Fairweather-Nkemelu on weddings, office kitchens and the art of leaving a party early.",
    ),
    "marcus": _Show(
        "comedy",
        "Marcus Bellweather: Dad Jokes for Adults",
        ("Marcus Bellweather",),
        "Marcus Bellweather has three kids under six and no sleep. This is his revenge.",
    ),
    "ferrets": _Show(
        "comedy",
        "The Unscripted Ferrets: Improv Night",
        ("The Unscripted Ferrets",),
        "You shout the suggestions, the Ferrets make a ninety-minute show out of them. "
        "Every night is different.",
    ),
    "hank": _Show(
        "comedy",
        "Hank Dubrovnik: Retirement Plan",
        ("Hank Dubrovnik",),
        "After thirty years on the road, Hank Dubrovnik explains why he will never retire.",
    ),
    "roast": _Show(
        "comedy",
        "Midnight Roast Battle",
        ("Marcus Bellweather", "Hank Dubrovnik"),
        "Two comics, three rounds, no mercy. The audience picks the winner.",
    ),
    "windy-city": _Show(
        "comedy",
        "Windy City Showcase",
        ("Rosalind Fairweather-Nkemelu", "Tomasz Wiśniewski-Grant"),
        "The best of the Chicago circuit in one night, headlined by Rosalind Fairweather-Nkemelu.",
    ),
    "tomasz": _Show(
        "comedy",
        "Tomasz Wiśniewski-Grant: Pierogi Diplomacy",
        ("Tomasz Wiśniewski-Grant",),
        "Tomasz Wiśniewski-Grant on two grandmothers, two countries and one kitchen.",
    ),
    "sketch": _Show(
        "comedy",
        "Sunday Sketch Revue",
        ("The Unscripted Ferrets",),
        "A fast-moving sketch show written this week about this week.",
    ),
    "imogen-ab": _Show(
        "comedy",
        "Imogen Ashcroft-Baptiste: Posh Problems",
        ("Imogen Ashcroft-Baptiste",),
        "Imogen Ashcroft-Baptiste on boarding school, boat parties and being broke in Chelsea.",
    ),
    "new-acts": _Show(
        "comedy",
        "New Act Night",
        ("Imogen Ashcroft-Baptiste", "Tomasz Wiśniewski-Grant"),
        "Ten fresh acts get five minutes each. Imogen Ashcroft-Baptiste compères.",
    ),
    "late-laughs": _Show(
        "comedy",
        "Saturday Late Laughs",
        ("Declan Ó Súilleabháin", "Imogen Ashcroft-Baptiste", "Marcus Bellweather"),
        "Three headliners on one bill, the cellar's busiest night of the week.",
    ),
    # --- theatre ----------------------------------------------------------------------
    "glass-orchard": _Show(
        "theatre",
        "The Glass Orchard",
        ("Henrietta Abernathy-Sloane", "Théo Marchetti"),
        "A family gathers to sell the orchard their grandmother planted, and finds out "
        "why she never would. A new drama in two acts.",
    ),
    "midwinter": _Show(
        "theatre",
        "A Midwinter Inheritance",
        ("Northbound Theatre Company",),
        "Five estranged siblings, one snowed-in farmhouse and a will nobody has read yet.",
    ),
    "cartographers-daughter": _Show(
        "theatre",
        "The Cartographer's Daughter",
        ("Henrietta Abernathy-Sloane",),
        "A one-woman play about the maps we draw of the people we love.",
    ),
    "much-ado": _Show(
        "theatre",
        "Much Ado About Nothing",
        ("The Lantern Street Players",),
        "Shakespeare's sharpest comedy, set in a 1950s seaside hotel.",
    ),
    "twelfth-night": _Show(
        "theatre",
        "Twelfth Night",
        ("The Lantern Street Players",),
        "Shipwrecks, disguises and a yellow-stockinged steward, played with live music.",
    ),
    "paper-lanterns": _Show(
        "theatre",
        "Paper Lanterns: A Musical",
        ("Imogen Castellanos", "Théo Marchetti"),
        "A new musical about two rival lantern makers on the night of the harvest festival.",
    ),
    "lighthouse": _Show(
        "theatre",
        "The Lighthouse Keeper's Ledger",
        ("Northbound Theatre Company",),
        "A thriller told through the entries of a lighthouse log, one stormy winter at a time.",
    ),
    "chekhov": _Show(
        "theatre",
        "An Evening of Chekhov Shorts",
        ("The Lantern Street Players", "Théo Marchetti"),
        "Four of Chekhov's one-act comedies, including The Bear and The Proposal.",
    ),
    "rain-city": _Show(
        "theatre",
        "Rain City Cabaret",
        ("Imogen Castellanos", "Pine Street Ensemble"),
        "Songs, stories and sequins: Imogen Castellanos leads a cabaret about life under grey skies.",
    ),
    "salmon-king": _Show(
        "theatre",
        "The Salmon King",
        ("Pine Street Ensemble",),
        "A family show with puppets and live music about a young salmon's journey "
        "home. Suitable for ages five and up.",
    ),
    # --- sports -----------------------------------------------------------------------
    "armadillos-sockeyes": _Show(
        "sports",
        "Austin Armadillos vs. Seattle Sockeyes",
        ("Austin Armadillos", "Seattle Sockeyes"),
        "Pro basketball: the Armadillos open their home stand against last season's finalists.",
    ),
    "armadillos-night-owls": _Show(
        "sports",
        "Austin Armadillos vs. Nashville Night Owls",
        ("Austin Armadillos", "Nashville Night Owls"),
        "Pro basketball: a rivalry game with playoff seeding on the line.",
    ),
    "fight-night": _Show(
        "sports",
        "Fight Night: Okonkwo vs. Lindqvist",
        ("Emeka Okonkwo", "Sven Lindqvist"),
        "Ten rounds for the middleweight title, with a full undercard from 6 pm.",
    ),
    "brownstones-armadillos": _Show(
        "sports",
        "New York Brownstones vs. Austin Armadillos",
        ("New York Brownstones", "Austin Armadillos"),
        "Pro basketball: the Brownstones host the Armadillos in Brooklyn.",
    ),
    "brownstones-gales": _Show(
        "sports",
        "New York Brownstones vs. Chicago Gales",
        ("New York Brownstones", "Chicago Gales"),
        "Pro basketball: the season's first meeting of two conference leaders.",
    ),
    "volleyball": _Show(
        "sports",
        "Pro Volleyball: Brooklyn Breakers vs. Toronto Northern Lights",
        ("Brooklyn Breakers", "Toronto Northern Lights"),
        "Best-of-five sets in the cross-border volleyball league.",
    ),
    "table-tennis": _Show(
        "sports",
        "Table Tennis Masters: Nakamura-Oyelaran vs. Szabó",
        ("Kenji Nakamura-Oyelaran", "Réka Szabó"),
        "The world's fastest racket sport, up close: an exhibition final with coaching "
        "clinics before the match.",
    ),
    "gales-sockeyes": _Show(
        "sports",
        "Chicago Gales vs. Seattle Sockeyes",
        ("Chicago Gales", "Seattle Sockeyes"),
        "Pro basketball: the Gales play a rare neutral-court game in the South Loop.",
    ),
}

# Seats per venue x dates per venue, outside Dodger Stadium:
# 180 x 10 + 220 x 8 + 160 x 6 + 420 x 8 + 350 x 8 + 900 x 5 + 650 x 7 + 1,500 x 5
# + 1,200 x 4 + 800 x 4 = 35,230 seats, under SEAT_BUDGET.
_DATES: tuple[_Date, ...] = (
    # The Velvet Mic, New York (180 seats)
    _Date("priya", "the-velvet-mic"),
    _Date("joaquin", "the-velvet-mic"),
    _Date("tryouts", "the-velvet-mic"),
    _Date("declan", "the-velvet-mic"),
    _Date("rosalind", "the-velvet-mic"),
    _Date("marcus", "the-velvet-mic"),
    _Date("ferrets", "the-velvet-mic"),
    _Date("hank", "the-velvet-mic"),
    _Date("priya-friends", "the-velvet-mic", opens_later=True),
    _Date("roast", "the-velvet-mic"),
    # Lakeview Laugh House, Chicago (220 seats)
    _Date("priya", "lakeview-laugh-house"),
    _Date("declan", "lakeview-laugh-house"),
    _Date("ferrets", "lakeview-laugh-house"),
    _Date("hank", "lakeview-laugh-house"),
    _Date("windy-city", "lakeview-laugh-house", opens_later=True),
    _Date("tomasz", "lakeview-laugh-house"),
    _Date("joaquin", "lakeview-laugh-house"),
    _Date("sketch", "lakeview-laugh-house"),
    # The Crooked Pint Comedy Cellar, London (160 seats)
    _Date("declan", "the-crooked-pint"),
    _Date("priya", "the-crooked-pint"),
    _Date("imogen-ab", "the-crooked-pint"),
    _Date("new-acts", "the-crooked-pint"),
    _Date("rosalind", "the-crooked-pint"),
    _Date("late-laughs", "the-crooked-pint"),
    # The Bramble Theatre, London (420 seats)
    _Date("glass-orchard", "the-bramble-theatre"),
    _Date("midwinter", "the-bramble-theatre"),
    _Date("cartographers-daughter", "the-bramble-theatre"),
    _Date("much-ado", "the-bramble-theatre"),
    _Date("twelfth-night", "the-bramble-theatre"),
    _Date("paper-lanterns", "the-bramble-theatre", opens_later=True),
    _Date("lighthouse", "the-bramble-theatre"),
    _Date("chekhov", "the-bramble-theatre"),
    # Pine Street Playhouse, Seattle (350 seats)
    _Date("glass-orchard", "pine-street-playhouse", opens_later=True),
    _Date("paper-lanterns", "pine-street-playhouse"),
    _Date("rain-city", "pine-street-playhouse"),
    _Date("salmon-king", "pine-street-playhouse"),
    _Date("midwinter", "pine-street-playhouse"),
    _Date("much-ado", "pine-street-playhouse"),
    _Date("dmitri", "pine-street-playhouse"),
    _Date("bjorn", "pine-street-playhouse"),
    # Harbourfront Music Hall, Toronto (900 seats)
    _Date("cartographers", "harbourfront-music-hall"),
    _Date("anais", "harbourfront-music-hall"),
    _Date("kwabena", "harbourfront-music-hall", opens_later=True),
    _Date("bjorn", "harbourfront-music-hall"),
    _Date("neon-harbor", "harbourfront-music-hall"),
    # Cumberland Ballroom, Nashville (650 seats)
    _Date("luna-unplugged", "cumberland-ballroom", opens_later=True, waiting_room=True),
    _Date("tallulah", "cumberland-ballroom"),
    _Date("copper-lantern", "cumberland-ballroom"),
    _Date("marisol", "cumberland-ballroom"),
    _Date("cartographers", "cumberland-ballroom"),
    _Date("songwriters", "cumberland-ballroom"),
    _Date("zoe", "cumberland-ballroom", opens_later=True),
    # Red River Arena, Austin (1,500 seats)
    _Date("armadillos-sockeyes", "red-river-arena"),
    _Date("armadillos-night-owls", "red-river-arena"),
    _Date("fight-night", "red-river-arena"),
    _Date("marisol", "red-river-arena", waiting_room=True),
    _Date("kwabena", "red-river-arena"),
    # East River Fieldhouse, New York (1,200 seats)
    _Date("brownstones-armadillos", "east-river-fieldhouse"),
    _Date("brownstones-gales", "east-river-fieldhouse", opens_later=True),
    _Date("volleyball", "east-river-fieldhouse"),
    _Date("table-tennis", "east-river-fieldhouse"),
    # Wabash Hall, Chicago (800 seats)
    _Date("neon-harbor", "wabash-hall"),
    _Date("anais", "wabash-hall"),
    _Date("lighthouse", "wabash-hall"),
    _Date("gales-sockeyes", "wabash-hall"),
)

# Local curtain times (hour, minute) per category.
_CURTAIN_TIMES: dict[str, tuple[tuple[int, int], ...]] = {
    "concerts": ((19, 30), (20, 0), (20, 30)),
    "comedy": ((19, 0), (20, 0), (21, 30)),
    "theatre": ((14, 30), (19, 30), (19, 45)),
    "sports": ((13, 0), (17, 30), (19, 0)),
}
_MAX_PER_ORDER: dict[str, tuple[int, int]] = {
    "concerts": (4, 8),
    "comedy": (4, 6),
    "theatre": (4, 8),
    "sports": (6, 10),
}
_HOLD_SECONDS = (300, 420, 480, 600)
_SHOW_LENGTH = timedelta(hours=3)
_STADIUM_CURTAIN = (19, 30)  # the stadium concert's local start
# Start days after today (UTC): with curtain times 13:00-21:30 local and the venues' offsets
# (-8..+1 hours), every start lands more than 2 and less than 120 days after `now`.
_FIRST_SHOW_DAY = 3
_FIRST_SHOW_DAY_IF_ONSALE_LATER = 30
_LAST_SHOW_DAY = 118
# Box offices open at 10:00 local time.
_ONSALE_LOCAL_HOUR = 10


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_utc(moment: datetime) -> datetime:
    """`moment` in UTC to the second; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _local(day: datetime, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """`hour:minute` on `day`'s date at the venue, daylight saving included, in UTC."""
    return datetime.combine(day.date(), time(hour, minute), tzinfo=zone).astimezone(UTC)


class _Onsale(NamedTuple):
    opens_at: datetime
    hold_seconds: int
    max_per_order: int
    queue_required: bool
    admit_per_minute: int


def _event(show: _Show, venue_key: str, start_at: datetime, onsale: _Onsale) -> JsonObject:
    return {
        "venue_key": venue_key,
        "name": show.name,
        "description": show.description,
        "category": show.category,
        "performers": list(show.performers),
        "start_at": _rfc3339(start_at),
        "end_at": _rfc3339(start_at + _SHOW_LENGTH),
        "onsale": {
            "opens_at": _rfc3339(onsale.opens_at),
            "hold_seconds": onsale.hold_seconds,
            "max_per_order": onsale.max_per_order,
            "queue_required": onsale.queue_required,
            "admit_per_minute": onsale.admit_per_minute,
        },
    }


def _dodger_concert(now: datetime) -> JsonObject:
    onsale = _Onsale(
        opens_at=now - timedelta(hours=1),
        hold_seconds=600,
        max_per_order=8,
        queue_required=False,
        admit_per_minute=600,
    )
    zone = ZoneInfo(next(v["time_zone"] for v in demo_venues() if v["key"] == DODGER_STADIUM_KEY))
    in_a_month = now.astimezone(zone) + timedelta(days=30)  # the stadium's date a month from now
    start_at = _local(in_a_month, _STADIUM_CURTAIN[0], _STADIUM_CURTAIN[1], zone)
    return _event(_DODGER_CONCERT, DODGER_STADIUM_KEY, start_at, onsale)


def demo_events(now: datetime) -> list[JsonObject]:
    """Every demo event as a `POST /admin/events` body, `venue_key` for `venue_id`.

    The stadium concert is on sale from an hour before `now` and starts at 7:30 PM in Los
    Angeles, 30 days after it; the other events start 2 to 120 days after `now`, most of them
    already on sale, a few not yet. The same `now` always gives the same list.
    """
    rng = random.Random(_SEED)
    now = _as_utc(now)
    today = now.replace(hour=0, minute=0, second=0)
    events = [_dodger_concert(now)]
    zones = {venue["key"]: ZoneInfo(venue["time_zone"]) for venue in demo_venues()}
    show_days_by_venue: dict[str, set[int]] = {}
    for date in _DATES:
        show = _SHOWS[date.show]
        zone = zones[date.venue_key]
        taken_days = show_days_by_venue.setdefault(date.venue_key, set())
        first_day = _FIRST_SHOW_DAY_IF_ONSALE_LATER if date.opens_later else _FIRST_SHOW_DAY
        day = rng.randint(first_day, _LAST_SHOW_DAY)
        while day in taken_days:  # one show per venue per day
            day = rng.randint(first_day, _LAST_SHOW_DAY)
        taken_days.add(day)
        hour, minute = rng.choice(_CURTAIN_TIMES[show.category])
        start_at = _local(today + timedelta(days=day), hour, minute, zone)
        if date.opens_later:
            opens_day = today + timedelta(days=rng.randint(1, 10))
        else:
            opens_day = today - timedelta(days=rng.randint(1, 30))
        opens_at = _local(opens_day, _ONSALE_LOCAL_HOUR, 0, zone)
        low, high = _MAX_PER_ORDER[show.category]
        onsale = _Onsale(
            opens_at=opens_at,
            hold_seconds=rng.choice(_HOLD_SECONDS),
            max_per_order=4 if date.waiting_room else rng.randint(low, high),
            queue_required=date.waiting_room,
            admit_per_minute=(
                _WAITING_ROOM_ADMIT_PER_MINUTE if date.waiting_room else _STANDARD_ADMIT_PER_MINUTE
            ),
        )
        events.append(_event(show, date.venue_key, start_at, onsale))
    return events
