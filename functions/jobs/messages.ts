import { z } from 'zod';

/** What travels on a tier queue: ids only; the chunk's content stays encrypted in the table. */
export const JobMessage = z.object({
  kind: z.literal('apply-chunk'),
  userId: z.string().min(1).max(64),
  jobId: z.string().min(1).max(64),
  chunk: z.number().int().min(0).max(1_000_000),
});
export type JobMessage = z.infer<typeof JobMessage>;

export type JobMessageHandler = (message: JobMessage, delivery: { messageId: string; receiveCount: number }) => Promise<void>;

export function parseJobMessage(body: string): JobMessage {
  return JobMessage.parse(JSON.parse(body));
}
