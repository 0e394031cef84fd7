"""What invokes the non-HTTP functions on AWS, over moto: an SQS event-source mapping (batches
of up to BatchSize, the queue's own visibility timeout and redrive policy, partial batch
failures as ReportBatchItemFailures defines them) and an EventBridge schedule."""

import json
import threading
import time
import uuid


class SqsEventSource:
    """Lambda's poller: receive a batch, invoke, delete what succeeded. A failed invocation
    deletes nothing; a batch response deletes all but the failures it names; a failure naming
    an id not in the batch fails the whole batch (AWS's rule). Nothing is retried here: the
    messages come back after the visibility timeout, and moto moves one received more than
    maxReceiveCount times to the dead-letter queue."""

    def __init__(self, sqs, queue_url, queue_arn, function, props):
        self.sqs, self.url, self.arn, self.fn = sqs, queue_url, queue_arn, function
        self.batch_size = int(props.get("BatchSize", 10))
        self.partial = "ReportBatchItemFailures" in props.get("FunctionResponseTypes", [])
        self.stopping = threading.Event()
        self.batches = 0
        self.failed_records = 0
        self.errors = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                self._once()
            except Exception as e:  # noqa: BLE001 — recorded, the test fails on it
                self.errors.append(repr(e))
                time.sleep(0.5)

    def _once(self):
        got = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=min(self.batch_size, 10),
                                       WaitTimeSeconds=1, AttributeNames=["All"], MessageAttributeNames=["All"])
        msgs = got.get("Messages", [])
        if not msgs:
            return
        records = [{
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.arn,
            "awsRegion": "us-east-1",
        } for m in msgs]
        self.batches += 1
        try:
            resp = self.fn.invoke({"Records": records})
        except Exception as e:  # noqa: BLE001 — the whole batch comes back after the timeout
            self.errors.append(f"invocation failed: {e}")
            return
        failed = set()
        if self.partial and resp:
            ids = {r["messageId"] for r in records}
            for f in resp.get("batchItemFailures") or []:
                failed.add(f.get("itemIdentifier"))
            if not failed <= ids:
                failed = ids
        self.failed_records += len(failed)
        done = [{"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
                for i, r in enumerate(records) if r["messageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=done)

    def stop(self):
        self.stopping.set()
        self.thread.join(5)


class Schedule:
    """An EventBridge schedule, run `scale` times faster: every `period` seconds the function
    gets the scheduled event (tests/fixtures/aws/example-eventbridge-scheduled-event.json)."""

    def __init__(self, function, period, fixture_path):
        with open(fixture_path) as f:
            self.fixture = json.load(f)
        self.fn, self.period = function, period
        self.stopping = threading.Event()
        self.runs = 0
        self.errors = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.wait(self.period):
            ev = dict(self.fixture, id=str(uuid.uuid4()), time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            try:
                self.fn.invoke(ev)
                self.runs += 1
            except Exception as e:  # noqa: BLE001 — recorded, the test fails on it
                self.errors.append(repr(e))

    def stop(self):
        self.stopping.set()
        self.thread.join(5)
