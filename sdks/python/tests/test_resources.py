"""Every resource of the API through the SDK, against the real server."""

from __future__ import annotations

import datetime
import pathlib
import time

import pytest

import clusterdb
from clusterdb import ClusterDB, models

WAT = (pathlib.Path(__file__).resolve().parents[2] / "testdata" / "uppercase.wat").read_text()


def eventually(check, timeout: float = 15.0):
    """`check()`'s first truthy answer, polling until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_fleets_and_their_instances(db: ClusterDB, unique: str) -> None:
    fleet = db.fleets.create(
        models.FleetInput(
            name=unique,
            capacity=2,
            instance_type="t3.medium",
            tags=models.FleetInputTags.from_dict({"environment": "production"}),
        )
    )
    assert fleet.id.startswith("fleet-")
    assert fleet.tags.to_dict() == {"environment": "production"}
    assert db.fleets.get(fleet.id).name == unique
    # The reconciler makes the fleet's instances.
    instances = eventually(lambda: _running(db, fleet.id, 2))
    assert all(i.fleet_id == fleet.id for i in instances)
    assert [f.id for f in db.fleets.list(tag={"environment": "production"}) if f.id == fleet.id] == [fleet.id]
    assert [f.id for f in db.fleets.list(name=unique)] == [fleet.id]
    scaled = db.fleets.replace(
        fleet.id, {"name": unique, "capacity": 1, "instance_type": "t3.medium"}, if_match=fleet
    )
    assert scaled.capacity == 1
    eventually(lambda: _running(db, fleet.id, 1))
    db.fleets.delete(fleet.id)
    eventually(lambda: _gone(lambda: db.fleets.get(fleet.id)))


def _running(db: ClusterDB, fleet_id: str, count: int) -> list | None:
    """The fleet's running instances, once there are exactly `count`."""
    running = [i for i in db.instances.list(fleet_id=fleet_id) if i.state == "running"]
    return running if len(running) == count else None


def _gone(read) -> bool:
    try:
        read()
    except clusterdb.NotFoundError:
        return True
    return False


def test_instances_start_and_stop(db: ClusterDB, unique: str) -> None:
    instance = db.instances.create({"name": unique, "instance_type": "t3.nano"})
    assert instance.state == "pending"
    assert db.instances.start(instance.id).state == "running"
    assert db.instances.stop(instance.id).state == "stopped"
    assert db.instances.start(instance.id).state == "running"
    db.instances.delete(instance.id)


def test_functions_invoke(db: ClusterDB, unique: str) -> None:
    function = db.functions.create({"name": unique, "runtime": "wasm", "code": WAT, "timeout_ms": 2000})
    result = db.functions.invoke(function.id, b"hello, sdk")
    assert result.status == "succeeded"
    assert result.output == "HELLO, SDK"
    assert result.fuel_used > 0
    assert db.functions.invoke(function.id, {"a": "b"}).output == {"A": "B"}
    assert db.functions.get(function.id).stats.invocations == 2
    db.functions.delete(function.id)


def test_virtual_services_apply_and_resolve(db: ClusterDB, unique: str) -> None:
    spec = {
        "name": unique,
        "hosts": [f"{unique}.example.com"],
        "http_routes": [{"route": [{"destination": {"host": "reviews-v2"}}]}],
    }
    dry = db.virtual_services.apply("default", unique, spec, dry_run=True)
    assert dry.name == unique
    with pytest.raises(clusterdb.NotFoundError):
        db.virtual_services.get_by_name("default", unique)
    applied = db.virtual_services.apply("default", unique, spec)
    assert db.virtual_services.get(applied.id).hosts == [f"{unique}.example.com"]
    resolution = db.virtual_services.resolve({"host": f"{unique}.example.com", "path": "/"})
    assert "reviews-v2" in str(resolution.to_dict())
    db.virtual_services.delete_by_name("default", unique)
    with pytest.raises(clusterdb.NotFoundError):
        db.virtual_services.get(applied.id)


