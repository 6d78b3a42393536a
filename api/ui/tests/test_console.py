"""The web console in a real browser: Debian's headless Chromium, driven
through chromium-driver (WebDriver), against the real `clusterdb` binary.

Each test saves a screenshot of what it checked under
`target/console-screenshots/` (`CONSOLE_SCREENSHOTS` names another folder).
`CLUSTERDB_BIN` names the binary (default: the workspace's debug build).
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[3]
BINARY = os.environ.get("CLUSTERDB_BIN", str(ROOT / "target" / "debug" / "clusterdb"))
SHOTS = pathlib.Path(os.environ.get("CONSOLE_SCREENSHOTS", ROOT / "target" / "console-screenshots"))
WAT = ROOT / "sdks" / "testdata" / "uppercase.wat"


class Server:
    """`clusterdb serve` on a loopback port with its own data file."""

    def __init__(self, directory: pathlib.Path, *flags: str) -> None:
        data = directory / "data.redb"
        self.log = directory / "server.log"
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [BINARY, "serve", "--listen", "127.0.0.1:0", "--data", str(data), *flags],
                stdout=subprocess.PIPE, stderr=log, text=True,
            )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("listening on "):
                self.url = line.removeprefix("listening on ").strip()
                break
        else:
            raise RuntimeError(f"the server did not start: {self.log.read_text()}")
        self.key = (directory / "data.redb.admin-key").read_text().strip()

    def call(self, method: str, path: str, body: object = None, key: str | None = None) -> dict:
        """A REST call as the admin (or `key`): the JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/v1{path}", data=data, method=method)
        request.add_header("authorization", f"Bearer {key or self.key}")
        if data is not None:
            request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else {}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    started = Server(tmp_path_factory.mktemp("console"), "--alert-evaluation-interval", "1")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--window-size=1366,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def wait(browser, condition, timeout: float = 30):
    """Until `condition()` is truthy; a row re-rendered while it was read
    (live tables do that) is read again."""
    return WebDriverWait(
        browser, timeout, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]
    ).until(lambda _: condition())


def find(browser, selector: str):
    return browser.find_elements(By.CSS_SELECTOR, selector)


def click(browser, selector: str, timeout: float = 30) -> None:
    """Clicks the first element `selector` finds, found again if a live
    table re-rendered it between finding and clicking."""

    def clicked():
        found = find(browser, selector)
        if not found:
            return False
        found[0].click()
        return True

    wait(browser, clicked, timeout)


def shot(browser, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"{name}.png"))


def signed_out(browser, server: Server) -> None:
    """The console freshly loaded, with no credential."""
    browser.get(f"{server.url}/ui")
    browser.execute_script("sessionStorage.clear()")
    browser.refresh()


def sign_in(browser, server: Server, key: str | None = None) -> None:
    signed_out(browser, server)
    field = wait(browser, lambda: find(browser, '[data-test="signin-key"] input[name="key"]'))[0]
    field.send_keys(key or server.key)
    find(browser, '[data-test="signin-key"] button')[0].click()
    wait(browser, lambda: find(browser, '[data-test="principal"]'))


def open_view(browser, name: str) -> None:
    link = wait(browser, lambda: find(browser, f'nav a[data-view="{name}"]'))[0]
    link.click()
    wait(browser, lambda: browser.find_element(By.TAG_NAME, "h1").text.lower() == name)


def fill(browser, scope: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        element = find(browser, f'{scope} [name="{name}"]')[0]
        if element.tag_name == "select":
            browser.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)


def script_errors(browser) -> list[str]:
    """What the page's scripts threw, and what the CSP refused (an API
    error the test caused on purpose is not one)."""
    return [
        e["message"] for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]
    ]


def test_pages_carry_the_security_headers(server: Server) -> None:
    with urllib.request.urlopen(f"{server.url}/ui") as response:
        headers = response.headers
        page = response.read().decode()
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page and "style=" not in page
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{server.url}/ui/nope.js")
    assert missing.value.code == 404
    assert json.loads(missing.value.read())["error"]["code"] == "NOT_FOUND"


