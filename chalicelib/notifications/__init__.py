"""Notifications: e-mails sent exactly once per fact, off the streams and a schedule.

- `facts`: what is worth an e-mail (a confirmed booking, a cancellation, a reminder, a new event
  at a followed venue, a waitlist offer), each with a key that names it once and for all;
- `ledger`: the sent-mail table, where a fact is claimed before sending and marked after;
- `recipients`: who an e-mail goes to, resolved from the users table at send time;
- `compose` + `templates/`: Jinja2 templates (HTML and text), QR codes, the MIME message;
- `unsubscribe`: signed one-click unsubscribe tokens (RFC 8058);
- `subscriptions`: following venues, marketing consent;
- `postman`: claim → resolve → compose → send → mark, for one fact;
- `streams`, `reminders`: the consumers `functions/mailer.py` and `functions/reminders.py` call.
"""
