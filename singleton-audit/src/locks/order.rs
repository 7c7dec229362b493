//! Lock-order conflicts: a cycle in the "locked B while holding A" graph of one crate.
//! One cycle is reported per strongly connected component, starting from its smallest
//! name, with the first site (by path, line, column) of each edge.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::model::{LockOrderConflict, OrderEdge};

/// The cycles among `edges` (one per strongly connected component of two or more statics).
pub(crate) fn conflicts(edges: &[OrderEdge]) -> Vec<LockOrderConflict> {
    // First site of each (held, acquired) pair, in path/line order.
    let mut first: BTreeMap<(&str, &str), &OrderEdge> = BTreeMap::new();
    let mut sorted: Vec<&OrderEdge> = edges.iter().collect();
    sorted.sort_by(|a, b| (&a.path, a.acquired_at).cmp(&(&b.path, b.acquired_at)));
    for edge in sorted {
        first
            .entry((edge.held.as_str(), edge.acquired.as_str()))
            .or_insert(edge);
    }
    let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for &(a, b) in first.keys() {
        next.entry(a).or_default().insert(b);
    }
    let reach = |from: &str| -> BTreeSet<&str> {
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([from]);
        while let Some(n) = queue.pop_front() {
            for &m in next.get(n).into_iter().flatten() {
                if seen.insert(m) {
                    queue.push_back(m);
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&str, BTreeSet<&str>> = next.keys().map(|&n| (n, reach(n))).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for (&start, from_start) in &reachable {
        if done.contains(start) || !from_start.contains(start) {
            continue;
        }
        // The component: nodes reachable from `start` that reach it back.
        let component: BTreeSet<&str> = from_start
            .iter()
            .copied()
            .filter(|n| reachable.get(n).is_some_and(|r| r.contains(start)))
            .collect();
        done.extend(component.iter().copied());
        if component.len() < 2 {
            continue;
        }
        if let Some(cycle) = shortest_cycle(start, &component, &next) {
            let edges = cycle
                .iter()
                .zip(cycle.iter().cycle().skip(1))
                .filter_map(|(a, b)| first.get(&(*a, *b)).map(|e| (*e).clone()))
                .collect();
            out.push(LockOrderConflict {
                cycle: cycle.iter().map(ToString::to_string).collect(),
                edges,
            });
        }
    }
    out
}

/// The shortest cycle through `start` inside `component` (breadth-first, names in order).
fn shortest_cycle<'a>(
    start: &'a str,
    component: &BTreeSet<&'a str>,
    next: &BTreeMap<&'a str, BTreeSet<&'a str>>,
) -> Option<Vec<&'a str>> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        for &m in next.get(n).into_iter().flatten() {
            if !component.contains(m) {
                continue;
            }
            if m == start {
                let mut path = vec![n];
                let mut at = n;
                while at != start {
                    at = parent.get(at)?;
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            if m != start && !parent.contains_key(m) {
                parent.insert(m, n);
                queue.push_back(m);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Pos;
    use std::path::PathBuf;

    fn edge(held: &str, acquired: &str, line: usize) -> OrderEdge {
        OrderEdge {
            path: PathBuf::from("src/lib.rs"),
            function: format!("f{line}"),
            held: held.into(),
            held_at: Pos { line, column: 1 },
            acquired: acquired.into(),
            acquired_at: Pos { line, column: 9 },
        }
    }

    #[test]
    fn two_and_three_static_cycles_are_found_once_each() {
        let edges = [
            edge("A", "B", 10),
            edge("B", "A", 20),
            edge("A", "B", 30),
            edge("X", "Y", 40),
            edge("Y", "Z", 50),
            edge("Z", "X", 60),
            edge("P", "Q", 70),
        ];
        let found = conflicts(&edges);
        let cycles: Vec<_> = found.iter().map(|c| c.cycle.join("->")).collect();
        assert_eq!(cycles, ["A->B", "X->Y->Z"]);
        let lines: Vec<_> = found[0].edges.iter().map(|e| e.held_at.line).collect();
        assert_eq!(lines, [10, 20]);
        assert_eq!(found[1].edges.len(), 3);
        assert_eq!(found[1].edges[2].acquired, "X");
    }

    #[test]
    fn one_order_everywhere_is_no_conflict() {
        assert!(conflicts(&[edge("A", "B", 1), edge("B", "C", 2), edge("A", "C", 3)]).is_empty());
    }
}
