"""`ClusterDB`: the client, with one attribute per resource family."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Self

import httpx

from . import _generated
from ._generated import models
from ._resource import Operations, Resource, model, paginate, tag_filters, version_of
from ._transport import RetryingTransport
from ._version import VERSION
from .auth import ApiKey, ClientCredentials, Credentials
from .errors import APIError
from .watch import EventWatch

USER_AGENT = f"clusterdb-python/{VERSION}"


def _raise_api_errors(response: httpx.Response) -> None:
    """The response hook: an answer of 400 or above raises its typed error."""
    if response.status_code >= 400:
        response.read()
        raise APIError.from_response(response)


class ClusterDB:
    """A ClusterDB server's REST API (`/v1`).

    >>> db = ClusterDB("http://127.0.0.1:7070", api_key="cdb_...")
    >>> fleet = db.fleets.create({"name": "web", "capacity": 3, "instance_type": "t3.medium"})

    Authenticate with `api_key=`, or with `client_id=` and `client_secret=`
    (OAuth2 client credentials; the access token is fetched, cached and
    renewed before it expires). Every call retries connection errors, 429
    and 503 up to `max_retries` times (honouring `Retry-After`), each POST
    with an automatic `Idempotency-Key`; `timeout` bounds each attempt.
    Errors raise `clusterdb.errors.APIError` subclasses.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        scope: str | None = None,
        credentials: Credentials | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_retry_wait: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if credentials is None:
            if api_key is not None:
                credentials = ApiKey(api_key)
            elif client_id is not None and client_secret is not None:
                credentials = ClientCredentials(client_id, client_secret, scope=scope)
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.transport = RetryingTransport(
            self.base_url,
            credentials,
            max_retries=max_retries,
            max_wait=max_retry_wait,
            inner=transport,
        )
        self.http = httpx.Client(
            base_url=self.base_url,
            transport=self.transport,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            event_hooks={"response": [_raise_api_errors]},
        )
        self.api = _generated.Client(base_url=self.base_url).set_httpx_client(self.http)
        self.fleets = Fleets(self)
        self.instances = Instances(self)
        self.functions = Functions(self)
        self.virtual_services = VirtualServices(self)
        self.security_policies = SecurityPolicies(self)
        self.users = Users(self)
        self.api_keys = ApiKeys(self)
        self.groups = Groups(self)
        self.oauth_clients = OAuthClients(self)
        self.webhooks = Webhooks(self)
        self.events = Events(self)
        self.alert_rules = AlertRules(self)
        self.silences = Silences(self)
        self.monitoring = Monitoring(self)

    def close(self) -> None:
        """Closes the connections."""
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Fleets(Resource[models.FleetOutput]):
    """Fleets: `list(name=, tag=)`."""

    family, singular, plural, items = "fleets", "fleet", "fleets", "fleets"
    input_model = models.FleetInput


class Instances(Resource[models.InstanceOutput]):
    """Instances: `list(fleet_id=, name=, tag=)`, `start`, `stop`."""

    family, singular, plural, items = "instances", "instance", "instances", "instances"
    input_model = models.InstanceInput

    def start(self, id: str) -> models.InstanceOutput:
        """Starts a stopped instance."""
        return self._ops.call("start_instance", id)

    def stop(self, id: str) -> models.InstanceOutput:
        """Stops a running instance."""
        return self._ops.call("stop_instance", id)


class Functions(Resource[models.FunctionOutput]):
    """Functions: create from WebAssembly (base64) or WebAssembly text, `invoke`."""

    family, singular, plural, items = "functions", "function", "functions", "functions"
    input_model = models.FunctionInput

    def invoke(self, id: str, payload: Any = None) -> models.InvocationOutput:
        """Runs the function with `payload` (JSON-encoded; `bytes` are sent
        as they are) and answers its output, logs, fuel and duration."""
        path = f"/v1/functions/{id}/invoke"
        if isinstance(payload, (bytes, bytearray)):
            headers = {"Content-Type": "application/octet-stream"}
            response = self._db.http.post(path, content=bytes(payload), headers=headers)
        else:
            response = self._db.http.post(path, json=payload)
        return models.InvocationOutput.from_dict(response.json())


