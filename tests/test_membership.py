"""Membership: /members, /steering, /troika, /focal, /whoami and the admin changes."""

from sqlmodel import select

from storage.models import Member, Person, Role
from tests.fixtures_bot import (
    ADMIN,
    ANA,
    DELEGATE,
    GROUP_CHAT,
    JAN,
    ask,
    audits,
    check_sane,
    data_fixture,  # noqa: F401
    texts,
)


async def member(services, code):
    async with services.sessions() as session:
        return (await session.exec(select(Member).where(Member.code == code))).first()


async def test_members_grouped_by_region_with_organisations(bot, data):
    text = await ask(bot, DELEGATE, "/members")
    assert "<b>Members</b> (7)" in text
    assert "<b>African States</b> (1)" in text and "Ghana (GH)" in text
    assert "<b>Organisations</b> (1)" in text and "(IOM)" in text
    assert text.index("African") < text.index("Asia-Pacific") < text.index("Western European")


async def test_members_of_one_region_loosely_named(bot, data):
    text = await ask(bot, DELEGATE, "/members asia")
    assert "Philippines" in text and "Bangladesh" in text and "Belgium" not in text
    assert "Mexico" in await ask(bot, DELEGATE, "/members GRULAC")
    text = await ask(bot, DELEGATE, "/members Atlantis")
    assert "is not a UN regional group" in text and "Use: <code>/members [region]" in text


async def test_steering_counts_per_region_and_troika(bot, data):
    text = await ask(bot, DELEGATE, "/steering")
    assert "<b>Steering group</b> (4 members)" in text
    assert "<b>Western European and other States</b> (2): Belgium (BE), Finland (FI)" in text
    assert "Chair in office: Belgium (BE)" in text and "Next chair: Philippines (PH)" in text


async def test_troika_for_everyone(bot, data):
    text = await ask(bot, DELEGATE, "/troika")
    assert "Past chair: <i>not set</i>" in text and "Chair in office: Belgium" in text


async def test_focal_matches_loosely(bot, data):
    for query in ("belgium", "Belgique", "BE", "belgim", "Kingdom of Belgium"):
        text = await ask(bot, ANA, f"/focal {query}")
        assert "Focal point for Belgium (BE)" in text, query
        assert "Jan Peeters — jan.peeters@diplobel.example" in text
    assert "Philippines" in await ask(bot, ANA, "/focal Filipinas")


async def test_focal_ambiguous_and_unknown(bot, data):
    text = await ask(bot, ANA, "/focal land")  # Finland? Ghana? no clear match
    assert "Did you mean" in text or "I know no member" in text
    text = await ask(bot, ANA, "/focal Narnia")
    assert "I know no member called “Narnia”" in text
    assert "Tell me which member" in await ask(bot, ANA, "/focal")


async def test_focal_candidates_when_two_members_match(bot, services, data):
    await ask(bot, ADMIN, "/addmember NE Niger")
    await ask(bot, ADMIN, "/addmember NG Nigeria")
    calls = await bot.send(ANA, "/focal Nige")
    assert "Did you mean Niger (NE) or Nigeria (NG)?" in texts(calls)
    assert [d.rsplit(":", 1)[1] for _, d in calls[-1].buttons] == ["NE", "NG"]


async def test_focal_needs_a_linked_account_and_hides_emails_in_groups(bot, data):
    assert "/link" in await ask(bot, DELEGATE, "/focal Mexico")
    assert "private chat" in await ask(bot, ANA, "/focal Mexico", chat_id=GROUP_CHAT)


async def test_whoami(bot, data):
    text = await ask(bot, ANA, "/whoami")
    assert "<b>Ana García</b> — ana.garcia@sre.example.mx" in text
    assert "focal point for Mexico (MX)" in text and "America/Mexico_City" in text
    assert "/link" in await ask(bot, DELEGATE, "/whoami")
    assert "without a linked contact record" in await ask(bot, ADMIN, "/whoami")


async def test_addmember_state_and_organisation(bot, services, data):
    text = await ask(bot, ADMIN, "/addmember SN Senegal")
    assert "Added Senegal (SN): state, African States." in text
    text = await ask(bot, ADMIN, "/addmember icmpd International Centre for Migration Policy")
    assert "(ICMPD): organisation" in text
    entry = (await audits(services, "member.add"))[-1]
    assert entry.subject == "ICMPD" and entry.before is None and entry.after["kind"] == \
        "organisation"
    assert "already a member" in await ask(bot, ADMIN, "/addmember BE Belgium")


