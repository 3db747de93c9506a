"""A training script that trains nothing, through the Python helper: one report per step, so the
process trainer's cost per report is all that is measured. Reports its own time (the loop body less
the protocol) as own_seconds."""
import time

import batchtune_trainer as bt

session = bt.connect()
own = 0.0
for request in session.requests():
    while request.should_step():
        began = time.perf_counter()
        session.step(request.batch_size)
        own += time.perf_counter() - began
        session.report({"loss": 0.0, "own_seconds": own})
