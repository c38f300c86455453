"""/notifications (inbox), /me/notification-preferences, /failed-messages (administrators)."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate, validates_schema, ValidationError

from api.auth import BEARER, current_actor, runtime, uow
from api.fields import ApiErrorSchema, ID_MAX, OfficeDateTime, PageQuerySchema, StrictSchema
from workflow.notifications import notices

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Notifications")
DOC = {"security": [BEARER]}
# The URL is judged by workflow/notifications/safe_urls.py alone (syntax and where it leads), so every refusal is
# one answer: 422 `unsafe_webhook_url` naming the field.
WEBHOOK_URL_DOC = {"format": "uri", "description": "http(s) to a host with public addresses only, or one listed "
                   "in WEBHOOK_ALLOWED_HOSTS; otherwise 422 unsafe_webhook_url."}


class InboxQuerySchema(PageQuerySchema):
    unread = fields.Boolean(load_default=False)
    before_id = fields.Integer(validate=validate.Range(1, ID_MAX))


class NotificationSchema(StrictSchema):
    id = fields.Integer()
    topic = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String()
    created_at = OfficeDateTime()
    read_at = OfficeDateTime(allow_none=True)


class InboxSchema(StrictSchema):
    unread = fields.Integer()
    items = fields.List(fields.Nested(NotificationSchema))


class MarkedSchema(StrictSchema):
    marked = fields.Integer()


class PreferencesSchema(StrictSchema):
    email = fields.Boolean()
    webhook = fields.Boolean()
    webhook_url = fields.String(allow_none=True, validate=validate.Length(max=500), metadata=WEBHOOK_URL_DOC)

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give email, webhook or webhook_url.", "_body")


class FailedMessageSchema(StrictSchema):
    id = fields.Integer()
    event_id = fields.String()
    recipient = fields.String()
    channel = fields.String()
    address = fields.String()
    subject = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = OfficeDateTime()


class RetrySchema(StrictSchema):
    ids = fields.List(fields.Integer(validate=validate.Range(1, ID_MAX)), validate=validate.Length(0, 1000),
                      metadata={"description": "Messages to retry; none given: every failed one."})


class RetriedSchema(StrictSchema):
    requeued = fields.List(fields.Integer())


@blp.route("/notifications")
class Inbox(MethodView):
    @blp.arguments(InboxQuerySchema, location="query", error_status_code=400)
    @blp.response(200, InboxSchema)
    @blp.doc(**DOC)
    def get(self, query):
        """The caller's inbox, newest first, with the count of unread notifications."""
        return notices.inbox(current_actor(), uow(), **query)


@blp.route("/notifications/<int:notification_id>/read")
class MarkRead(MethodView):
    @blp.response(200, MarkedSchema)
    @blp.doc(**DOC)
    def post(self, notification_id):
        return {"marked": notices.mark_read(current_actor(), uow(), notification_id)}


@blp.route("/notifications/read-all")
class MarkAllRead(MethodView):
    @blp.response(200, MarkedSchema)
    @blp.doc(**DOC)
    def post(self):
        return {"marked": notices.mark_read(current_actor(), uow())}


@blp.route("/me/notification-preferences")
class Preferences(MethodView):
    @blp.response(200, PreferencesSchema)
    @blp.doc(**DOC)
    def get(self):
        """The inbox always; e-mail and a chat-robot webhook as the caller chooses."""
        return notices.preferences(current_actor(), uow())

    @blp.arguments(PreferencesSchema)
    @blp.response(200, PreferencesSchema)
    @blp.doc(**DOC)
    def put(self, body):
        return notices.set_preferences(current_actor(), body, uow(), _webhook_hosts())


class DepartmentWebhookSchema(StrictSchema):
    department_id = fields.Integer(dump_only=True)
    url = fields.String(required=True, allow_none=True, validate=validate.Length(max=500), metadata=WEBHOOK_URL_DOC)


@blp.route("/departments/<int:department_id>/webhook")
class DepartmentWebhook(MethodView):
    @blp.arguments(DepartmentWebhookSchema)
    @blp.response(200, DepartmentWebhookSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.doc(**DOC)
    def put(self, body, department_id):
        """The department's chat-robot webhook for its approval tasks (administrators; null removes it)."""
        return notices.set_department_webhook(department_id, body["url"], current_actor(), uow(),
                                              _webhook_hosts())


def _webhook_hosts() -> frozenset[str]:
    return runtime().webhook_hosts


@blp.route("/failed-messages")
class FailedMessages(MethodView):
    @blp.response(200, FailedMessageSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.doc(**DOC)
    def get(self):
        """E-mails and webhooks that could not be delivered after every retry (administrators)."""
        return notices.failed_messages(current_actor(), uow())


@blp.route("/failed-messages/retry")
class RetryFailed(MethodView):
    @blp.arguments(RetrySchema)
    @blp.response(200, RetriedSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Administrators only")
    @blp.doc(**DOC)
    def post(self, body):
        """Put failed messages back in line; they go out with the next relay run."""
        rt = runtime()
        # Without a broker, send in the background at once; with one, the workers' sweep sends them within minutes.
        send = rt.send_in_background if rt.settings.redis_url is None else None
        return {"requeued": notices.retry_failed(current_actor(), uow(), body.get("ids"), send)}
