/**
 * Queue depths over time, shaped for uPlot (`[ticks, depth of q1, depth of
 * q2, ...]`). Pure: tested without a browser.
 */
import type { SimulationResult } from '../../../server/src/simulate/types';

export interface ChartData {
  /** Series names after the x axis: the queues, then the backlog limit when drawn. */
  names: string[];
  /** uPlot's AlignedData: data[0] is the tick, data[i + 1] belongs to names[i]. */
  data: number[][];
  /** Index into `names` of the backlog-limit line, when there is one. */
  limitSeries?: number;
  /** Samples merged into one point when the run was longer than the chart is wide. */
  bucket: number;
}

/** More points than a panel has pixels only slow the chart down. */
export const MAX_POINTS = 2000;

/**
 * Downsamples by taking each bucket's first tick and each queue's maximum in
 * the bucket: a peak that touches the limit must stay visible, since that is
 * what the bounded invariant is about. The backlog limit is drawn as a line
 * when the queues come within a quarter of it (else it would flatten them).
 */
export function toChartData(result: Pick<SimulationResult, 'series' | 'parameters' | 'queues'>, maxPoints = MAX_POINTS): ChartData {
  const { queueNames, points } = result.series;
  const width = queueNames.length;
  const bucket = Math.max(1, Math.ceil(points.length / Math.max(1, maxPoints)));
  const data: number[][] = Array.from({ length: width + 1 }, () => []);
  for (let start = 0; start < points.length; start += bucket) {
    const end = Math.min(points.length, start + bucket);
    data[0].push(points[start][0]);
    for (let q = 1; q <= width; q++) {
      let max = 0;
      for (let i = start; i < end; i++) max = Math.max(max, points[i][q] ?? 0);
      data[q].push(max);
    }
  }
  const names = [...queueNames];
  const limit = result.parameters.backlogLimit;
  const deepest = Math.max(0, ...Object.values(result.queues).map((q) => q.max));
  if (limit > 0 && deepest * 4 >= limit && data[0].length > 0) {
    names.push(`audit_backlog_limit (${limit})`);
    data.push(data[0].map(() => limit));
    return { names, data, limitSeries: names.length - 1, bucket };
  }
  return { names, data, bucket };
}
