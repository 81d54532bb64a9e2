"""Every user-visible string, in Korean and English; each chat picks its language.

Strings are markdown; `{p}` is how commands are typed on the chat's platform ('/' or '/quiz ').
"""

from __future__ import annotations

LANGUAGES = ("ko", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "welcome": {
        "ko": "안녕하세요! Daily Drill은 매일 한 문제씩 보내 드리는 학습 봇입니다. 답을 떠올려 본 뒤 **정답 보기**로 "
              "확인하고 스스로 채점하세요. 매일 채점하면 연속 기록과 점수가 쌓입니다.\n"
              "시작하려면 `{p}subscribe` (예: `{p}subscribe 09:00 Asia/Seoul`).",
        "en": "Hi! Daily Drill sends one study question a day. Think of your answer, tap **Show answer**, then grade "
              "yourself. Grading every day builds your streak and earns points.\n"
              "To start: `{p}subscribe` (e.g. `{p}subscribe 09:00 Asia/Seoul`).",
    },
    "welcome_subscribed": {
        "ko": "안녕하세요! 이 대화방은 이미 매일 문제를 받고 있습니다. 바로 연습하려면 `{p}quiz`.",
        "en": "Hi! This chat already gets a daily question. To practise right now: `{p}quiz`.",
    },
    "help": {
        "ko": "명령어\n"
              "`{p}quiz [주제]` 연습 문제\n"
              "`{p}streak` 내 연속 기록\n"
              "`{p}leaderboard [week|month|all|hide|show]` 순위표\n"
              "`{p}weak` 가장 어려웠던 문제\n"
              "`{p}flag [이유]` 최근 문제의 오류 신고\n"
              "`{p}remind on [HH:MM]|off` 채점 알림\n"
              "`{p}subscribe [HH:MM] [시간대]` 매일 문제 받기\n"
              "`{p}schedule time|zone|days|topics|language 값` 일정 바꾸기\n"
              "`{p}unsubscribe` 그만 받기\n"
              "`{p}topics` 주제 목록",
        "en": "Commands\n"
              "`{p}quiz [topic]` practice question\n"
              "`{p}streak` your streak\n"
              "`{p}leaderboard [week|month|all|hide|show]` leaderboard\n"
              "`{p}weak` the chat's hardest questions\n"
              "`{p}flag [reason]` report a problem with the latest question\n"
              "`{p}remind on [HH:MM]|off` a private reminder to grade\n"
              "`{p}subscribe [HH:MM] [zone]` get the daily question\n"
              "`{p}schedule time|zone|days|topics|language VALUE` change the schedule\n"
              "`{p}unsubscribe` stop\n"
              "`{p}topics` topics",
    },
    "unknown_command": {
        "ko": "모르는 명령어입니다. `{p}help`로 명령어 목록을 보세요.",
        "en": "Unknown command. See `{p}help` for the list.",
    },
    "argument_too_long": {
        "ko": "입력이 너무 깁니다. 예: `{p}schedule days mon-fri`",
        "en": "That is too long. Example: `{p}schedule days mon-fri`",
    },
    "stale_button": {
        "ko": "이 버튼은 더 이상 유효하지 않습니다.",
        "en": "This button is no longer valid.",
    },
    "stale_link": {
        "ko": "이 링크는 더 이상 유효하지 않습니다. 그룹에서 정답을 먼저 열어 주세요.",
        "en": "This link is no longer valid. Open the answer in the group first.",
    },
    "with_code": {"ko": "코드 서식으로 보기", "en": "See it with code"},
    "grade_in_group": {
        "ko": "채점은 그룹의 정답 메시지에서 해 주세요.",
        "en": "Grade yourself under the answer in the group.",
    },
    "daily_question": {
        "ko": "**오늘의 문제** ({date}, {topic})\n\n{question}",
        "en": "**Today's question** ({date}, {topic})\n\n{question}",
    },
    "practice_question": {
        "ko": "**연습 문제** ({topic})\n\n{question}",
        "en": "**Practice** ({topic})\n\n{question}",
    },
    "show_answer": {"ko": "정답 보기", "en": "Show answer"},
    "grade_knew": {"ko": "알았음", "en": "Knew it"},
    "grade_partly": {"ko": "일부", "en": "Partly"},
    "grade_missed": {"ko": "몰랐음", "en": "Missed"},
    "answer": {
        "ko": "**{question}**\n\n{answer}\n\n어땠나요?",
        "en": "**{question}**\n\n{answer}\n\nHow did you do?",
    },
    "graded_on_time": {
        "ko": "기록했습니다: {grade} (+{points}점). 연속 {streak}일.",
        "en": "Recorded: {grade} (+{points}). Streak: {streak} days.",
    },
    "graded_late": {
        "ko": "기록했습니다: {grade}. 다음 문제가 이미 나와서 점수는 없지만 복습 일정에 반영됩니다.",
        "en": "Recorded: {grade}. The next question is already out, so no points, but it counts for your reviews.",
    },
    "grade_changed": {
        "ko": "채점을 바꿨습니다: {grade} ({points}점). 연속 {streak}일.",
        "en": "Grade changed: {grade} ({points} points). Streak: {streak} days.",
    },
    "practice_graded": {
        "ko": "기록했습니다: {grade}. 다음 복습: {due}.",
        "en": "Recorded: {grade}. Next review {due}.",
    },
    "in_minutes": {"ko": "{n}분 후", "en": "in {n} min"},
    "in_hours": {"ko": "{n}시간 후", "en": "in {n} h"},
    "in_days": {"ko": "{n}일 후", "en": "in {n} days"},
    "no_eligible_questions": {
        "ko": "오늘 보낼 문제가 없습니다 (주제: {topics}). `{p}schedule topics all`로 주제를 넓혀 보세요.",
        "en": "No question to send today (topics: {topics}). Try `{p}schedule topics all`.",
    },
    "no_questions": {
        "ko": "연습할 문제가 없습니다.",
        "en": "There are no questions to practise.",
    },
    "topics": {
        "ko": "주제\n{lines}\n이 대화방의 주제: {chosen}",
        "en": "Topics\n{lines}\nThis chat's topics: {chosen}",
    },
    "topic_line": {"ko": "• {topic}: {n}문제", "en": "• {topic}: {n} questions"},
    "all_topics": {"ko": "전체", "en": "all"},
    "unknown_topic": {
        "ko": "모르는 주제입니다: {value}. 주제: {topics}. 예: `{p}quiz docker`",
        "en": "Unknown topic: {value}. Topics: {topics}. Example: `{p}quiz docker`",
    },
    "streak": {
        "ko": "연속 기록: {current}일 (최고 {best}일)\n프리즈 {freezes}/2개: 7일 채점할 때마다 하나, 채점을 놓친 날 연속 기록을 지켜 줍니다.",
        "en": "Streak: {current} days (best {best})\nFreezes: {freezes} of 2. You earn one every 7 drill days you grade; "
              "one keeps your streak on a day you miss.",
    },
    "calendar_title": {
        "ko": "연속 {current}일 · 최고 {best}일 · 프리즈 {freezes}개",
        "en": "Streak {current} · best {best} · freezes {freezes}",
    },
    "calendar_lost": {"ko": "끊김", "en": "Broken"},
    "calendar_frozen": {"ko": "프리즈", "en": "Frozen"},
    "calendar_open": {"ko": "오늘", "en": "Today"},
    "calendar_off": {"ko": "쉬는 날", "en": "No drill"},
    "weak_title": {
        "ko": "**가장 어려웠던 문제** (최근 {days}일, 평균 채점: 3 알았음 … 1 몰랐음). 번호를 눌러 연습하세요.",
        "en": "**The hardest questions** (last {days} days, average grade: 3 knew … 1 missed). Tap a number to "
              "practise one.",
    },
    "weak_line": {
        "ko": "{n}. {question} — 평균 {average} ({grades}회)",
        "en": "{n}. {question} — average {average} ({grades} grades)",
    },
    "practise_number": {"ko": "{n}번", "en": "No. {n}"},
    "no_weak_spots": {
        "ko": "최근 {days}일 동안 채점된 문제가 없습니다.",
        "en": "No question was graded in the last {days} days.",
    },
    "report_problem": {"ko": "문제 신고", "en": "Report a problem"},
    "flag_thanks": {
        "ko": "고맙습니다! 노트 작성자에게 전달했습니다.",
        "en": "Thank you! The notes' authors will see your report.",
    },
    "nothing_to_flag": {
        "ko": "신고할 문제가 없습니다. 오늘의 문제가 온 뒤에 `{p}flag 이유`로 알려 주세요.",
        "en": "There is no question to report yet. Once today's question is here: `{p}flag reason`.",
    },
    "reminder_at": {
        "ko": "알림을 켰습니다: 오늘의 문제를 {at}까지 채점하지 않으면 개인 메시지로 알려 드립니다. 끄기: `{p}remind off`",
        "en": "Reminders on: if you have not graded the day's question by {at}, I will message you privately. "
              "To stop: `{p}remind off`",
    },
    "reminder_default": {
        "ko": "알림을 켰습니다: 다음 문제 3시간 전까지 채점하지 않으면 개인 메시지로 알려 드립니다. "
              "시간 지정: `{p}remind on 20:00`, 끄기: `{p}remind off`",
        "en": "Reminders on: if you have not graded the day's question 3 hours before the next one comes, I will "
              "message you privately. Your own time: `{p}remind on 20:00`; to stop: `{p}remind off`",
    },
    "reminder_off": {"ko": "알림을 껐습니다.", "en": "Reminders off."},
    "reminder_off_now": {
        "ko": "알림이 꺼져 있습니다. 켜기: `{p}remind on` 또는 `{p}remind on 20:00`",
        "en": "Reminders are off. To turn them on: `{p}remind on` or `{p}remind on 20:00`",
    },
    "bad_remind": {
        "ko": "`{p}remind on`, `{p}remind on 20:00` 또는 `{p}remind off`로 적어 주세요.",
        "en": "Try `{p}remind on`, `{p}remind on 20:00` or `{p}remind off`.",
    },
    "reminder_start_the_bot": {
        "ko": "알림은 개인 메시지로 갑니다. 먼저 저와의 개인 대화를 열고 시작(Start)을 누른 뒤 다시 `{p}remind on` 해 주세요.",
        "en": "Reminders come as private messages: open a private chat with me and press Start first, then "
              "`{p}remind on` again here.",
    },
    "reminder_streak": {
        "ko": "🔥 {chat}의 연속 기록 {streak}일이 걸려 있어요. 오늘의 문제를 아직 채점하지 않았습니다.",
        "en": "🔥 Your {streak}-day streak in {chat} is at stake: today's question is still waiting for your grade.",
    },
    "reminder_open": {
        "ko": "{chat}의 오늘의 문제가 아직 열려 있어요. 지금 풀어 보세요.",
        "en": "Today's question in {chat} is still open: there is time to try it.",
    },
    "recap_title": {"ko": "**지난주 돌아보기**", "en": "**Last week in review**"},
    "recap_members": {
        "ko": "{members}명이 채점했고, {drill_days}번의 문제 중 {days}번 채점이 있었습니다.",
        "en": "{members} members graded, on {days} of {drill_days} drill days.",
    },
    "recap_hardest": {
        "ko": "가장 어려웠던 문제: {question} (평균 {average})",
        "en": "The hardest question: {question} (average {average})",
    },
    "recap_streaks": {"ko": "가장 긴 연속 기록: {streaks}", "en": "Longest streaks: {streaks}"},
    "recap_streak": {"ko": "{name} {days}일", "en": "{name} {days} days"},
    "recap_improved": {
        "ko": "가장 많이 오른 사람: {name} (+{points}점)",
        "en": "Most improved: {name} (+{points} points on the week before)",
    },
    "recap_fading": {
        "ko": "팀이 가장 빨리 잊고 있는 주제: {topic}",
        "en": "The topic the team is forgetting fastest: {topic}",
    },
    "practise_it": {"ko": "이 문제 연습", "en": "Practise it"},
    "last_freeze": {
        "ko": "마지막 프리즈: {day}",
        "en": "Last freeze used: {day}",
    },
    "leaderboard_title": {"ko": "**순위표: {period}**", "en": "**Leaderboard: {period}**"},
    "weekly_summary": {"ko": "**지난주 결과**", "en": "**Last week's results**"},
    "period_week": {"ko": "이번 주", "en": "this week"},
    "period_month": {"ko": "이번 달", "en": "this month"},
    "period_all": {"ko": "전체", "en": "all time"},
    "leaderboard_line": {
        "ko": "{rank}. {name}: {points}점, 연속 {streak}일",
        "en": "{rank}. {name}: {points} pts, streak {streak}",
    },
    "leaderboard_empty": {"ko": "아직 기록이 없습니다.", "en": "No grades yet."},
    "leaderboard_hidden": {
        "ko": "순위표에서 숨겼습니다. 다시 보이려면 `{p}leaderboard show`.",
        "en": "You are hidden from the leaderboard. To show again: `{p}leaderboard show`.",
    },
    "leaderboard_shown": {"ko": "순위표에 다시 보입니다.", "en": "You are on the leaderboard again."},
    "bad_period": {
        "ko": "알 수 없는 기간입니다: {value}. 예: `{p}leaderboard month`",
        "en": "Unknown period: {value}. Example: `{p}leaderboard month`",
    },
    "admins_only": {
        "ko": "이 대화방의 일정은 관리자만 바꿀 수 있습니다.",
        "en": "Only this chat's admins can change its schedule.",
    },
    "bad_subscribe": {
        "ko": "사용법: `{p}subscribe [HH:MM] [시간대]`. 예: `{p}subscribe 09:00 Asia/Seoul`",
        "en": "Usage: `{p}subscribe [HH:MM] [zone]`. Example: `{p}subscribe 09:00 Asia/Seoul`",
    },
    "bad_time": {
        "ko": "잘못된 시간입니다: {value}. 예: `{p}subscribe 09:00`",
        "en": "Invalid time: {value}. Example: `{p}subscribe 09:00`",
    },
    "bad_zone": {
        "ko": "모르는 시간대입니다: {value}. 예: `{p}schedule zone Asia/Seoul`",
        "en": "Unknown time zone: {value}. Example: `{p}schedule zone Europe/Berlin`",
    },
    "bad_days": {
        "ko": "잘못된 요일입니다: {value}. 예: `{p}schedule days mon-fri`",
        "en": "Invalid days: {value}. Example: `{p}schedule days mon,wed,fri`",
    },
    "bad_language": {
        "ko": "지원하지 않는 언어입니다: {value}. 예: `{p}schedule language en`",
        "en": "Unsupported language: {value}. Example: `{p}schedule language ko`",
    },
    "bad_schedule": {
        "ko": "사용법: `{p}schedule time|zone|days|topics|language 값`. 예: `{p}schedule days mon-fri`",
        "en": "Usage: `{p}schedule time|zone|days|topics|language VALUE`. Example: `{p}schedule time 08:30`",
    },
    "not_subscribed": {
        "ko": "이 대화방은 구독 중이 아닙니다. `{p}subscribe`로 시작하세요.",
        "en": "This chat is not subscribed. Start with `{p}subscribe`.",
    },
    "subscribed": {
        "ko": "구독했습니다. {days} {at} ({zone}), 주제: {topics}. 다음 문제: {next}",
        "en": "Subscribed: {days} at {at} ({zone}), topics: {topics}. Next question: {next}",
    },
    "schedule_now": {
        "ko": "일정: {days} {at} ({zone}), 주제: {topics}, 언어: {language}. 다음 문제: {next}",
        "en": "Schedule: {days} at {at} ({zone}), topics: {topics}, language: {language}. Next question: {next}",
    },
    "schedule_changed": {
        "ko": "일정을 바꿨습니다: {days} {at} ({zone}), 주제: {topics}, 언어: {language}. 다음 문제: {next}",
        "en": "Schedule changed: {days} at {at} ({zone}), topics: {topics}, language: {language}. Next question: {next}",
    },
    "schedule_saved_not_subscribed": {
        "ko": "저장했습니다. 매일 문제를 받으려면 `{p}subscribe`.",
        "en": "Saved. To get the daily question: `{p}subscribe`.",
    },
    "unsubscribed": {
        "ko": "매일 문제를 그만 보냅니다. 기록은 남아 있습니다. 다시 시작: `{p}subscribe`",
        "en": "Daily questions stopped. Your history is kept. To restart: `{p}subscribe`",
    },
    "answered_count": {"ko": "오늘 {n}명이 채점했습니다", "en": "{n} answered today"},
    "answer_already_posted": {
        "ko": "정답은 위 문제의 답글에 있습니다 (가려진 글을 누르세요).",
        "en": "The answer is posted as a reply to the question above (tap the hidden text).",
    },
    "command_start": {"ko": "시작하기와 안내", "en": "Welcome and how it works"},
    "command_help": {"ko": "명령어 목록", "en": "List of commands"},
    "command_quiz": {"ko": "연습 문제 [주제]", "en": "Practice question [topic]"},
    "command_streak": {"ko": "내 연속 기록", "en": "Your streak"},
    "command_weak": {"ko": "가장 어려웠던 문제", "en": "The chat's hardest questions"},
    "command_remind": {"ko": "채점 알림 on [HH:MM] | off", "en": "Reminder to grade: on [HH:MM] | off"},
    "command_flag": {"ko": "최근 문제의 오류 신고 [이유]", "en": "Report a problem with the latest question [reason]"},
    "command_leaderboard": {"ko": "순위표 [week|month|all]", "en": "Leaderboard [week|month|all]"},
    "command_subscribe": {"ko": "매일 문제 받기 [HH:MM] [시간대]", "en": "Get the daily question [HH:MM] [zone]"},
    "command_schedule": {"ko": "일정 바꾸기", "en": "Change the schedule"},
    "command_unsubscribe": {"ko": "매일 문제 그만 받기", "en": "Stop the daily question"},
    "command_topics": {"ko": "주제 목록", "en": "Topics"},
    "console_welcome": {
        "ko": "안녕하세요! Daily Drill은 매일 한 문제씩 보여 드리는 학습 봇입니다. 답을 떠올려 본 뒤 `/answer`로 "
              "정답을 확인하고 `/grade knew|partly|missed`(또는 `1`/`2`/`3`)로 스스로 채점하세요. "
              "매일 채점하면 연속 기록과 점수가 쌓입니다.\n"
              "언제든 `/quiz`로 연습할 수 있고, 명령어 목록은 `/help`입니다.",
        "en": "Hi! Daily Drill shows one study question a day. Think of your answer, type `/answer` to see it, "
              "then grade yourself with `/grade knew|partly|missed` (or `1`/`2`/`3`). Grading every day builds "
              "your streak and earns points.\n"
              "Practise any time with `/quiz`; `/help` lists the commands.",
    },
    "console_question_gone": {
        "ko": "이 문제는 더 이상 노트에 없습니다. `/quiz`로 다른 문제를 받아 보세요.",
        "en": "That question is no longer in the notes. Try `/quiz` for another one.",
    },
    "console_hint": {
        "ko": "(`/answer` 정답 확인, `/grade knew|partly|missed` 또는 `1`/`2`/`3` 채점, `/quit` 종료)",
        "en": "(`/answer` to reveal, `/grade knew|partly|missed` or `1`/`2`/`3` to grade, `/quit` to leave)",
    },
    "console_nothing_shown": {
        "ko": "아직 표시된 문제가 없습니다. `/quiz`로 연습 문제를 받아 보세요.",
        "en": "No question shown yet. Try `/quiz` for a practice question.",
    },
    "console_bad_grade": {
        "ko": "채점은 `/grade knew|partly|missed` 또는 `1`/`2`/`3`. 예: `/grade knew`",
        "en": "Grade with `/grade knew|partly|missed` or `1`/`2`/`3`. Example: `/grade knew`",
    },
    "console_practice_hint": {
        "ko": "(`/practice 1`…`/practice {n}` 그 문제 연습)",
        "en": "(`/practice 1`…`/practice {n}` to practise that question)",
    },
    "console_bad_practice": {
        "ko": "`/practice` 다음에 목록의 번호를 적어 주세요 (1…{n}). 목록은 `/weak`.",
        "en": "Give a number from the list after `/practice` (1…{n}). The list: `/weak`.",
    },
    "console_reveal_first": {
        "ko": "먼저 `/answer`로 정답을 확인하세요.",
        "en": "Reveal the answer first with `/answer`.",
    },
}


# Weekday names, Monday first; and how a whole week or its working days read.
WEEKDAYS = {"ko": ("월", "화", "수", "목", "금", "토", "일"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
MONTHS = {"ko": tuple(f"{month}월" for month in range(1, 13)),
          "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")}
_EVERY_DAY = {"ko": "매일", "en": "every day"}
_WORKING_DAYS = {"ko": "평일", "en": "weekdays"}


def days_text(language: str, days: frozenset[int]) -> str:
    """Drill days as people say them: "평일" / "weekdays", "매일" / "every day", "매주 월·수·금" / "Mon, Wed, Fri"."""
    language = language if language in WEEKDAYS else "en"
    if days == frozenset(range(7)):
        return _EVERY_DAY[language]
    if days == frozenset(range(5)):
        return _WORKING_DAYS[language]
    names = [WEEKDAYS[language][day] for day in sorted(days)]
    return "매주 " + "·".join(names) if language == "ko" else ", ".join(names)


def text(language: str, key: str, /, **values: object) -> str:
    """The message `key` in `language` (falling back to English), filled in with `values`."""
    entry = CATALOGUE[key]
    values.setdefault("p", "/")
    return entry.get(language, entry["en"]).format(**values)
