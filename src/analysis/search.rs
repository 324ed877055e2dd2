//! Enumerating the values of a question's atoms in increasing cost (the number of atoms set
//! away from their default), so that the first hit is a smallest one.

use std::ops::ControlFlow;

/// Visit every choice (one value index per atom, `0` the default) with at most `max_cost`
/// atoms set, cheapest first, until `visit` breaks.
pub(crate) fn by_cost(
    sizes: &[usize],
    max_cost: usize,
    visit: &mut dyn FnMut(&[usize], usize) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let costs: Vec<Vec<usize>> = sizes
        .iter()
        .map(|&n| (0..n).map(|v| usize::from(v > 0)).collect())
        .collect();
    by_weight(&costs, max_cost, visit)
}

/// Visit every choice (one value index per dimension) whose total cost is at most
/// `max_cost`, in increasing total cost, until `visit` breaks. `costs[d][v]` is what value
/// `v` of dimension `d` costs; value `0` must cost nothing (it is the default), every other
/// value at least one.
pub(crate) fn by_weight(
    costs: &[Vec<usize>],
    max_cost: usize,
    visit: &mut dyn FnMut(&[usize], usize) -> ControlFlow<()>,
) -> ControlFlow<()> {
    // The most the dimensions from `d` on can cost together: a total above it is
    // unreachable from there.
    let mut most = vec![0usize; costs.len() + 1];
    for (d, values) in costs.iter().enumerate().rev() {
        let top = values.iter().copied().max().unwrap_or(0);
        let next = most.get(d + 1).copied().unwrap_or(0);
        if let Some(slot) = most.get_mut(d) {
            *slot = next.saturating_add(top);
        }
    }
    let total = most.first().copied().unwrap_or(0);
    let mut choice = vec![0; costs.len()];
    for cost in 0..=max_cost.min(total) {
        place(costs, &most, 0, cost, cost, &mut choice, visit)?;
    }
    ControlFlow::Continue(())
}

/// Spend exactly `remaining` on the dimensions from `index` on; the ones before are fixed.
/// Invariant: `choice[index..]` is all zeros on entry and on return.
fn place(
    costs: &[Vec<usize>],
    most: &[usize],
    index: usize,
    remaining: usize,
    cost: usize,
    choice: &mut [usize],
    visit: &mut dyn FnMut(&[usize], usize) -> ControlFlow<()>,
) -> ControlFlow<()> {
    if remaining == 0 {
        return visit(choice, cost);
    }
    if most.get(index).copied().unwrap_or(0) < remaining {
        return ControlFlow::Continue(());
    }
    place(costs, most, index + 1, remaining, cost, choice, visit)?;
    let values = costs.get(index).map_or(&[][..], Vec::as_slice);
    for (value, &price) in values.iter().enumerate().skip(1) {
        if price == 0 || price > remaining {
            continue;
        }
        if let Some(slot) = choice.get_mut(index) {
            *slot = value;
        }
        let flow = place(
            costs,
            most,
            index + 1,
            remaining - price,
            cost,
            choice,
            visit,
        );
        if let Some(slot) = choice.get_mut(index) {
            *slot = 0;
        }
        flow?;
    }
    ControlFlow::Continue(())
}

/// The number of choices `by_cost` visits with no cost bound.
#[cfg(test)]
pub(crate) fn space_size(sizes: &[usize]) -> u128 {
    sizes.iter().map(|&n| n as u128).product()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_every_choice_once_in_increasing_cost() {
        let sizes = [2, 3, 1, 4];
        let mut seen = Vec::new();
        let _ = by_cost(&sizes, usize::MAX, &mut |choice, cost| {
            assert_eq!(choice.iter().filter(|&&v| v != 0).count(), cost);
            seen.push((cost, choice.to_vec()));
            ControlFlow::Continue(())
        });
        assert_eq!(seen.len() as u128, space_size(&sizes));
        assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
        let mut unique: Vec<_> = seen.iter().map(|(_, c)| c.clone()).collect();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len());
    }

    #[test]
    fn weighted_choices_come_in_increasing_total_cost_each_once() {
        let costs = vec![vec![0, 1, 3], vec![0, 2], vec![0], vec![0, 1, 1, 5]];
        let mut seen = Vec::new();
        let _ = by_weight(&costs, usize::MAX, &mut |choice, cost| {
            let total: usize = choice.iter().zip(&costs).map(|(&v, c)| c[v]).sum();
            assert_eq!(total, cost);
            seen.push((cost, choice.to_vec()));
            ControlFlow::Continue(())
        });
        assert_eq!(seen.len(), 3 * 2 * 4);
        assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
        let mut unique: Vec<_> = seen.iter().map(|(_, c)| c.clone()).collect();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len());
        let mut bounded = 0;
        let _ = by_weight(&costs, 2, &mut |_, cost| {
            assert!(cost <= 2);
            bounded += 1;
            ControlFlow::Continue(())
        });
        assert_eq!(bounded, seen.iter().filter(|(c, _)| *c <= 2).count());
    }

    #[test]
    fn respects_the_cost_bound_and_stops() {
        let sizes = [2, 2, 2];
        let mut count = 0;
        let _ = by_cost(&sizes, 1, &mut |_, cost| {
            assert!(cost <= 1);
            count += 1;
            ControlFlow::Continue(())
        });
        assert_eq!(count, 4);
        let mut visits = 0;
        let flow = by_cost(&sizes, usize::MAX, &mut |_, _| {
            visits += 1;
            ControlFlow::Break(())
        });
        assert_eq!((flow, visits), (ControlFlow::Break(()), 1));
    }
}
