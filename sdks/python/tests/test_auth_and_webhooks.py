"""OAuth client credentials with token renewal, and a real webhook
delivery verified with the SDK's verifier."""

from __future__ import annotations

import http.server
import queue
import threading
import time

import pytest

import clusterdb
from clusterdb import ClusterDB, webhooks


def test_the_access_token_is_renewed_before_it_expires(db: ClusterDB, server, unique: str) -> None:
    admin = next(db.users.list(name="admin"))
    client = db.oauth_clients.create({"name": unique, "owner": admin.id, "scopes": ["compute:read"]})
    credentials = clusterdb.ClientCredentials(client.id, client.client_secret)
    with ClusterDB(server.url, credentials=credentials) as app:
        list(app.fleets.list(page_size=1))
        list(app.fleets.list(page_size=1))
        assert credentials.fetches == 1  # cached
        time.sleep(3)  # the server's tokens live 3 s (--access-token-ttl)
        list(app.fleets.list(page_size=1))
        assert credentials.fetches == 2  # renewed, and the call succeeded
        with pytest.raises(clusterdb.PermissionDeniedError):
            app.fleets.create({"name": unique, "capacity": 1, "instance_type": "t3.nano"})
    bad = ClusterDB(server.url, client_id=client.id, client_secret="wrong", max_retries=0)
    with bad, pytest.raises(clusterdb.AuthenticationError) as raised:
        list(bad.fleets.list())
    assert raised.value.code == "invalid_client"


class Receiver(http.server.BaseHTTPRequestHandler):
    received: queue.Queue = queue.Queue()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.received.put((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_real_delivery_verifies(db: ClusterDB, unique: str) -> None:
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        endpoint = db.webhooks.create({"name": unique, "url": url, "events": ["webhook.test"]})
        assert endpoint.secret.startswith("whsec_")
        db.webhooks.test(endpoint.id)
        headers, body = Receiver.received.get(timeout=15)
        event = webhooks.verify(endpoint.secret, headers, body)
        assert event["type"] == "webhook.test"
        with pytest.raises(clusterdb.WebhookVerificationError):
            webhooks.verify(endpoint.secret, headers, body + b" ")
        with pytest.raises(clusterdb.WebhookVerificationError):
            webhooks.verify(endpoint.secret, headers, body, now=time.time() + 3600)
        rotated = db.webhooks.rotate_secret(endpoint.id)
        assert rotated.secret != endpoint.secret
        deliveries = list(db.webhooks.deliveries(endpoint.id))
        assert deliveries and deliveries[0].attempts
        assert db.webhooks.get_delivery(endpoint.id, deliveries[0].id).id == deliveries[0].id
        db.webhooks.redeliver(endpoint.id, deliveries[0].id)
        headers, body = Receiver.received.get(timeout=15)
        assert webhooks.verify(rotated.secret, headers, body)["type"] == "webhook.test"
        db.webhooks.delete(endpoint.id)
    finally:
        receiver.shutdown()