class _Mesh(Resource[Any]):
    """A mesh kind: also addressed by namespace and name (`apply`)."""

    family = "mesh"

    def apply(
        self, namespace: str, name: str, body: Any, *, dry_run: bool = False, if_match: Any = None
    ) -> Any:
        """Creates or updates it by namespace and name; `dry_run` validates
        and answers the result without storing it."""
        return self._ops.call(
            f"apply_{self.singular}",
            namespace,
            name,
            body=model(self.input_model, body),
            dry_run=dry_run or None,
            if_match=version_of(if_match),
        )

    def get_by_name(self, namespace: str, name: str) -> Any:
        """Reads it by namespace and name."""
        return self._ops.call(f"get_{self.singular}_by_name", namespace, name)

    def delete_by_name(self, namespace: str, name: str, *, if_match: Any = None) -> Any:
        """Deletes it by namespace and name."""
        return self._ops.call(
            f"delete_{self.singular}_by_name", namespace, name, if_match=version_of(if_match)
        )


class VirtualServices(_Mesh):
    """Virtual services (Istio's `VirtualService`): `resolve` a request."""

    singular, plural, items = "virtual_service", "virtual_services", "virtual_services"
    input_model = models.VirtualServiceInput

    def resolve(self, request: Any) -> models.ResolutionJson:
        """Where the virtual services route a request."""
        return self._ops.call("resolve_route", body=model(models.RouteRequestJson, request))


class SecurityPolicies(_Mesh):
    """Security policies (Istio's `AuthorizationPolicy`): `check` a request."""

    singular, plural, items = "security_policy", "security_policies", "security_policies"
    input_model = models.SecurityPolicyInput

    def check(self, request: Any) -> models.DecisionJson:
        """Whether the policies allow a request, and which one decides."""
        return self._ops.call("check_security_policies", body=model(models.CheckRequestJson, request))


class Users(Resource[models.UserOutput]):
    """Users."""

    family, singular, plural, items = "users", "user", "users", "users"
    input_model = models.UserInput


class ApiKeys:
    """A user's API keys: the secret is in the answer to `create` only."""

    def __init__(self, db: ClusterDB) -> None:
        self._ops = Operations(db, "users")

    def create(self, user_id: str, body: Any = None) -> models.NewApiKeyOutput:
        """Makes a key (`{"name": ..., "expires_at": ...}`)."""
        return self._ops.call("create_api_key", user_id, body=model(models.ApiKeyInput, body or {}))

    def list(self, user_id: str) -> Iterator[models.ApiKeyOutput]:
        """The user's keys (without secrets)."""
        page = self._ops.call("list_api_keys", user_id)
        yield from page.api_keys

    def revoke(self, user_id: str, key_id: str) -> None:
        """Revokes a key: it stops working on every server at once."""
        self._ops.call("revoke_api_key", user_id, key_id)


class Groups(Resource[models.GroupOutput]):
    """Groups: `add_member`, `remove_member`."""

    family, singular, plural, items = "groups", "group", "groups", "groups"
    input_model = models.GroupInput

    def add_member(self, id: str, user_id: str) -> models.GroupOutput:
        """Adds a user to the group."""
        return self._ops.call("add_group_member", id, body=models.MemberInput(user_id=user_id))

    def remove_member(self, id: str, user_id: str) -> Any:
        """Removes a user from the group."""
        return self._ops.call("remove_group_member", id, user_id)


class OAuthClients(Resource[models.OAuthClientOutput]):
    """OAuth clients: the secret is in the answers to create and `reset_secret` only."""

    family, singular, plural, items = "oauth_clients", "o_auth_client", "o_auth_clients", "oauth_clients"
    input_model = models.OAuthClientInput

    def reset_secret(self, id: str) -> models.OAuthClientOutput:
        """Gives the client a new secret (the old one stops working)."""
        return self._ops.call("reset_o_auth_client_secret", id)


