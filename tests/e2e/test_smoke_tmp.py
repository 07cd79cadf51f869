def test_project_new_and_list(bot):
    answer = bot.command("/project", "new 아토피 없는 경기도 key=ATOPY <@U2|lee>")
    print(answer)
    assert "ATOPY" in answer["text"]
    listing = bot.command("/project", "list", user="U3")
    print(listing)
    msg = bot.fake.wait_for("chat.postMessage")
    print(msg)
