"""Pure domain code: content parsing, question choice, streaks, points, leaderboard, schedule maths."""
