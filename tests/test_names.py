"""Names everywhere: members by code or loose name through one resolver, with "Did you mean"
buttons; regions, time zones (names, cities, Forum host cities) and languages written loosely;
the import's region and language columns."""

from datetime import date
from zoneinfo import available_timezones

import pytest
from sqlmodel import select

from bot import names, parsing
from bot.importer import parse_csv, report
from handlers.guard import REFUSED
from handlers.registry import BUTTONS, BY_NAME
from storage.models import ActionItem, Member, Person, Role
from tests.fixtures_bot import (
    ADMIN,
    ANA,
    JAN,
    ask,
    audits,
    check_sane,
    data_fixture,  # noqa: F401
    snapshot_db,
    texts,
)

# The Global Forum's host cities and the zone each means.
HOSTS = {
    "Brussels": "Europe/Brussels", "Manila": "Asia/Manila", "Athens": "Europe/Athens",
    "Puerto Vallarta": "America/Mexico_City", "Geneva": "Europe/Zurich",
    "Mauritius": "Indian/Mauritius", "Port Louis": "Indian/Mauritius",
    "Stockholm": "Europe/Stockholm", "Istanbul": "Europe/Istanbul", "Dhaka": "Asia/Dhaka",
    "Berlin": "Europe/Berlin", "Marrakech": "Africa/Casablanca", "Quito": "America/Guayaquil",
    "Abu Dhabi": "Asia/Dubai", "Nice": "Europe/Paris",
}


async def member(services, code) -> Member:
    async with services.sessions() as session:
        return (await session.exec(select(Member).where(Member.code == code))).one()


async def niger_and_nigeria(bot):
    await ask(bot, ADMIN, "/addmember NE Niger")
    await ask(bot, ADMIN, "/addmember NG Nigeria")


class Offer:
    """The "Did you mean" message: its buttons, pressed on that message."""

    def __init__(self, bot, call) -> None:
        self.bot, self.call = bot, call
        self.buttons = call.buttons

    def __getitem__(self, index: int) -> tuple[str, str]:
        return self.buttons[index]

    async def press(self, who, data_: str) -> str:
        calls = await self.bot.click(who, data_, message_id=self.call.result["message_id"])
        check_sane(calls)
        return texts(calls)


async def offered(bot, who, text) -> Offer:
    """Send a command whose member is unclear; the candidate buttons it offers."""
    calls = await bot.send(who, text)
    check_sane(calls)
    assert "Did you mean Niger (NE) or Nigeria (NG)?" in texts(calls), texts(calls)
    return Offer(bot, calls[-1])


# --- members ---------------------------------------------------------------------------------

async def test_a_certain_name_is_used_by_every_member_command(bot, services, data):
    await ask(bot, ADMIN, "/addmember LU Luxembourg")
    assert "Luxembourg (LU) joined" in await ask(bot, ADMIN, "/steering add luxembourg")
    assert "Luxembourg (LU) left" in await ask(bot, ADMIN, "/steering remove Luxembourg")
    assert "holds the past troika seat" in await ask(bot, ADMIN, "/troika past Luxemburg")
    assert (await member(services, "LU")).troika == "past"
    text = await ask(bot, ADMIN, "/setfocal International Organization for Migration "
                                 "amy.pope@iom.example Amy Pope")
    assert "focal point for International Organization for Migration" in text
    text = await ask(bot, ADMIN, "/addaction finland 2007-12-31 Second pilot")
    assert "Added action item" in text
    async with services.sessions() as session:
        item = (await session.exec(select(ActionItem).order_by(ActionItem.id.desc()))).first()
    assert (item.member_id, item.due_date) == ((await member(services, "FI")).id,
                                               date(2007, 12, 31))
    calls = await bot.send(ADMIN, "/removemember Luxembourg")
    assert "Remove Luxembourg (LU)?" in texts(calls)
    assert ("Yes, remove LU", "rmm:LU") in calls[-1].buttons
    assert "Pilot on measuring" in await ask(bot, ANA, "/actions finland")
    assert "Liisa Virtanen" in await ask(bot, ANA, "/focal finlande")


async def test_no_candidate_says_so_and_how_to_list_members(bot, services, data):
    before = await snapshot_db(services)
    for command in ("/steering remove Narnia", "/troika past Narnia", "/removemember Narnia",
                    "/setfocal Narnia a@b.example A Person", "/addaction Narnia 2007-12-31 T"):
        text = await ask(bot, ADMIN, command)
        assert "I know no member called “Narnia”; send /members to list them." in text, text
        assert "code" not in text.split("\n")[0]
    assert "send /members to list them" in await ask(bot, ANA, "/focal Narnia")
    assert await snapshot_db(services) == before


