"""Every error the staff API answers, as JSON: `{"error": "<reason code>", "message": "<sentence>"}`."""

from __future__ import annotations

from http import HTTPStatus
from typing import Dict, Optional

from sanic import response
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.log import error_logger
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from seva.workflow import CONFLICT_REASONS, FORBIDDEN_REASONS, Refused

# Sanic's own errors (routing, body size), by status; others are named after their status.
SANIC_REASONS = {
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not take that method."),
    413: ("payload_too_large", "The request body is too large."),
}


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, headers: Optional[Dict[str, str]] = None, **details: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.headers = headers or {}
        self.details = details


def refusal(refused: Refused) -> ApiError:
    """The workflow's refusal as an HTTP error: who asks (403), the complaint's state (409), the request (422)."""
    if refused.reason in FORBIDDEN_REASONS:
        status = 403
    elif refused.reason in CONFLICT_REASONS:
        status = 409
    else:
        status = 422
    return ApiError(status, refused.reason, refused.message)


def error_json(
    status: int, error: str, message: str, headers: Optional[Dict[str, str]] = None, **details: str
) -> HTTPResponse:
    return response.json({"error": error, "message": message, **details}, status=status, headers=headers)


class JsonErrors(ErrorHandler):
    """Sanic's error handler, answering JSON for our errors, Sanic's own, a database that is down and bugs."""

    def default(self, request, exception) -> HTTPResponse:
        if isinstance(exception, ApiError):
            return error_json(
                exception.status, exception.error, exception.message, exception.headers, **exception.details
            )
        if isinstance(exception, SQLAlchemyError):
            error_logger.error("database unavailable for %s %s: %s", request.method, request.path, exception)
            return error_json(503, "service_unavailable", "The complaints database cannot be reached; try again.")
        if isinstance(exception, SanicException):
            status = HTTPStatus(exception.status_code)
            if status >= 500:
                self.log(request, exception)
            error, message = SANIC_REASONS.get(status, (status.phrase.lower().replace(" ", "_"), str(exception)))
            return error_json(exception.status_code, error, message, getattr(exception, "headers", None))
        error_logger.exception("unexpected error in %s %s", request.method, request.path)
        return error_json(500, "internal_error", "Something went wrong on our side.")
