"""The default backend: every message is written to the log (and, if NOTIFICATIONS_LOG_FILE
is set, appended as one line to that file, which is how the tests and the benchmark count
what was sent)."""

import json
import logging
import os

from django.conf import settings

from notifications.backends.base import Message, Recipient

logger = logging.getLogger("notifications.delivery")


class LogBackend:
    name = "log"

    def send(self, message: Message, recipient: Recipient) -> None:
        logger.info(
            "notification %s (%s) to %s: %s",
            message.notification_id,
            message.kind,
            recipient.platform or "email",
            message.title,
        )
        path = settings.NOTIFICATIONS_LOG_FILE
        if path:
            line = json.dumps(
                {
                    "notification": message.notification_id,
                    "kind": message.kind,
                    "to": recipient.address,
                    "platform": recipient.platform,
                }
            )
            # One write of a line shorter than PIPE_BUF with O_APPEND: lines of concurrent
            # processes never interleave.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)