async def test_removemember_confirms_then_keeps_history(bot, services, data):
    calls = await bot.send(ADMIN, "/removemember BD")
    assert ("Yes, remove BD", "rmm:BD") in calls[0].buttons
    assert (await member(services, "BD")).active
    calls = await bot.click(ADMIN, "rmm:BD")
    check_sane(calls)
    removed = await member(services, "BD")
    assert not removed.active and removed.removed_at is not None
    assert "Bangladesh" not in await ask(bot, DELEGATE, "/members")
    assert "Feasibility study" in await ask(bot, ADMIN, "/action 2")  # history kept
    entry = (await audits(services, "member.remove"))[-1]
    assert entry.before["active"] is True and entry.after["active"] is False
    # Adding it back restores the same row.
    await ask(bot, ADMIN, "/addmember BD Bangladesh")
    assert (await member(services, "BD")).id == removed.id


async def test_removemember_cancel_button(bot, services, data):
    await bot.send(ADMIN, "/removemember GH")
    assert "Nothing was removed" in texts(await bot.click(ADMIN, "rmm:no"))
    assert (await member(services, "GH")).active


async def test_setfocal_creates_contact_replaces_previous_and_links(bot, services, data):
    text = await ask(bot, ADMIN, "/setfocal BD nasrin.akter@mofa.example.bd Nasrin Akter 5007")
    assert "Nasrin Akter (nasrin.akter@mofa.example.bd) is now the focal point for Bangladesh" \
        in text
    assert "Replaced: Rahim Chowdhury" in text and "Telegram account is linked" in text
    async with services.sessions() as session:
        nasrin = (await session.exec(select(Person).where(Person.telegram_id == 5007))).one()
        roles = (await session.exec(select(Role).where(Role.role == "focal_point"))).all()
    bangladesh = await member(services, "BD")
    assert [r.person_id for r in roles if r.member_id == bangladesh.id] == [nasrin.id]
    entry = (await audits(services, "focal.set"))[-1]
    assert entry.before["focal"][0]["name"] == "Rahim Chowdhury"
    assert entry.after["focal"][0]["email"] == "nasrin.akter@mofa.example.bd"
    text = await ask(bot, ADMIN, "/setfocal GH kofi@example.org Kofi Mensah 5001")
    assert "already linked to Ana García" in text


async def test_setfocal_validates_email(bot, services, data):
    text = await ask(bot, ADMIN, "/setfocal GH kofi(at)example Kofi Mensah")
    assert "is not an email address" in text and "/setfocal GH kofi.mensah@example.org" in text
    assert await audits(services, "focal.set") == []


async def test_steering_add_remove(bot, services, data):
    assert "Ghana (GH) joined the steering group" in await ask(bot, ADMIN, "/steering add GH")
    assert (await member(services, "GH")).steering
    assert "already in the steering group" in await ask(bot, ADMIN, "/steering add gh")
    assert "left the steering group" in await ask(bot, ADMIN, "/steering remove GH")
    assert not (await member(services, "GH")).steering
    assert [e.action for e in await audits(services)][-2:] == ["steering.add", "steering.remove"]
    assert "Say add or remove" in await ask(bot, ADMIN, "/steering join GH")


async def test_troika_moves_a_seat(bot, services, data):
    text = await ask(bot, ADMIN, "/troika present MX")
    assert "Mexico (MX) now holds the present troika seat (instead of Belgium (BE))" in text
    assert (await member(services, "BE")).troika is None
    assert (await member(services, "MX")).troika == "present"
    entry = (await audits(services, "troika.set"))[-1]
    assert entry.before["holder"] == "BE" and entry.after["holder"] == "MX"
    assert "is not a valid troika seat" in await ask(bot, ADMIN, "/troika next MX")


async def test_admin_commands_are_refused_to_linked_contacts_too(bot, services, data):
    assert "only administrators" in await ask(bot, JAN, "/steering add GH")
    assert not (await member(services, "GH")).steering
    assert (await audits(services, "denied"))[-1].subject == "steering"
