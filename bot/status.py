"""What the bot is doing, for the people who run it: `python -m bot status` and the /healthz endpoint.

Read from the database, so any process can tell: the running bot records its start, every completed
sweep and every notes sync in the store's `runtime` records.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings
from bot.store import Store

# A bot whose scheduler has not completed a sweep for this many sweep intervals is wedged: restart it.
STALE_AFTER_SWEEPS = 3


def bot_status(store: Store, settings: Settings, now: datetime) -> dict:
    """Chats, the last day's deliveries, the last sweep, the notes and the health verdict, as JSON data."""
    chats: dict[str, dict] = {}
    for platform, status, reason, count in store.chats.counts():
        entry = chats.setdefault(platform, {"active": 0, "new": 0, "stopped": 0, "inactive": {}})
        if status == "inactive":
            entry["inactive"][reason or "unknown"] = count
        else:
            entry[status] = count
    deliveries = {"sent": 0, "claimed": 0, "empty": 0, "failed": 0,
                  **store.deliveries.counts_since(now - timedelta(days=1))}
    deliveries["past_lease"] = len(store.deliveries.stale_claims(now - settings.claim_lease))
    healthy, health = _health(store, settings.sweep_every, now)
    status = {"healthy": healthy, "health": health, "chats": chats, "deliveries_last_24h": deliveries,
              "last_sweep": store.runtime.get("last_sweep"), "started": store.runtime.get("started"),
              "notes": {**(store.runtime.get("notes") or {}), "topics": store.bank.topics()}}
    if settings.slack is not None and settings.slack.installs:
        status["slack_workspaces_installed"] = store.chats.installed_slack_workspaces()
    return status


def _health(store: Store, sweep_every: timedelta, now: datetime) -> tuple[bool, str]:
    """Healthy while the scheduler completed a sweep (or the bot started) within STALE_AFTER_SWEEPS
    intervals."""
    seen = [record[field] for record, field in ((store.runtime.get("last_sweep"), "finished_at"),
                                                 (store.runtime.get("started"), "at")) if record]
    if not seen:
        return False, "the bot has never run here"
    quiet = now - max(datetime.fromisoformat(at) for at in seen)
    if quiet > STALE_AFTER_SWEEPS * sweep_every:
        return False, (f"no sweep completed for {int(quiet.total_seconds())} s "
                       f"(one is due every {int(sweep_every.total_seconds())} s)")
    return True, "ok"


def status_text(status: dict) -> str:
    """The status for a person reading a terminal."""
    lines = ["Chats:"]
    for platform, counts in status["chats"].items() or [("-", None)]:
        if counts is None:
            lines.append("  none yet")
            continue
        inactive = counts["inactive"]
        reasons = f" ({', '.join(f'{reason} {n}' for reason, n in inactive.items())})" if inactive else ""
        lines.append(f"  {platform}: {counts['active']} active, {counts['new']} new, {counts['stopped']} stopped, "
                     f"{sum(inactive.values())} inactive{reasons}")
    if "slack_workspaces_installed" in status:
        lines.append(f"  Slack workspaces with the app installed: {status['slack_workspaces_installed']}")
    d = status["deliveries_last_24h"]
    lines.append(f"Deliveries in the last 24 hours: {d['sent']} sent, {d['claimed']} being sent, {d['failed']} failed, "
                 f"{d['empty']} with no question left; {d['past_lease']} claims past their lease")
    sweep = status["last_sweep"]
    lines.append(f"Last sweep: {sweep['finished_at']}, {sweep['seconds']:.2f} s, {sweep['sent']} sent, "
                 f"{sweep['failed']} failed" if sweep else "Last sweep: none yet")
    notes = status["notes"]
    topics = notes["topics"]
    synced = (f", synced {notes['synced_at']} (+{notes['added']} ~{notes['updated']} -{notes['retired']})"
              if "synced_at" in notes else "")
    lines.append(f"Notes: {sum(topics.values())} questions in {len(topics)} topics{synced}, "
                 f"{notes.get('warnings', 0)} warnings")
    lines += [f"  {topic}: {n}" for topic, n in topics.items()]
    lines += [f"  error: {error}" for error in notes.get("errors", [])]
    if git := notes.get("git"):
        lines.append(f"Git: {git['url']} {git['branch']}{'/' + git['subfolder'] if git['subfolder'] else ''} "
                     f"at {(git['commit'] or 'none')[:12]}, last pull {git['pulled_at'] or 'never'}"
                     + (f", last error: {git['error']}" if git["error"] else ""))
    lines.append(f"Health: {status['health']}")
    return "\n".join(lines)