@pytest.mark.parametrize("command, run_again, done", [
    ("/steering add Nige", "steering", "Nigeria (NG) joined the steering group."),
    ("/troika future Nige", "troika", "Nigeria (NG) now holds the future troika seat"),
    ("/removemember Nige", "removemember", "Remove Nigeria (NG)? Its history is kept."),
    ("/setfocal Nige ada@mfa.example.ng Ada Obi", "setfocal",
     "Ada Obi (ada@mfa.example.ng) is now the focal point for Nigeria (NG)."),
    ("/addaction Nige 2007-12-31 Diaspora survey", "addaction",
     "Added action item 5: Diaspora survey"),
])
async def test_did_you_mean_buttons_run_the_same_command(bot, services, data, command,
                                                         run_again, done):
    await niger_and_nigeria(bot)
    before = await snapshot_db(services)
    buttons = await offered(bot, ADMIN, command)
    assert [label for label, _ in buttons.buttons] == ["Niger (NE)", "Nigeria (NG)"]
    assert all(d.startswith(f"pick_{run_again}:") for _, d in buttons.buttons)
    assert await snapshot_db(services) == before  # asking changed nothing
    assert done in await buttons.press(ADMIN, buttons[1][1])
    # One press, one change: the same button again changes nothing more.
    after = await snapshot_db(services)
    assert "expired" in await buttons.press(ADMIN, buttons[1][1])
    assert "expired" in await buttons.press(ADMIN, buttons[0][1])
    assert await snapshot_db(services) == after


async def test_did_you_mean_admin_change_is_audited_and_guarded(bot, services, data):
    await niger_and_nigeria(bot)
    buttons = await offered(bot, ADMIN, "/steering add Nige")
    # Someone else pressing (a forwarded or forged button) is refused like the command.
    assert REFUSED in await buttons.press(JAN, buttons[1][1])
    assert not (await member(services, "NG")).steering
    await buttons.press(ADMIN, buttons[1][1])
    assert (await member(services, "NG")).steering
    entry = (await audits(services, "steering.add"))[-1]
    assert (entry.subject, entry.actor) == ("NG", str(ADMIN["id"]))


async def test_did_you_mean_for_focal_and_actions(bot, services, data):
    await niger_and_nigeria(bot)
    await ask(bot, ADMIN, "/setfocal NE awa@mfa.example.ne Awa Diop")
    buttons = await offered(bot, ANA, "/focal Nige")
    assert "Focal point for Niger (NE)" in await buttons.press(ANA, buttons[0][1])
    buttons = await offered(bot, ANA, "/actions Nige")
    assert "Open action items for Nigeria</b>: none." in await buttons.press(ANA, buttons[1][1])


async def test_forged_choice_buttons_are_refused_without_change(bot, services, data):
    await niger_and_nigeria(bot)
    buttons = await offered(bot, ADMIN, "/steering add Nige")
    token = buttons[0][1].split(":")[1]
    before = await snapshot_db(services)
    for forged in (f"pick_steering:{token}:BE", f"pick_troika:{token}:NE", "pick_steering:",
                   f"pick_steering:{token}:ne", "pick_steering:99:NE", f"pick_steering:{token}",
                   f"pick_steering:0{token}:NE", f"pick_steering:{token}:NE:x"):
        answer = await buttons.press(ADMIN, forged)  # malformed data: the registry's pattern
        assert "expired" in answer or answer == "This button is no longer valid.", forged
    assert await snapshot_db(services) == before


def test_each_choice_button_has_the_access_of_its_command():
    rows = {b.prefix: b for b in BUTTONS}
    for name, with_args in (("steering", True), ("troika", True), ("removemember", False),
                            ("setfocal", False), ("addaction", False), ("focal", False),
                            ("actions", False)):
        assert rows[f"pick_{name}"].access == BY_NAME[name, with_args]


async def test_guided_forms_take_a_member_name(bot, services, data):
    await ask(bot, ADMIN, "/addaction")
    await ask(bot, ADMIN, "finland")
    await ask(bot, ADMIN, "2007-12-31")
    assert "Added action item 5" in await ask(bot, ADMIN, "Second pilot")
    await niger_and_nigeria(bot)
    for answer in ("/setfocal", "Nige", "ada@mfa.example.ng", "Ada Obi"):
        await ask(bot, ADMIN, answer)
    buttons = await offered(bot, ADMIN, "skip")
    assert "focal point for Nigeria (NG)" in await buttons.press(ADMIN, buttons[1][1])
    async with services.sessions() as session:
        ada = (await session.exec(select(Person).where(Person.name == "Ada Obi"))).one()
        role = (await session.exec(select(Role).where(Role.person_id == ada.id))).one()
    assert role.member_id == (await member(services, "NG")).id