def test_security_policies_apply_and_check(db: ClusterDB, unique: str) -> None:
    policy = db.security_policies.apply(
        "default",
        unique,
        {
            "name": unique,
            "action": "DENY",
            "rules": [{"from": [{"source": {"ip_blocks": ["10.9.0.0/16"]}}]}],
        },
    )
    denied = db.security_policies.check({"namespace": "default", "ip": "10.9.1.2"})
    allowed = db.security_policies.check({"namespace": "default", "ip": "192.0.2.1"})
    assert (denied.decision, allowed.decision) == ("DENY", "ALLOW")
    assert denied.policy.name == unique
    assert [p.id for p in db.security_policies.list(namespace="default") if p.id == policy.id] == [policy.id]
    db.security_policies.delete(policy.id)


def test_identity(db: ClusterDB, unique: str) -> None:
    user = db.users.create({"username": unique, "roles": ["viewer"]})
    key = db.api_keys.create(user.id, {"name": "ci"})
    assert key.key.startswith("cdb_")
    assert [k.id for k in db.api_keys.list(user.id)] == [key.id]
    with ClusterDB(db.base_url, api_key=key.key) as viewer:
        assert viewer.users.get(user.id).username == unique
        with pytest.raises(clusterdb.PermissionDeniedError):
            viewer.fleets.create({"name": unique, "capacity": 1, "instance_type": "t3.nano"})
    db.api_keys.revoke(user.id, key.id)
    revoked = ClusterDB(db.base_url, api_key=key.key, max_retries=0)
    with revoked, pytest.raises(clusterdb.AuthenticationError):
        revoked.users.get(user.id)

    group = db.groups.create({"name": unique, "roles": ["editor"]})
    assert db.groups.add_member(group.id, user.id).members == [user.id]
    db.groups.remove_member(group.id, user.id)
    assert db.groups.get(group.id).members == []
    db.groups.delete(group.id)

    admin = next(db.users.list(name="admin"))
    client = db.oauth_clients.create({"name": unique, "owner": admin.id, "scopes": ["compute:read"]})
    assert client.client_secret
    renewed = db.oauth_clients.reset_secret(client.id)
    assert renewed.client_secret and renewed.client_secret != client.client_secret
    db.oauth_clients.delete(client.id)
    db.users.delete(user.id)


def test_monitoring(db: ClusterDB, unique: str) -> None:
    service = unique[:60]
    pushed = db.monitoring.push(
        [{"metric": "http_requests_total", "labels": {"code": "500"}, "value": 7}], service=service
    )
    assert pushed.accepted == 1
    metrics = db.monitoring.metrics(service, window="1h", labels={"code": "500"})
    assert [s.metric for s in metrics.series] == ["http_requests_total"]
    rule = db.alert_rules.create(
        {
            "name": unique,
            "service": service,
            "metric": "http_requests_total",
            "aggregation": "max",
            "window": "5m",
            "op": ">",
            "threshold": 5,
        }
    )
    assert db.alert_rules.get(rule.id).threshold == 5
    assert isinstance(db.monitoring.alerts(), list)
    ends = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    silence = db.silences.create(
        {"matchers": [{"name": "alertname", "value": unique}], "ends_at": ends.isoformat()}
    )
    assert db.silences.expire(silence.id).id == silence.id
    db.silences.delete(silence.id)
    db.alert_rules.delete(rule.id)


def test_event_log(db: ClusterDB, unique: str) -> None:
    fleet = db.fleets.create({"name": unique, "capacity": 1, "instance_type": "t3.nano"})
    created = [
        e
        for e in db.events.list(types=["fleet.created"], page_size=2)
        if e["data"].get("fleet_id") == fleet.id
    ]
    assert len(created) == 1 and created[0]["data"]["name"] == unique
