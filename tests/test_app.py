"""The real Application, offline: /start and /help by role, and no token in the logs."""


from tests.conftest import ADMIN, STRANGER


async def test_start_greets_and_points_to_link(bot):
    calls = await bot.send(STRANGER, "/start")
    assert [c.method for c in calls] == ["sendMessage"]
    assert calls[0].chat_id == STRANGER["id"]
    assert "Welcome, Stranger" in calls[0].text and "/link" in calls[0].text
    assert calls[0].params["parse_mode"] == "HTML"


async def test_help_depends_on_role(bot):
    stranger_help = bot.texts(await bot.send(STRANGER, "/help"))[0]
    admin_help = bot.texts(await bot.send(ADMIN, "/help"))[0]
    assert "/meetings" in stranger_help and "/addmember" not in stranger_help
    assert "/whoami" not in stranger_help
    assert "/addmember" in admin_help and "/whoami" in admin_help and "/audit" in admin_help


async def test_user_name_is_escaped(bot):
    hostile = {**STRANGER, "first_name": "<b>Eve</b> & co"}
    text = bot.texts(await bot.send(hostile, "/start"))[0]
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; co" in text and "<b>Eve" not in text
