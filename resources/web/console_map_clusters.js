/* Cluster aggregates for the incident layer (no DOM).
 * supercluster 8 (pinned in package-lock.json) keeps each zoom level as a flat array of
 * [x, y, zoom, id, parent, count] per point or cluster, and a cluster's id encodes the level and the index of the
 * item it grew from. One bottom-up pass over those arrays gives every cluster, at every zoom, its count without
 * the open P1 incidents (drawn on their own), its most urgent priority, how many members are past their SLA and
 * one member (for a "cluster" left with a single incident). It costs a few milliseconds at 100,000 incidents,
 * so a property change (a new priority, a breach) is re-aggregated without rebuilding the index. */
(function () {
  'use strict';
  const CM = (window.ConsoleMap = window.ConsoleMap || {});

  const OFFSET_ID = 3, OFFSET_PARENT = 4, OFFSET_NUM = 5;
  const CLOSED_RANK = 5, NO_RANK = 9;

  function leafRank(p) {
    if (CM.isClosed(p)) return CLOSED_RANK;
    return CM.PRIORITY_RANK[CM.priorityOf(p)];
  }

  /* The cluster tree as typed arrays, once per index: for each level, the (parent, child) edges of the clusters
   * that grew at the zoom below it. A child is a cluster (its level and item) or a point (level 0, its index). */
  function edgesOf(index) {
    if (index.consoleEdges) return index.consoleEdges;
    const n = index.points.length;
    const stride = index.stride;
    const levels = [];
    const { minZoom, maxZoom } = index.options;
    for (let z = maxZoom + 1; z > minZoom; z--) {
      const data = index.trees[z].data;
      const parents = [], childLevels = [], children = [];
      for (let k = 0; k < data.length; k += stride) {
        const parent = data[k + OFFSET_PARENT];
        if (parent === -1) continue;
        parents.push((parent - n) >> 5); // the cluster grew at zoom z-1 from this item of this level
        const id = data[k + OFFSET_ID];
        if (data[k + OFFSET_NUM] > 1) {
          childLevels.push((id - n) % 32);
          children.push((id - n) >> 5);
        } else {
          childLevels.push(0);
          children.push(id);
        }
      }
      levels.push({ z: z, size: data.length / stride, parent: Int32Array.from(parents),
                    childLevel: Int8Array.from(childLevels), child: Int32Array.from(children) });
    }
    index.consoleEdges = levels;
    return levels;
  }

  function aggregate(index) {
    const n = index.points.length;
    const levels = {};
    const openP1 = [];
    // Each point once: its rank (0: an open P1, never in a cluster) and whether it is past its SLA.
    const rank = new Uint8Array(n), late = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const f = index.points[i];
      const p = f.properties || {};
      if (CM.isOpenP1(p)) { openP1.push(f); continue; }
      const closed = CM.isClosed(p);
      rank[i] = closed ? CLOSED_RANK : CM.PRIORITY_RANK[CM.priorityOf(p)];
      late[i] = p.sla_breached === true && !closed ? 1 : 0;
    }
    if (!index.trees || !index.stride) return { levels: levels, openP1: openP1, n: n };
    for (const e of edgesOf(index)) {
      const count = new Int32Array(e.size), worst = new Uint8Array(e.size).fill(NO_RANK);
      const breached = new Int32Array(e.size), single = new Int32Array(e.size).fill(-1);
      levels[e.z] = { count: count, worst: worst, breached: breached, single: single };
      for (let j = 0; j < e.parent.length; j++) {
        const pi = e.parent[j], level = e.childLevel[j], ci = e.child[j];
        let c, w, b, s;
        if (level) {
          const child = levels[level];
          c = child.count[ci]; w = child.worst[ci]; b = child.breached[ci]; s = child.single[ci];
        } else {
          if (!rank[ci]) continue;
          c = 1; w = rank[ci]; b = late[ci]; s = ci;
        }
        count[pi] += c;
        if (w < worst[pi]) worst[pi] = w;
        breached[pi] += b;
        if (s >= 0 && single[pi] < 0) single[pi] = s;
      }
    }
    return { levels: levels, openP1: openP1, n: n };
  }

  function clusterAggregate(agg, id) {
    const level = agg.levels[(id - agg.n) % 32];
    if (!level) return null;
    const i = (id - agg.n) >> 5;
    return { count: level.count[i], worst: level.worst[i], breached: level.breached[i], single: level.single[i] };
  }

  // Cluster-level properties: a change to one of these re-aggregates (cheap); others need nothing.
  function clusterPropsDiffer(a, b) {
    return a.priority !== b.priority || a.status !== b.status || a.sla_breached !== b.sla_breached;
  }

  CM.clusters = {
    NO_RANK: NO_RANK,
    aggregate: aggregate,
    of: clusterAggregate,
    rank: leafRank,
    propsDiffer: clusterPropsDiffer,
  };
})();
