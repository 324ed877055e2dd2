#!/usr/bin/env python3
"""A client of `lawful serve`, in Python's standard library (or `requests` when installed).

Start the server on the bundled policy, then run this against it:

    lawful serve policies/anker.lawful            # listens on 127.0.0.1:8181
    python3 examples/client.py http://127.0.0.1:8181 [TOKEN]

It asks one question of every kind, one the policy cannot answer (an unknown purpose: a 400
whose body names the error and suggests the name meant), a batch, and the OPA-shaped
`allow`, and prints one JSON line per answer. `tests/serve.rs` runs it against a live server.
"""

import json
import sys

try:
    import requests  # type: ignore
except ImportError:  # the standard library is enough
    requests = None
    import urllib.error
    import urllib.request


class LawfulError(Exception):
    """A question the server refused (HTTP 4xx): `code` is the stable error code."""

    def __init__(self, status, body):
        super().__init__(body.get("error", "refused"))
        self.status = status
        self.code = body.get("code")
        self.message = body.get("error")


class Lawful:
    """Asks a `lawful serve` at `base` (`http://127.0.0.1:8181`)."""

    def __init__(self, base, token=None, timeout=10):
        self.base = base.rstrip("/")
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = "Bearer " + token
        self.timeout = timeout

    def _post(self, path, body, raw=False):
        data = body if raw else json.dumps(body).encode()
        if requests is not None:
            r = requests.post(self.base + path, data=data, headers=self.headers, timeout=self.timeout)
            status, text, policy = r.status_code, r.text, r.headers.get("lawful-policy")
        else:
            req = urllib.request.Request(self.base + path, data=data, headers=self.headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    status, text, policy = r.status, r.read().decode(), r.headers.get("lawful-policy")
            except urllib.error.HTTPError as e:
                status, text, policy = e.code, e.read().decode(), e.headers.get("lawful-policy")
        if status != 200:
            raise LawfulError(status, json.loads(text))
        return text, policy

    def decide(self, purpose, data, region=None, subject=None, recipient=None):
        """May `purpose` use `data` (or `recipient` receive it)? The CLI's JSON answer."""
        q = {"purpose": purpose, "data": data}
        if region:
            q["region"] = region
        if subject is not None:
            q["subject"] = subject
        if recipient:
            q["recipient"] = recipient
        text, policy = self._post("/v1/decide", q)
        answer = json.loads(text)
        answer["policy"] = policy  # the content hash of the policy that decided
        return answer

    def transfer(self, data, source, target):
        return json.loads(self._post("/v1/transfer", {"data": data, "from": source, "to": target})[0])

    def mask(self, purpose, fields, subject):
        return json.loads(self._post("/v1/mask", {"purpose": purpose, "fields": fields, "subject": subject})[0])

    def batch(self, questions):
        """Many questions at once: one answer per question, in order."""
        body = "".join(json.dumps(q) + "\n" for q in questions).encode()
        text, _ = self._post("/v1/batch", body, raw=True)
        return [json.loads(line) for line in text.splitlines() if line]

    def allow(self, question):
        """OPA's shape: `{"input": …}` → `{"result": true|false, "decision_id": …}`."""
        return json.loads(self._post("/v1/data/lawful/allow", {"input": question})[0])["result"]


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8181"
    token = sys.argv[2] if len(sys.argv) > 2 else None
    lawful = Lawful(base, token)
    subject = {"region": "DE", "age": 34}
    answer = lawful.decide("essential.service.site", "session.ip", subject=subject)
    print(json.dumps({"decide": answer["outcome"], "reason": answer["reason"], "policy": answer["policy"]}))
    try:
        lawful.decide("essential.service.sit", "session.ip", subject=subject)
        print(json.dumps({"unknown": "answered"}))
    except LawfulError as e:
        print(json.dumps({"unknown": e.code, "status": e.status, "message": e.message}))
    print(json.dumps({"transfer": lawful.transfer("user.contact.email", "DE", "US")["safeguard"]}))
    print(json.dumps({"mask": lawful.mask("essential.service.site", ["session.ip", "account.email"], subject)}))
    answers = lawful.batch([
        {"id": 1, "purpose": "essential.service.site", "data": "session.ip", "region": "DE"},
        {"id": 2, "purpose": "nope", "data": "session.ip"},
    ])
    print(json.dumps({"batch": [a.get("outcome", a.get("code")) for a in answers]}))
    print(json.dumps({"allow": lawful.allow({"purpose": "essential.service.site", "data": "session.ip", "region": "DE"})}))


if __name__ == "__main__":
    main()
