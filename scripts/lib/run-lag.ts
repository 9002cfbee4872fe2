import type { Admin } from 'kafkajs';

/**
 * Records behind, summed over every consumer group named with a run's prefix (its apps' groups are named after its
 * topic prefix); a group with nothing committed on a partition counts from the partition's start. Offsets are
 * committed only once a record's effect is durable, so 0 means the run's apps have made every write their records
 * call for.
 */
export async function runLag(admin: Admin, prefix: string): Promise<number> {
  const { groups } = await admin.listGroups();
  const ends = new Map<string, Map<number, { low: number; high: number }>>();
  let behind = 0;
  for (const { groupId } of groups.filter((g) => g.groupId.startsWith(prefix))) {
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
      if (!ends.has(topic)) {
        const offsets = await admin.fetchTopicOffsets(topic);
        ends.set(topic, new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }])));
      }
      for (const p of partitions) {
        const end = ends.get(topic)!.get(p.partition);
        if (!end) continue;
        const committed = Number(p.offset);
        behind += Math.max(0, end.high - (committed < 0 ? end.low : committed));
      }
    }
  }
  return behind;
}
