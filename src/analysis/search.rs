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
    let mut choice = vec![0; sizes.len()];
    for cost in 0..=max_cost.min(sizes.len()) {
        place(sizes, 0, cost, cost, &mut choice, visit)?;
    }
    ControlFlow::Continue(())
}

/// Set exactly `remaining` of the atoms from `index` on; the ones before are fixed.
/// Invariant: `choice[index..]` is all zeros on entry and on return.
fn place(
    sizes: &[usize],
    index: usize,
    remaining: usize,
    cost: usize,
    choice: &mut [usize],
    visit: &mut dyn FnMut(&[usize], usize) -> ControlFlow<()>,
) -> ControlFlow<()> {
    if remaining == 0 {
        return visit(choice, cost);
    }
    if sizes.len().saturating_sub(index) < remaining {
        return ControlFlow::Continue(());
    }
    place(sizes, index + 1, remaining, cost, choice, visit)?;
    let values = sizes.get(index).copied().unwrap_or(1);
    for value in 1..values {
        if let Some(slot) = choice.get_mut(index) {
            *slot = value;
        }
        let flow = place(sizes, index + 1, remaining - 1, cost, choice, visit);
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