def test_sign_in_with_a_key_or_client_credentials_and_out(browser, server: Server) -> None:
    signed_out(browser, server)
    bad = wait(browser, lambda: find(browser, '[data-test="signin-key"] input[name="key"]'))[0]
    bad.send_keys("cdb_bogus")
    find(browser, '[data-test="signin-key"] button')[0].click()
    error = wait(browser, lambda: find(browser, '[data-test="error"]'))[0]
    assert "UNAUTHENTICATED" in error.text
    sign_in(browser, server)
    assert "admin" in find(browser, '[data-test="principal"]')[0].text
    # The credential is in this tab's session storage, not in a cookie or the URL.
    assert browser.get_cookies() == []
    assert server.key not in browser.current_url
    wait(browser, lambda: find(browser, '[data-test="counts"] .card'))
    assert find(browser, '[data-test="engine"]')[0].text.startswith("redb")
    assert "leads" in find(browser, '[data-test="leader"]')[0].text
    head = int(find(browser, '[data-test="revision"]')[0].text)
    server.call("POST", "/groups", {"name": "watchers"})
    wait(browser, lambda: int(find(browser, '[data-test="revision"]')[0].text) > head)
    wait(browser, lambda: find(browser, '[data-test="live"]')[0].text == "live")
    shot(browser, "overview")
    find(browser, '[data-test="sign-out"]')[0].click()
    wait(browser, lambda: find(browser, '[data-test="signin-client"]'))
    assert browser.execute_script("return sessionStorage.length") == 0

    admin = server.call("GET", "/auth/whoami")
    client = server.call("POST", "/oauth-clients", {"name": "console", "owner": admin["id"], "scopes": ["compute:read"]})
    fill(browser, '[data-test="signin-client"]', {"id": client["id"], "secret": client["client_secret"]})
    find(browser, '[data-test="signin-client"] button')[0].click()
    principal = wait(browser, lambda: find(browser, '[data-test="principal"]'))[0]
    assert client["id"] in principal.text and "compute:read" in principal.text
    views = [a.get_attribute("data-view") for a in find(browser, "nav a")]
    assert views == ["overview", "fleets", "functions", "events"], views
    assert script_errors(browser) == []


def test_a_new_fleets_instances_appear_without_a_reload(browser, server: Server) -> None:
    sign_in(browser, server)
    open_view(browser, "fleets")
    browser.execute_script("window.__marker = 'same page'")
    fill(browser, "form", {"name": "web-fleet", "capacity": "2", "instance_type": "t3.micro", "tags": "env=prod"})
    find(browser, 'form button[type="submit"]')[0].click()
    wait(browser, lambda: len(find(browser, '[data-test="instance-row"]')) == 2)
    row = wait(browser, lambda: find(browser, '[data-test="fleet-row"][data-name="web-fleet"]'))[0]
    wait(browser, lambda: row.find_element(By.CSS_SELECTOR, '[data-test="running"]').text == "2/2")
    assert browser.execute_script("return window.__marker") == "same page"
    # Scaled through the API elsewhere: the table follows the event log.
    fleet = server.call("GET", "/fleets?name=web-fleet")["fleets"][0]
    server.call("PUT", f"/fleets/{fleet['id']}", {"name": "web-fleet", "capacity": 3, "instance_type": "t3.micro"})
    wait(browser, lambda: find(browser, '[data-test="fleet-row"][data-name="web-fleet"] [data-test="running"]')[0].text == "3/3")
    shot(browser, "fleets")
    # An error shows the API's message beside the field it names.
    fill(browser, "form", {"name": "bad", "capacity": "0"})
    find(browser, 'form button[type="submit"]')[0].click()
    beside = wait(browser, lambda: find(browser, '[data-test="field-error"]'))[0]
    assert beside.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, "input").get_attribute("name") == "capacity"
    assert "INVALID_REQUEST" in find(browser, '[data-test="error"]')[0].text


