// graph.reachable and graph.reachable_paths (OPA's topdown/reachable.go semantics).
import {
  TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, vtype, coll_len, arr_get, coll_items, opa_array_with_cap, opa_set,
} from '../value';
import { opa_array_append, opa_object_get, opa_set_add, opa_set_has, opa_value_shallow_copy } from '../collections';
import { operand_error } from './core_errors';

function is_vertices(v: usize): bool {
  const t = vtype(v);
  return t == TYPE_ARRAY || t == TYPE_SET;
}

/** Elements of an array or set edge list; 0 for anything else (no edges). */
function vertex_count(v: usize): u32 {
  return is_vertices(v) ? coll_len(v) : 0;
}

export function opa_builtin_graph_reachable(graph: usize, initial: usize): usize {
  if (vtype(graph) != TYPE_OBJECT) return operand_error('graph.reachable', 1, 'object', graph);
  if (!is_vertices(initial)) return operand_error('graph.reachable', 2, 'one of {array, set}', initial);
  const reached = opa_set();
  // Breadth-first queue: an array that grows as neighbours are discovered.
  const queue = opa_array_with_cap(coll_len(initial) + 8);
  const n0 = coll_len(initial);
  for (let i: u32 = 0; i < n0; i++) opa_array_append(queue, arr_get(initial, i));
  for (let q: u32 = 0; q < coll_len(queue); q++) {
    const node = arr_get(queue, q);
    const edges = opa_object_get(graph, node);
    if (edges == 0) continue;
    const m = vertex_count(edges);
    for (let j: u32 = 0; j < m; j++) {
      const nb = arr_get(edges, j);
      if (!opa_set_has(reached, nb)) opa_array_append(queue, nb);
    }
    opa_set_add(reached, node);
  }
  return reached;
}

function with_vertex(path: usize, v: usize): usize {
  const n = coll_len(path);
  const p = opa_array_with_cap(n + 1);
  if (n > 0) memory.copy(coll_items(p), coll_items(path), <usize>n << 2);
  store<u32>(p, n, 4);
  opa_array_append(p, v);
  return p;
}

function build_paths(graph: usize, root: usize, path: usize, out: usize, reached: usize): void {
  const edges = opa_object_get(graph, root);
  if (edges == 0) {
    // Not in the graph: commit the path so far (without this node).
    if (coll_len(path) > 0) opa_set_add(out, path);
    return;
  }
  const here = with_vertex(path, root);
  const m = vertex_count(edges);
  if (m == 0) {
    opa_set_add(out, here);
    return;
  }
  // The vertices on this path (OPA copies the set per call): a vertex reached on another branch
  // is walked again, only a cycle back into this path stops it.
  const onPath = opa_value_shallow_copy(reached);
  opa_set_add(onPath, root);
  for (let j: u32 = 0; j < m; j++) {
    const nb = arr_get(edges, j);
    if (opa_set_has(onPath, nb)) {
      opa_set_add(out, here); // a cycle: commit the path so far
    } else {
      build_paths(graph, nb, here, out, onPath);
    }
  }
}

export function opa_builtin_graph_reachable_paths(graph: usize, initial: usize): usize {
  if (vtype(graph) != TYPE_OBJECT) return operand_error('graph.reachable_paths', 1, 'object', graph);
  if (!is_vertices(initial)) return operand_error('graph.reachable_paths', 2, 'one of {array, set}', initial);
  const out = opa_set();
  const n = coll_len(initial);
  for (let i: u32 = 0; i < n; i++) {
    // Each start vertex begins every path; its neighbours are walked with it already on the path.
    const node = arr_get(initial, i);
    const edges = opa_object_get(graph, node);
    if (edges == 0) continue;
    const m = vertex_count(edges);
    const start = with_vertex(opa_array_with_cap(0), node);
    if (m == 0) {
      opa_set_add(out, start);
      continue;
    }
    const onPath = opa_set();
    opa_set_add(onPath, node);
    for (let j: u32 = 0; j < m; j++) build_paths(graph, arr_get(edges, j), start, out, onPath);
  }
  return out;
}
