"""Response timestamps as UTC datetimes.

SageMaker speaks a JSON protocol: its timestamps arrive as epoch seconds, which botocore's
default parser turns into local time through dateutil's `tzlocal`, the costliest step of
parsing a page of listed endpoints or model packages (a settled fleet's only calls). The
same instant in UTC compares equal to it, and is what status and logs print anyway.
"""

from __future__ import annotations

from datetime import UTC, datetime

import botocore.session
import botocore.utils


def parse_utc_timestamp(value: object) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    parsed: datetime = botocore.utils.parse_timestamp(str(value))
    return parsed.astimezone(UTC)


def use_utc_timestamps(session: botocore.session.Session) -> None:
    """Clients the session creates from now on parse timestamps with parse_utc_timestamp."""
    session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=parse_utc_timestamp
    )
