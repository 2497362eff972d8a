//! Time in range for glucose: the share of readings below, within and above the target range
//! of the International Consensus on Time in Range (Battelino et al., Diabetes Care 2019):
//! 3.9–10.0 mmol/L (70–180 mg/dL). With readings at a steady interval, as a CGM sends them, the
//! share of readings is the share of time.

use serde::{Deserialize, Serialize};

/// The consensus target range, mmol/L, both ends inside the range.
pub const TARGET_LOW: f64 = 3.9;
pub const TARGET_HIGH: f64 = 10.0;

/// Whole percentages that add up to 100 (all zero when there are no readings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeInRange {
    pub below: u8,
    pub in_range: u8,
    pub above: u8,
}

/// The time in range of `values` (mmol/L). Percentages are rounded by largest remainder, so
/// they add up to exactly 100 and a single low reading among many never rounds away to 0 %.
pub fn time_in_range(values: impl IntoIterator<Item = f64>) -> TimeInRange {
    let mut counts = [0u64; 3];
    for v in values.into_iter().filter(|v| v.is_finite()) {
        let bucket = if v < TARGET_LOW {
            0
        } else if v <= TARGET_HIGH {
            1
        } else {
            2
        };
        counts[bucket] += 1;
    }
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return TimeInRange::default();
    }
    // Floors first, then the points left over to the largest remainders; a non-empty bucket
    // gets at least 1 % so that one hypo among hundreds of readings still shows.
    let mut shares: Vec<(usize, u64, u64)> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c * 100 / total, c * 100 % total))
        .collect();
    for share in &mut shares {
        if counts[share.0] > 0 && share.1 == 0 {
            share.1 = 1;
            share.2 = 0;
        }
    }
    let mut given: u64 = shares.iter().map(|s| s.1).sum();
    let mut order: Vec<usize> = (0..3).collect();
    order.sort_by(|a, b| shares[*b].2.cmp(&shares[*a].2).then(a.cmp(b)));
    for i in order.iter().cycle().take(6) {
        if given >= 100 {
            break;
        }
        if counts[*i] > 0 {
            shares[*i].1 += 1;
            given += 1;
        }
    }
    // A bucket raised to 1 % may push the sum past 100: take it back from the largest.
    while given > 100 {
        let largest = (0..3).max_by_key(|i| shares[*i].1).unwrap_or(1);
        shares[largest].1 -= 1;
        given -= 1;
    }
    let pct = |i: usize| u8::try_from(shares[i].1).unwrap_or(100);
    TimeInRange {
        below: pct(0),
        in_range: pct(1),
        above: pct(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_includes_both_ends() {
        let t = time_in_range([3.9, 10.0, 3.8, 10.1]);
        assert_eq!((t.below, t.in_range, t.above), (25, 50, 25));
    }

    #[test]
    fn percentages_add_up_to_100() {
        let t = time_in_range([2.0, 5.0, 12.0]);
        assert_eq!(
            u32::from(t.below) + u32::from(t.in_range) + u32::from(t.above),
            100
        );
        for n in 1..200u32 {
            let values = (0..n).map(|i| f64::from(i % 7) * 2.0);
            let t = time_in_range(values);
            assert_eq!(
                u32::from(t.below) + u32::from(t.in_range) + u32::from(t.above),
                100,
                "{n}"
            );
        }
    }

    #[test]
    fn one_low_reading_among_a_thousand_still_shows() {
        let values = std::iter::once(3.0).chain(std::iter::repeat_n(6.0, 999));
        let t = time_in_range(values);
        assert_eq!((t.below, t.in_range, t.above), (1, 99, 0));
    }

    #[test]
    fn no_readings_is_no_time() {
        assert_eq!(time_in_range([]), TimeInRange::default());
        assert_eq!(time_in_range([f64::NAN]), TimeInRange::default());
    }
}
