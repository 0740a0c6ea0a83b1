/** The tier queues as a JobQueue port (SQS SendMessageBatch, 10 per call; a delay is each entry's DelaySeconds). */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Tier } from '../platform/tiers';
import type { JobQueue } from './deps';

export function sqsJobQueue(sqs: SQSClient, urls: Readonly<Record<Tier, string>>): JobQueue {
  return {
    async send(tier, messages, o = {}) {
      const url = urls[tier];
      const delay = o.delaySeconds ? { DelaySeconds: o.delaySeconds } : {};
      for (let i = 0; i < messages.length; i += 10) {
        let batch = messages.slice(i, i + 10).map((m, j) => ({ Id: String(j), MessageBody: JSON.stringify(m), ...delay }));
        for (let attempt = 0; batch.length; attempt++) {
          const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: batch }));
          const failed = new Set((out.Failed ?? []).map((f) => f.Id));
          if (failed.size && attempt >= 4) throw new Error(`SQS refused ${failed.size} job messages`);
          batch = batch.filter((b) => failed.has(b.Id));
          if (batch.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        }
      }
    },
  };
}
