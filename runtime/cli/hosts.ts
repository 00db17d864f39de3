import type { Plan } from '../compile/plan.ts';
import { didYouMean } from '../graph/suggest.ts';
import { UsageError } from './usage.ts';

/**
 * `--host NAME` of run and export: refused (bad usage) when no node of the plan is placed on
 * NAME, naming the hosts the graph has, so a typo is not an empty run or an empty export.
 */
export function checkHost(plan: Plan, host: string | undefined): void {
  if (host === undefined || plan.nodes.some((n) => n.host === host)) return;
  const hosts = [...new Set(plan.nodes.map((n) => n.host).filter((h): h is string => h !== undefined))];
  throw new UsageError(
    hosts.length
      ? `no node runs on host ${host}${didYouMean(host, hosts)}; the graph's hosts: ${hosts.join(', ')}`
      : `no node runs on host ${host}; the graph places no node on a host (run it without --host)`,
  );
}
