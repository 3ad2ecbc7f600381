"""Drives the Stripe stand-in with Stripe's own Python library (pinned in xtask's
python_tools::STRIPE_PYTHON), so that what "behaves like Stripe" means is checked by code nobody
here wrote: idempotent replays, idempotency errors, list paging, and the error class the library
raises for each failure the stand-in can be made to show.

Run by tests/src/stripe_conformance.rs: `python conformance.py <stand-in base URL>`. Prints one
`ok: …` line per check and exits non-zero on the first that fails.
"""

import json
import sys
import urllib.request

import stripe

BASE = sys.argv[1]
stripe.api_base = BASE
stripe.api_key = "sk_test_conformance"
stripe.max_network_retries = 0


def control(**command):
    request = urllib.request.Request(
        BASE + "/_standin/control",
        data=json.dumps(command).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert json.load(answer)["ok"]


def ok(what):
    print("ok:", what, flush=True)


def raises(error_class, call):
    try:
        call()
    except error_class as e:
        return e
    raise AssertionError(f"expected {error_class.__name__}")


def transfer(key, amount=100, destination="acct_conf", group="conformance", producer="p1"):
    return stripe.Transfer.create(
        amount=amount,
        currency="usd",
        destination=destination,
        transfer_group=group,
        metadata={"producer": producer},
        idempotency_key=key,
    )


# Idempotent replay: the same key and parameters give the same transfer, marked replayed.
first = transfer("conf-1")
again = transfer("conf-1")
assert first.id == again.id and first.id.startswith("tr_"), (first.id, again.id)
assert again.last_response.headers.get("idempotent-replayed") == "true"
assert first.metadata["producer"] == "p1" and first.amount == 100
ok("a key replays its first result")

# The same key with other parameters is an idempotency error.
e = raises(stripe.IdempotencyError, lambda: transfer("conf-1", amount=101))
assert e.http_status == 400
ok("a key reused with other parameters is an IdempotencyError")

# Paging: newest first, every transfer of the group once.
made = [transfer(f"conf-page-{i}", group="paged", producer=f"p{i}").id for i in range(7)]
listed = [t.id for t in stripe.Transfer.list(transfer_group="paged", limit=3).auto_paging_iter()]
assert listed == list(reversed(made)), (listed, made)
ok("lists page newest first with starting_after")

# Error classes.
control(action="faults", rateLimited=1.0)
raises(stripe.RateLimitError, lambda: transfer("conf-rate"))
control(action="recover")
ok("429 is a RateLimitError")

control(action="faults", serverError=1.0)
raises(stripe.APIError, lambda: transfer("conf-5xx"))
control(action="recover")
assert transfer("conf-5xx").id.startswith("tr_")
ok("a 500 before the endpoint saves nothing: the same key then succeeds")

control(action="faults", internalError=1.0)
raises(stripe.APIError, lambda: transfer("conf-inside"))
control(action="recover")
raises(stripe.APIError, lambda: transfer("conf-inside"))
ok("a 500 inside the endpoint is saved and replayed")
control(action="advanceHours", hours=25)
assert transfer("conf-inside").id.startswith("tr_")
ok("keys are forgotten after 24 hours")

for failure in ["rateLimited", "serverError"]:
    control(action="listFailure", failure=failure)
    error_class = stripe.RateLimitError if failure == "rateLimited" else stripe.APIError
    raises(error_class, lambda: stripe.Transfer.list(transfer_group="paged"))
control(action="recover")
assert len(stripe.Transfer.list(transfer_group="paged", limit=100).data) == 7
ok("failing lists raise RateLimitError and APIError, then recover")

control(action="closeAccount", account="acct_closed")
e = raises(stripe.InvalidRequestError, lambda: transfer("conf-closed", destination="acct_closed"))
assert e.code == "account_invalid", e.code
ok("a closed account is an InvalidRequestError account_invalid")

# A paused transfers capability, then restored: the saved error is replayed under its key (as
# Stripe does), and a new key reaches the recovered account.
control(action="removeTransfersCapability", account="acct_paused")
e = raises(stripe.InvalidRequestError, lambda: transfer("conf-paused", destination="acct_paused"))
assert e.code == "insufficient_capabilities_for_transfer", e.code
control(action="restoreTransfersCapability", account="acct_paused")
e = raises(stripe.InvalidRequestError, lambda: transfer("conf-paused", destination="acct_paused"))
assert e.code == "insufficient_capabilities_for_transfer", e.code
assert transfer("conf-paused-round-1", destination="acct_paused").destination == "acct_paused"
ok("a paused capability is insufficient_capabilities_for_transfer, replayed under its key; restored, a new key pays")

e = raises(stripe.InvalidRequestError, lambda: transfer("conf-big", amount=100_000_000))
assert e.code == "amount_too_large", e.code
ok("an amount over the maximum is amount_too_large")

control(action="restrictKey", key="rk_test_readonly", readTransfers=True, writeTransfers=False)
stripe.api_key = "rk_test_readonly"
assert stripe.Transfer.list(limit=1).data
raises(stripe.PermissionError, lambda: transfer("conf-restricted"))
ok("a restricted key without the permission is a PermissionError")

control(action="revokeKey", key="sk_test_revoked")
stripe.api_key = "sk_test_revoked"
raises(stripe.AuthenticationError, lambda: stripe.Transfer.list(limit=1))
raises(stripe.AuthenticationError, lambda: transfer("conf-revoked"))
ok("a revoked key is an AuthenticationError")

print("stripe-python conformance: all checks passed")