# --- regions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, region", [
    ("afrika", "African"), ("African", "African"),
    ("Western European", "Western European and Others"),
    ("WEOG", "Western European and Others"), ("GRULAC", "Latin American and Caribbean"),
    ("latin america", "Latin American and Caribbean"), ("asia", "Asia-Pacific"),
    ("Asia-Pacific", "Asia-Pacific"), ("EEG", "Eastern European"),
])
def test_regions_written_loosely(typed, region):
    assert parsing.region(typed) == region


async def test_members_of_a_region_written_loosely(bot, data):
    text = await ask(bot, ANA, "/members afrika")
    assert "Ghana" in text and "Belgium" not in text
    text = await ask(bot, ANA, "/members Western European")
    assert "Belgium" in text and "Ghana" not in text
    assert "Mexico" in await ask(bot, ANA, "/members GRULAC")
    assert "is not a UN regional group" in await ask(bot, ANA, "/members oceania")


# --- time zones ------------------------------------------------------------------------------

@pytest.mark.parametrize("city, zone", HOSTS.items())
def test_every_forum_host_city_is_a_time_zone(city, zone):
    assert parsing.zone(city) == zone
    assert parsing.zone(city.lower()) == zone


@pytest.mark.parametrize("typed, zone", [
    ("Europe/Brussels", "Europe/Brussels"), ("europe/brussels", "Europe/Brussels"),
    ("brussels", "Europe/Brussels"), ("new york", "America/New_York"),
    ("America/new_york", "America/New_York"), ("Mexico City", "America/Mexico_City"),
    ("UTC", "UTC"), ("Etc/GMT+5", "Etc/GMT+5"), ("Europe/Geneva", "Europe/Zurich"),
    ("Genève", "Europe/Zurich"), ("brusels", "Europe/Brussels"),
])
def test_time_zones_by_name_city_and_case(typed, zone):
    assert parsing.zone(typed) == zone


def test_the_host_city_table_holds_only_what_zone_names_do_not_give():
    cities = {names.key(z.rsplit("/", 1)[-1]) for z in available_timezones()}
    for city, zone in names.HOST_CITIES.items():
        assert zone in available_timezones()
        assert names.key(city) not in cities, f"{city} is already a zone's city"


def test_unknown_time_zones_are_refused_in_one_sentence():
    for typed in ("Moon/Base", "Atlantis", "", "x" * 200, "../../etc/passwd", "/etc/localtime"):
        with pytest.raises(parsing.BadInput, match="is not a time zone"):
            parsing.zone(typed)
    with pytest.raises(parsing.BadInput, match="did you mean"):
        parsing.zone("Europe/Bruxels x")


async def test_settings_take_cities_and_language_names(bot, services, data):
    assert "Time zone: America/New_York" in await ask(bot, ANA, "/settings timezone new york")
    assert "Time zone: Europe/Zurich" in await ask(bot, ANA, "/settings timezone Geneva")
    # the reply is in the language just chosen
    assert "Langue : Français" in await ask(bot, ANA, "/settings language Français")
    assert "Idioma: Español" in await ask(bot, ANA, "/settings language spanish")
    assert "Language: English" in await ask(bot, ANA, "/settings language English")
    assert "is not a language" in await ask(bot, ANA, "/settings language Klingon")
    async with services.sessions() as session:
        ana = await session.get(Person, 1)
    assert (ana.timezone, ana.language) == ("Europe/Zurich", "en")


async def test_meeting_zone_may_be_a_city(bot, data):
    text = await ask(bot, ADMIN, "/addmeeting 2007-10-02 10:00 Geneva | Friends of the Forum"
                                 " | Palais des Nations | all")
    assert "Friends of the Forum" in text and "not a time zone" not in text


# --- languages -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, code", [
    ("Français", "fr"), ("francais", "fr"), ("French", "fr"), ("fr", "fr"), ("FR", "fr"),
    ("español", "es"), ("Spanish", "es"), ("es", "es"), ("English", "en"), ("anglais", "en"),
])
def test_languages_written_loosely(typed, code):
    assert parsing.language(typed) == code


# --- the import ------------------------------------------------------------------------------

def test_import_region_and_language_columns_are_loose():
    plan = parse_csv(
        "code,name,region,language,focal_email,focal_name\n"
        "GH,Ghana,afrika,Français,kofi@mfa.example.gh,Kofi Mensah\n"
        "MX,Mexico,GRULAC,spanish,ana@sre.example.mx,Ana García\n"
        "FI,Finland,Western European,Klingon,liisa@formin.example,Liisa Virtanen\n".encode())
    assert plan.errors == [] and [r.code for r in plan.rows] == ["GH", "MX", "FI"]
    assert [(r.region, r.language) for r in plan.rows] == [
        ("African", "fr"), ("Latin American and Caribbean", "es"),
        ("Western European and Others", "en")]
    lines = report(plan)
    assert lines[0] == "3 rows read: 3 valid, 0 rejected."
    assert any(line.startswith("line 4: warning: language “Klingon”") and "English is used"
               in line for line in lines), lines