class Webhooks(Resource[models.WebhookOutput]):
    """Webhook endpoints, their deliveries, redeliveries, tests and secrets."""

    family, singular, plural, items = "webhooks", "webhook", "webhooks", "webhooks"
    input_model = models.WebhookInput

    def deliveries(self, id: str, *, page_size: int | None = None) -> Iterator[models.DeliveryOutput]:
        """The endpoint's deliveries with their attempts, newest first."""
        return paginate(
            lambda token: self._ops.call(
                "list_webhook_deliveries", id, page_size=page_size, page_token=token
            ),
            "deliveries",
        )

    def get_delivery(self, id: str, delivery_id: str) -> models.DeliveryOutput:
        """One delivery with its attempts."""
        return self._ops.call("get_webhook_delivery", id, delivery_id)

    def redeliver(self, id: str, delivery_id: str) -> Any:
        """Sends a delivery's event again."""
        return self._ops.call("redeliver_webhook", id, delivery_id)

    def rotate_secret(self, id: str, secret: str | None = None) -> models.WebhookOutput:
        """A new signing secret (generated unless given); the old one still
        signs for 24 hours. The answer's `secret` is the only copy."""
        body = models.SecretInput(secret=secret) if secret is not None else None
        return self._ops.call("rotate_webhook_secret", id, body=body)

    def test(self, id: str) -> models.TestOutput:
        """Sends a `webhook.test` event to the endpoint."""
        return self._ops.call("test_webhook", id)


class Events:
    """The event log: `list` (auto-paginating) and `watch` (live)."""

    def __init__(self, db: ClusterDB) -> None:
        self._db = db
        self._ops = Operations(db, "events")

    def list(
        self,
        *,
        after: int = 0,
        types: list[str] | None = None,
        kinds: list[str] | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every event after revision `after`, oldest first, up to now."""
        while True:
            page = self._ops.call(
                "list_events",
                after=after,
                page_size=page_size,
                types=",".join(types) if types else None,
                kinds=",".join(kinds) if kinds else None,
            )
            yield from page.events
            if page.next_after <= after:
                return
            after = page.next_after

    def watch(
        self,
        *,
        after: int | str = "now",
        types: list[str] | None = None,
        kinds: list[str] | None = None,
        last_event_id: str | None = None,
    ) -> EventWatch:
        """Follows the log live (server-sent events), resuming where it
        stopped when the connection drops; a position older than the
        history kept raises `OutOfRangeError`. Iterate it; `close()` ends it."""
        return EventWatch(self._db.http, after=after, types=types, kinds=kinds, last_event_id=last_event_id)


class AlertRules(Resource[models.AlertRuleOutput]):
    """Alert rules."""

    family, singular, plural, items = "monitoring", "alert_rule", "alert_rules", "alert_rules"
    input_model = models.AlertRuleInput


class Silences(Resource[models.SilenceOutput]):
    """Silences: `expire` ends one now."""

    family, singular, plural, items = "monitoring", "silence", "silences", "silences"
    input_model = models.SilenceInput

    def expire(self, id: str) -> models.SilenceOutput:
        """Ends the silence now."""
        return self._ops.call("expire_silence", id)


class Monitoring:
    """Samples, the metrics history and alerts."""

    def __init__(self, db: ClusterDB) -> None:
        self._ops = Operations(db, "monitoring")

    def push(self, samples: list[Any], *, service: str | None = None) -> models.PushOutput:
        """Pushes samples (`{"service", "metric", "labels", "value", "timestamp"}`)."""
        body = [model(models.SampleJson, sample) for sample in samples]
        return self._ops.call("push_samples", body=body, service=service)

    def metrics(
        self,
        service: str,
        *,
        window: str | None = None,
        step: str | None = None,
        metric: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> models.MetricsOutput:
        """A service's series over `window` (e.g. `1h`) at `step` spacing."""
        return self._ops.call(
            "query_metrics",
            service=service,
            window=window,
            step=step,
            metric=metric,
            label=tag_filters(labels),
        )

    def alerts(self, *, state: str | None = None) -> list[models.AlertOutput]:
        """Pending, firing and recently resolved alerts."""
        return self._ops.call("list_alerts", state=state).alerts