def test_invoke_a_function_uploaded_as_a_file(browser, server: Server) -> None:
    sign_in(browser, server)
    open_view(browser, "functions")
    fill(browser, "form", {"name": "upper", "runtime": "wasm"})
    find(browser, 'form input[name="code"]')[0].send_keys(str(WAT))
    find(browser, 'form button[type="submit"]')[0].click()
    payload = wait(browser, lambda: find(browser, 'textarea[name="payload"]'))[0]
    payload.clear()
    payload.send_keys("hello console")
    payload.find_element(By.XPATH, "ancestor::form").find_element(By.CSS_SELECTOR, "button").click()
    output = wait(browser, lambda: find(browser, '[data-test="invocation-output"]'))[0]
    assert output.text == "HELLO CONSOLE"
    assert find(browser, '[data-test="invocation-status"]')[0].text == "succeeded"
    wait(browser, lambda: "1 invocations" in find(browser, '[data-test="stats"]')[0].text)
    shot(browser, "functions")


def test_apply_a_virtual_service_after_its_dry_run_diff(browser, server: Server) -> None:
    sign_in(browser, server)
    open_view(browser, "mesh")
    wait(browser, lambda: find(browser, '[data-test="editor"]'))
    find(browser, '[data-test="dry-run"]')[0].click()
    diff = wait(browser, lambda: find(browser, '[data-test="diff"] .add'))
    assert any("web.example.com" in line.text for line in diff)
    assert "created" in find(browser, '[data-test="outcome"]')[0].text
    # A dry run writes nothing.
    with pytest.raises(urllib.error.HTTPError):
        server.call("GET", "/mesh/virtual-services/default/web")
    find(browser, '[data-test="apply"]')[0].click()
    wait(browser, lambda: find(browser, '[data-test="applied"]'))
    wait(browser, lambda: find(browser, '[data-test="virtual_service-row"][data-name="web"]'))
    assert server.call("GET", "/mesh/virtual-services/default/web")["hosts"] == ["web.example.com"]
    # A change: the diff shows the line that goes and the one that comes.
    editor = find(browser, '[data-test="editor"]')[0]
    text = editor.get_attribute("value").replace("weight: 100", "weight: 100\n      - destination:\n          host: web-v2\n        weight: 0")
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", editor, text)
    assert not find(browser, '[data-test="apply"]')[0].is_enabled()
    find(browser, '[data-test="dry-run"]')[0].click()
    wait(browser, lambda: any("web-v2" in l.text for l in find(browser, '[data-test="diff"] .add')))
    assert "configured" in find(browser, '[data-test="outcome"]')[0].text
    shot(browser, "mesh")


