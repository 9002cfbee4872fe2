import type { Admin, ITopicConfig } from 'kafkajs';

/**
 * Creates the topics that do not exist yet; existing topics are left as they are. Several apps may race to create
 * the same topic at start: "already exists" is success, and the call returns once every topic has a leader.
 */
export async function ensureTopics(admin: Admin, topics: ITopicConfig[], timeoutMs = 30_000): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length) {
    try {
      // kafkajs's own waitForLeaders throws while metadata propagates (UNKNOWN_TOPIC_OR_PARTITION): poll below instead.
      await admin.createTopics({ topics: missing, waitForLeaders: false });
    } catch (error) {
      const causes = (error as { errors?: { type?: string }[] }).errors ?? [];
      if (!causes.length || causes.some((c) => c.type !== 'TOPIC_ALREADY_EXISTS')) throw error;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`topics have no leader after ${timeoutMs} ms: ${topics.map((t) => t.topic).join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return missing.map((t) => t.topic);
}
