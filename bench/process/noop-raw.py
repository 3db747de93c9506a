"""The same no-op script speaking the protocol by hand (no helper), to separate the helper's cost
from batchtune's. It trusts batchtune's target and limits in examples only."""
import json
import sys

out = sys.stdout
send = lambda message: (out.write(json.dumps(message) + "\n"), out.flush())
send({"type": "hello", "protocol": 1})
progress = {"examples": 0, "steps": 0, "seconds": 0.0}
for line in sys.stdin:
    message = json.loads(line)
    kind = message["type"]
    if kind == "open":
        send({"type": "ready"})
    elif kind == "train":
        batch, target, cap = message["batchSize"], message["target"]["value"], message["limits"].get("examples", float("inf"))
        while progress["examples"] + batch <= min(target, cap):
            progress["examples"] += batch
            progress["steps"] += 1
            send({"type": "report", "progress": progress, "metrics": {"loss": 0.0}})
            if json.loads(sys.stdin.readline())["type"] == "stop":
                break
        send({"type": "done", "progress": progress, "exhausted": False})
    elif kind == "close":
        break