def test_a_pushed_metric_is_charted_and_an_alert_fires(browser, server: Server) -> None:
    now = time.time()
    samples = [
        {"service": "web-service", "metric": "http_requests_total", "value": float(v),
         "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60 * (5 - i)))}
        for i, v in enumerate([3, 5, 8, 13, 21, 34])
    ]
    server.call("POST", "/monitoring/samples", samples)
    server.call("POST", "/monitoring/alert-rules", {
        "name": "busy", "service": "web-service", "metric": "http_requests_total",
        "aggregation": "max", "window": "10m", "op": ">", "threshold": 10, "for": "0s",
    })
    sign_in(browser, server)
    open_view(browser, "monitoring")
    fill(browser, "form", {"service": "web-service", "metric": "http_requests_total", "window": "1h", "step": "1m"})
    find(browser, 'form button[type="submit"]')[0].click()
    chart = wait(browser, lambda: find(browser, '[data-test="chart"] canvas'))[0]
    assert chart.size["width"] > 300
    state = wait(browser, lambda: find(browser, '[data-test="alert-row"][data-name="busy"] [data-test="alert-state"]'), 60)[0]
    wait(browser, lambda: state.text == "firing" or find(browser, '[data-test="alert-row"][data-name="busy"] [data-test="alert-state"]')[0].text == "firing", 60)
    shot(browser, "monitoring")
    # Silenced from its row: the silence exists and the alert says so.
    click(browser, '[data-test="alert-row"][data-name="busy"] [data-test="silence"]')
    wait(browser, lambda: "silenced" in find(browser, '[data-test="alert-row"][data-name="busy"] [data-test="alert-state"]')[0].text, 60)
    silences = server.call("GET", "/monitoring/silences")["silences"]
    assert [m["value"] for s in silences for m in s["matchers"]] == ["busy"]
    wait(browser, lambda: find(browser, '[data-test="silence-row"]'))
    assert script_errors(browser) == []


def test_a_viewer_is_not_offered_writes(browser, server: Server) -> None:
    viewer = server.call("POST", "/users", {"username": "vera", "email": "vera@example.com", "roles": ["viewer"]})
    key = server.call("POST", f"/users/{viewer['id']}/api-keys", {"name": "console"})["key"]
    sign_in(browser, server, key)
    views = [a.get_attribute("data-view") for a in find(browser, "nav a")]
    assert "webhooks" not in views and "fleets" in views and "identity" in views
    open_view(browser, "fleets")
    wait(browser, lambda: find(browser, '[data-test="fleet-row"]'))
    assert find(browser, "form") == [] and find(browser, '[data-test="scale"]') == []
    assert find(browser, '[data-test="delete"]') == []
    click(browser, '[data-test="fleet-row"] [data-test="fleet-name"]')
    wait(browser, lambda: find(browser, '[data-test="instance-row"]'))
    assert find(browser, '[data-test="start"]') == [] and find(browser, '[data-test="stop"]') == []
    open_view(browser, "mesh")
    wait(browser, lambda: find(browser, '[data-test="editor"]'))
    assert not find(browser, '[data-test="apply"]')[0].is_enabled()
    open_view(browser, "identity")
    wait(browser, lambda: find(browser, '[data-test="user-row"]'))
    assert find(browser, "form") == []
    shot(browser, "viewer")


def test_identity_webhooks_and_the_event_tail(browser, server: Server) -> None:
    sign_in(browser, server)
    open_view(browser, "events")
    wait(browser, lambda: find(browser, '[data-test="tail-state"]')[0].text == "live")
    server.call("POST", "/groups", {"name": "tailed"})
    row = wait(browser, lambda: find(browser, '[data-test="event-row"]'))[0]
    assert "group.created" in row.text and "tailed" in row.text
    shot(browser, "events")

    open_view(browser, "identity")
    fill(browser, "form", {"username": "ida", "email": "ida@example.com"})
    find(browser, 'form button[type="submit"]')[0].click()
    user_row = wait(browser, lambda: find(browser, '[data-test="user-row"][data-name="ida"]'))
    keys = [b for b in user_row[0].find_elements(By.TAG_NAME, "button") if b.text == "API keys"][0]
    keys.click()
    key_form = wait(browser, lambda: [f for f in find(browser, "form") if f.find_elements(By.NAME, "name") and "Create key" in f.text])[0]
    key_form.find_element(By.NAME, "name").send_keys("laptop")
    key_form.find_element(By.CSS_SELECTOR, "button").click()
    secret = wait(browser, lambda: find(browser, '[data-test="secret"]'))[0].text
    assert secret.startswith("cdb_")
    # The key works, and the console never showed it in a URL.
    assert server.call("GET", "/auth/whoami", key=secret)["kind"] == "user"
    assert secret not in browser.current_url
    shot(browser, "identity")

    open_view(browser, "webhooks")
    fill(browser, "form", {"name": "hook", "url": "http://127.0.0.1:9/hook", "events": "fleet.created"})
    find(browser, 'form button[type="submit"]')[0].click()
    assert wait(browser, lambda: find(browser, '[data-test="secret"]'))[0].text.startswith("whsec_")
    click(browser, '[data-test="webhook-row"][data-name="hook"] [data-test="test"]')
    wait(browser, lambda: "webhook.test" in browser.find_element(By.TAG_NAME, "main").text)
    shot(browser, "webhooks")
    # Disabled and enabled again from its row; the table follows.
    hook = [w for w in server.call("GET", "/webhooks")["webhooks"] if w["name"] == "hook"][0]
    first_secret = find(browser, '[data-test="secret"]')[0].text
    toggle = '[data-test="webhook-row"][data-name="hook"] [data-test="toggle"]'
    click(browser, toggle)
    wait(browser, lambda: find(browser, toggle)[0].text == "Enable")
    assert server.call("GET", f"/webhooks/{hook['id']}")["enabled"] is False
    click(browser, toggle)
    wait(browser, lambda: find(browser, toggle)[0].text == "Disable")
    assert server.call("GET", f"/webhooks/{hook['id']}")["enabled"] is True
    # A new signing secret, shown once.
    click(browser, '[data-test="webhook-row"][data-name="hook"] [data-test="rotate"]')
    browser.switch_to.alert.accept()
    rotated = wait(browser, lambda: [s for s in find(browser, '[data-test="secret"]') if s.text != first_secret])[0].text
    assert rotated.startswith("whsec_")
    assert script_errors(browser) == []


def test_group_members_and_an_oauth_clients_new_secret(browser, server: Server) -> None:
    user = server.call("POST", "/users", {"username": "gus", "email": "gus@example.com", "roles": ["viewer"]})
    group = server.call("POST", "/groups", {"name": "oncall"})
    admin = server.call("GET", "/auth/whoami")
    client = server.call("POST", "/oauth-clients", {"name": "rotated", "owner": admin["id"], "scopes": ["compute:read"]})
    sign_in(browser, server)
    open_view(browser, "identity")
    click(browser, '[data-test="group-row"][data-name="oncall"] [data-test="members"]')
    add = wait(browser, lambda: [f for f in find(browser, "form") if "Add member" in f.text])[0]
    # A username nobody has: the error sits beside the field.
    add.find_element(By.NAME, "username").send_keys("nobody")
    add.find_element(By.CSS_SELECTOR, "button").click()
    wait(browser, lambda: add.find_elements(By.CSS_SELECTOR, '[data-test="field-error"]'))
    add.find_element(By.NAME, "username").clear()
    add.find_element(By.NAME, "username").send_keys("gus")
    add.find_element(By.CSS_SELECTOR, "button").click()
    wait(browser, lambda: find(browser, '[data-test="member-row"][data-name="gus"]'))
    assert add.find_elements(By.CSS_SELECTOR, '[data-test="field-error"]') == []
    assert server.call("GET", f"/groups/{group['id']}")["members"] == [user["id"]]
    # Added elsewhere: the open list follows the event log.
    other = server.call("POST", "/users", {"username": "hal", "email": "hal@example.com", "roles": ["viewer"]})
    server.call("POST", f"/groups/{group['id']}/members", {"user_id": other["id"]})
    wait(browser, lambda: find(browser, '[data-test="member-row"][data-name="hal"]'))
    shot(browser, "group-members")
    click(browser, '[data-test="member-row"][data-name="gus"] [data-test="remove-member"]')
    wait(browser, lambda: not find(browser, '[data-test="member-row"][data-name="gus"]'))
    assert server.call("GET", f"/groups/{group['id']}")["members"] == [other["id"]]

    click(browser, '[data-test="oauthclient-row"][data-name="rotated"] [data-test="reset-secret"]')
    browser.switch_to.alert.accept()
    secret = wait(browser, lambda: [s for s in find(browser, '[data-test="secret"]') if s.text != client["client_secret"]])[0].text
    assert secret and secret not in browser.current_url

    def token(client_secret: str) -> int:
        form = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": client["id"], "client_secret": client_secret})
        request = urllib.request.Request(f"{server.url}/oauth/token", data=form.encode(), method="POST")
        request.add_header("content-type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as refused:
            return refused.code

    assert token(secret) == 200
    assert token(client["client_secret"]) in (400, 401)
    assert script_errors(browser) == []
